"""The file names of a cell's run folder, as the workflow asks for them (steel.plan.run_folder)."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

from steel.plan import run_folder


@pytest.mark.parametrize(("alpha", "vector"), [(False, False), (True, False), (False, True), (True, True)])
def test_a_cell_has_its_stylize_files_its_metrics_and_what_the_options_add(alpha, vector):
    stylized = run_folder.stylize_files(alpha)
    assert stylized[:2] == (run_folder.LOSSES, run_folder.RECORD) and stylized[-1] == run_folder.STYLIZED
    assert (run_folder.ALPHA in stylized) is alpha
    files = run_folder.cell_files(alpha, vector)
    assert files[: len(stylized)] == stylized and files[len(stylized)] == run_folder.METRICS
    added = (run_folder.SVG, run_folder.VECTOR_RECORD, run_folder.VECTOR_PREVIEW)
    assert files[len(stylized) + 1 :] == (added if vector else ())
    assert len(set(files)) == len(files)


def test_a_cell_is_a_raster_unless_asked_for_a_vector():
    assert run_folder.cell_files(alpha=False) == run_folder.cell_files(False, vector=False)


# --- the names are spelled here only ---

REPO = Path(__file__).resolve().parents[2]


def name_pattern() -> re.Pattern:
    """Every file name of run_folder as it would be spelled in another string. A name without a dot
    (``log``, ``snapshots``) is one only as a path's part: as a word it is just a word."""
    names = [value for key, value in vars(run_folder).items() if key.isupper() and isinstance(value, str)]
    spelled = []
    for name in sorted(names, key=len, reverse=True):
        if "{" in name:  # a pattern (DAMAGE_NOTE): its fixed part between the fields
            spelled.append(re.escape(name.split("}", 1)[1].rsplit("{", 1)[0]))
        elif "." in name.lstrip("."):
            spelled.append(rf"(?<![\w.-]){re.escape(name)}(?![\w-]|\.\w)")
        else:
            spelled.append(rf"(?<=/){re.escape(name)}(?![\w.-])|(?<![\w.-]){re.escape(name)}/")
    spelled.append(r"\bstep(?:\{[^}]*\}|\d{6})\.png")  # snapshot()
    return re.compile("|".join(spelled))


def strings(path: Path) -> list[tuple[int, str]]:
    """(line, text) of the string literals of a Python or Snakemake file, docstrings left out
    (comments are no tokens of it)."""
    tokens = [
        token
        for token in tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
        if token.type not in (tokenize.NL, tokenize.COMMENT)
    ]
    found = []
    for index, token in enumerate(tokens):
        if token.type != tokenize.STRING:
            continue
        before = tokens[index - 1].type if index else tokenize.NEWLINE
        after = tokens[index + 1].type if index + 1 < len(tokens) else tokenize.ENDMARKER
        statement = before in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)
        if not (statement and after in (tokenize.NEWLINE, tokenize.ENDMARKER)):
            found.append((token.start[0], token.string))
    return found


def test_the_pattern_finds_the_names_as_code_spells_them():
    pattern = name_pattern()
    for text in ('"stylized.png"', 'f"{RUN_DIR}/log"', '"snapshots/step000030.png"', 'f"step{step:06d}.png"'):
        assert pattern.search(text), text
    assert pattern.search('f"{RUN_DIR}/{{record}}.damaged-{{stamp}}"')
    for text in ('"stylized.png.tmp"', '"results/best/x.png"', 'set_yscale("log")', '"needs snapshots"'):
        assert not pattern.search(text), text


def test_no_file_name_of_the_run_folder_is_spelled_outside_its_module():
    pattern = name_pattern()
    files = [
        REPO / "Snakefile",
        *(REPO / "workflow").rglob("*.smk"),
        *(REPO / "workflow").rglob("*.py"),
        *(REPO / "src").rglob("*.py"),
    ]
    spelled = [
        f"{path.relative_to(REPO).as_posix()}:{line}: {match.group(0)}"
        for path in sorted(files)
        if path.name != "run_folder.py"
        for line, text in strings(path)
        for match in pattern.finditer(text)
    ]
    assert not spelled, "import these names from steel.plan.run_folder:\n" + "\n".join(spelled)
