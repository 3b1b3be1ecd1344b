"""Python run where a crash, a hang or a runaway allocation cannot take the test session with it:
a subprocess stopped after :data:`TIME_CAP` and, for torch-free code, held to :data:`MEMORY_CAP`
of address space (torch cannot start under a few GB)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

#: seconds before a test's subprocess is stopped (and the test fails with TimeoutExpired)
TIME_CAP = 30
#: the address space of a torch-free test subprocess
MEMORY_CAP = 2 * 2**30


def run_capped(code: str, *args, memory: int | None = MEMORY_CAP) -> subprocess.CompletedProcess:
    """``code`` (dedented) run by ``python -W error -c`` with ``args``, under the caps (``memory``
    None: no memory cap); its stdout and stderr as text."""
    cap = f"import resource; resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))\n"
    script = (cap if memory else "") + textwrap.dedent(code)
    return subprocess.run(
        [sys.executable, "-W", "error", "-c", script, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=TIME_CAP,
        check=False,
    )


READ_LOGO = """
import sys
from steel.errors import SteelError
from steel.io.images import read_logo
try:
    read_logo(sys.argv[1], int(sys.argv[2]))
    print("read")
except SteelError as error:
    print("refused:", error)
"""


def read_logo_capped(path, width: int = 384) -> str:
    """The one line :func:`steel.io.images.read_logo` ends with ("read", or "refused: " and the
    message) in a capped subprocess, which ended cleanly: no traceback, no warning (warnings are
    errors there)."""
    result = run_capped(READ_LOGO, path, width)
    assert result.returncode == 0 and result.stderr == "", result.stderr[-2000:]
    (line,) = result.stdout.splitlines()
    return line
