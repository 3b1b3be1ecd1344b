"""Peak memory of a run that snapshots every step against one that snapshots every 30 steps.

Each run is a fresh process (its peak resident memory is the kernel's ``ru_maxrss`` of that child):
a cell at --width for --iterations steps with random weights on the CPU, through
``steel.cells.stylize.run`` as the command runs it. Snapshots go to disk as the run goes, so the
difference should stay near zero whatever the step count. The snapshots' size depends on the
image, not the network: --cheap runs block 1 only (conv1_1 against a conv1_2 content loss), which
keeps a 300-step run at 512 px to seconds on a CPU.

    python benchmarks/snapshot_memory.py --width 512 --iterations 300 [--cheap]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOGOS = REPO / "resources" / "logos"
CHILD = """
import sys
from steel import RunOptions, Settings, run
width, iterations, every, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
cheap = sys.argv[7] == "cheap"
best = {"conv1_1": 2000, "conv1_2": 2000, "conv4_1": 200, "conv4_2": 200, "conv4_3": 200}
cell = {"conv1_1": 2000} if cheap else best
settings = Settings(iterations=iterations, snapshot_every=every, log_every=50,
                    content_layer="conv1_2" if cheap else "conv4_2")
run(sys.argv[5], sys.argv[6], [cell], [out],
    RunOptions(settings=settings, weights="random", device="cpu", width=width, progress=False))
import resource
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_kib(width: int, iterations: int, every: int, cheap: bool) -> int:
    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(width), str(iterations), str(every), out,
             str(LOGOS / "style" / "ironwrath.png"), str(LOGOS / "content" / "quorix.png"),
             "cheap" if cheap else "best"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        snapshots = len(list((Path(out) / "snapshots").glob("*.png")))
    peak = int(done.stdout.split()[-1])
    print(f"snapshot every {every:>3}: {snapshots} snapshots, peak {peak / 1024:.1f} MiB")
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--cheap", action="store_true", help="block 1 only: seconds instead of minutes")
    args = parser.parse_args()
    sparse = peak_kib(args.width, args.iterations, 30, args.cheap)
    dense = peak_kib(args.width, args.iterations, 1, args.cheap)
    print(f"every step costs {(dense - sparse) / 1024:+.1f} MiB of peak memory over every 30th")


if __name__ == "__main__":
    main()
