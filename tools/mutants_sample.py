"""Pick mutants for `make mutants`: every mutant of the given modules, or a seeded random sample of
at most N per module (a module's full run can take hours on 2 cores).

Reads `mutmut results --all true` on stdin, prints mutant names, one per line.
    mutmut results --all true | python tools/mutants_sample.py --per-module 300 steel.cli steel.run
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections import defaultdict


def mutants_by_module(lines) -> dict[str, list[str]]:
    """Module (dotted, e.g. steel.render.sheets) -> its mutants' names, from mutmut's results."""
    found = defaultdict(list)
    for line in lines:
        match = re.match(r"\s*(steel[\w.]*)\.([^.\s]+__mutmut_\d+):", line)
        if match:
            found[match.group(1)].append(f"{match.group(1)}.{match.group(2)}")
    return found


def sample(names: list[str], per_module: int, seed: int) -> list[str]:
    if per_module <= 0 or len(names) <= per_module:
        return names
    return sorted(random.Random(seed).sample(sorted(names), per_module))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="+", help="dotted module names (steel.render.sheets)")
    parser.add_argument("--per-module", type=int, default=0, help="at most this many a module (0: all)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    found = mutants_by_module(sys.stdin)
    for module in args.modules:
        if module not in found:
            sys.exit(f"no mutants of {module}: is it a module of src/steel, and were mutants generated?")
        print("\n".join(sample(found[module], args.per_module, args.seed)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
