"""Pick mutants for `make mutants`: every mutant of the given modules, or a seeded random sample of
at most N per module (a module's full run can take hours on 2 cores).

Reads `mutmut results --all true` on stdin, prints mutant names, one per line; with --score, the
score of each module's sample instead (what an earlier, other sample left in ./mutants is ignored).
    mutmut results --all true | python tools/mutants_sample.py --per-module 300 steel.cli steel.cells.stylize
    mutmut results --all true | python tools/mutants_sample.py --score   # every module
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections import defaultdict
from pathlib import Path

#: the package mutmut mutates ([tool.mutmut] source_paths)
SOURCE = Path(__file__).resolve().parent.parent / "src" / "steel"

#: mutmut's statuses that count as caught: a failing test, or a run that took too long
CAUGHT = ("killed", "timeout")


def statuses(lines) -> dict[str, str]:
    """Mutant name -> mutmut's status ("killed", "survived", "not checked", ...)."""
    found = {}
    for line in lines:
        match = re.match(r"\s*(steel[\w.]*\.[^.\s]+__mutmut_\d+): (.+)$", line.rstrip("\n"))
        if match:
            found[match.group(1)] = match.group(2)
    return found


def mutants_by_module(names) -> dict[str, list[str]]:
    """Module (dotted, e.g. steel.render.sheets) -> its mutants' names."""
    found = defaultdict(list)
    for name in names:
        found[name.rsplit(".", 1)[0]].append(name)
    return found


def score_line(module: str, names: list[str], status: dict[str, str]) -> str:
    checked = [n for n in names if status[n] != "not checked"]
    caught = sum(status[n] in CAUGHT for n in checked)
    share = f"{100 * caught / len(checked):5.1f} %" if checked else "  -  "
    left = ", ".join(f"{s} {sum(status[n] == s for n in checked)}" for s in ("survived", "no tests"))
    return f"{module:32s} {caught:4d} / {len(checked):4d} caught ({share}); {left}; sample of {len(names)}"


def source_modules(root: Path = SOURCE) -> set[str]:
    """Dotted names of the package's modules; a package's __init__ is the package (mutmut's name)."""
    names = set()
    for path in root.rglob("*.py"):
        parts = path.relative_to(root.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts[-1] != "__main__":
            names.add(".".join(parts))
    return names


def sample(names: list[str], per_module: int, seed: int) -> list[str]:
    if per_module <= 0 or len(names) <= per_module:
        return names
    return sorted(random.Random(seed).sample(sorted(names), per_module))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "modules", nargs="*", help="dotted module names (steel.render.sheets); default: all of src/steel"
    )
    parser.add_argument("--per-module", type=int, default=0, help="at most this many a module (0: all)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--score", action="store_true", help="print each sample's score, not its names")
    args = parser.parse_args(argv)
    status = statuses(sys.stdin)
    found = mutants_by_module(status)
    if not found:
        sys.exit("no mutants: run `make mutants` first (it generates them in ./mutants)")
    known = source_modules()
    for module in args.modules or sorted(known):
        if module not in known:
            sys.exit(f"{module} is not a module of src/steel: name it dotted, e.g. steel.render.sheets")
        if module not in found:
            # nothing mutmut can change: a docstring or constants, not a module without tests
            if args.score:
                print(f"{module:32s} no mutants (nothing to mutate: a docstring, constants)")
            continue
        names = sample(found[module], args.per_module, args.seed)
        print(score_line(module, names, status) if args.score else "\n".join(names))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
