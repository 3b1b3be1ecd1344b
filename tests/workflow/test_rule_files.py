"""The Snakefile and the rule files, read as text: which rules run locally, and one way of
switching an optional part on. Seconds, no Snakemake run."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RULE_FILES = [REPO / "Snakefile", *sorted((REPO / "workflow" / "rules").glob("*.smk"))]

#: the rules whose jobs a cluster runs (the GPU's): every other rule takes seconds on one CPU thread
#: and runs where Snakemake runs. The stylize rules (batched, of blends) are named while planning.
CLUSTER_RULES = {
    '"stylize_own" if own else "stylize"',
    "stylize_rule(batch, own)",
    "train_msgnet",
    "convergence_run",
    "stylize_outline",
    "outline_rule(batch)",
}


def rules() -> dict[str, list[str]]:
    """Name -> directive lines (stripped) of every rule and checkpoint; a rule named by a ``name:``
    directive goes by that directive's value."""
    found = {}
    for path in RULE_FILES:
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            head = re.match(r"(\s*)(?:rule|checkpoint)(?:\s+(\w+))?\s*:", line)
            if not head:
                continue
            indent = len(head.group(1))
            body = []
            for inner in lines[number + 1 :]:
                if inner.strip() and len(inner) - len(inner.lstrip()) <= indent:
                    break
                body.append(inner.strip())
            name = head.group(2) or body[body.index("name:") + 1]
            assert name not in found, f"{path.name}: rule {name} twice"
            found[name] = body
    return found


def test_every_rule_but_the_cluster_ones_says_it_runs_locally():
    found = rules()
    assert set(found) >= CLUSTER_RULES
    local = {name for name, body in found.items() if "localrule: True" in body}
    assert local == set(found) - CLUSTER_RULES
    assert len(local) == 27


def test_no_hand_made_list_of_local_rules():
    for path in RULE_FILES:
        assert not re.search(r"^\s*localrules\s*:", path.read_text(), re.M), path.name


def code_lines(path: Path) -> list[tuple[int, str]]:
    """(number, line) of the lines of a rule file, comments cut off."""
    return [(number, line.split("#", 1)[0]) for number, line in enumerate(path.read_text().splitlines(), 1)]


def test_an_optional_part_is_switched_by_is_enabled_only():
    """Only common.smk's is_enabled and part_settings read an optional part's `enabled` key; every
    other rule file asks is_enabled(part), and no flag of its own stands for it."""
    readers = [
        f"{path.name}:{number}"
        for path in RULE_FILES
        for number, line in code_lines(path)
        if re.search(r"""["']enabled["']|\w_ENABLED\b|\bENABLED_\w""", line)
    ]
    common = REPO / "workflow" / "rules" / "common.smk"
    allowed = [
        f"common.smk:{number}"
        for number, line in code_lines(common)
        if re.search(r"""return .*config\[part\].*["']enabled["']""", line)
    ]
    assert len(allowed) == 2 and readers == allowed
