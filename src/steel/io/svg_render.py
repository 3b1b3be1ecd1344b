"""Drawing an untrusted SVG in a child process, so that nothing resvg does can take the run with it.

resvg recurses once per nesting level (and per link of a chain of masks, patterns or ``<use>``) and
a deep enough document overflows its stack: the process dies by signal, with no message. A filter
can run for hours, an allocation can grow until the machine swaps. So the markup that
:mod:`steel.io.svg` has checked is drawn by ``python -m steel.io.svg_render`` (no torch, no numpy:
it starts in a fraction of a second) under a wall-clock limit, an address-space limit and on a
thread with a large stack, and each way it can fail is one line naming the file. The SVGs the
project writes itself (traced results) are drawn in-process (:mod:`steel.evaluate.vector`).
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import sys
import threading
from pathlib import Path

from steel.errors import SteelError

#: the bundled OFL fonts, offered to SVGs whose text names no installed font
FONT_DIR = Path(__file__).parents[1] / "fonts"
#: a drawing that takes longer than this (wall clock, child start included) is stopped: a logo
#: draws in well under a second, one costly filter at its pre-check limit over 4 M pixels in about
#: 10 s, and a document that stacks many of them is what this stops
RENDER_SECONDS = 60
#: the child's address space: 4 M pixels are 16 MB a layer, and a 16 MB document parses into a few
#: hundred MB; past this an allocation fails in the child, not on the machine
RENDER_MEMORY = 2 * 2**30
#: the stack of the thread resvg draws on, about 30 KB a level: it holds several thousand levels
#: (the main thread's 8 MB held about 250), past resvg's parser's own limit of 1,024
RENDER_STACK = 256 * 2**20

_MODULE = "steel.io.svg_render"
#: the child's exit statuses besides 0 (the PNG on stdout)
_REFUSED = 3  # resvg refused the document: its reason on stderr
_OUT_OF_MEMORY = 4
#: signals a stack overflow dies by
_CRASHES = (signal.SIGSEGV, signal.SIGBUS)


def untrusted_png(text: str, width: int | None, where) -> bytes:
    """``text`` drawn by resvg ``width`` px wide (its own size if None) on white, as PNG bytes, in
    a child process under :data:`RENDER_SECONDS`, :data:`RENDER_MEMORY` and :data:`RENDER_STACK`.
    Any failure is a one-line :class:`SteelError` naming ``where``."""
    limits = (width or 0, RENDER_MEMORY, RENDER_STACK, RENDER_SECONDS)
    command = [sys.executable, "-m", _MODULE, *map(str, limits)]
    try:
        child = subprocess.run(
            command,
            input=text.encode(),
            capture_output=True,
            timeout=RENDER_SECONDS,
            env=_child_environment(),
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise SteelError(_took_too_long(where)) from None
    except OSError as error:
        raise SteelError(f"cannot start the SVG renderer for {where} ({error}); try again") from None
    if child.returncode == 0:
        return child.stdout
    said = " ".join(child.stderr.decode(errors="replace").split())
    raise SteelError(_failure(where, child.returncode, said))


def _took_too_long(where) -> str:
    return (
        f"SVG {where} took longer than {RENDER_SECONDS} s to draw; simplify its effects (filters, "
        "masks, patterns) or export the logo as PNG"
    )


def _failure(where, status: int, stderr: str) -> str:
    """The one line for a child that ended with ``status`` and said ``stderr``."""
    if status == _REFUSED and "limit reached" in stderr:
        return (
            f"SVG {where} is too deeply nested or has too many elements to draw ({stderr}); "
            "flatten or simplify it, or export the logo as PNG"
        )
    if status == _REFUSED:
        return f"cannot read SVG {where} ({stderr}); check that it is a valid SVG file"
    if status == _OUT_OF_MEMORY or (status == -signal.SIGABRT and "memory allocation" in stderr):
        return (
            f"SVG {where} ran out of memory while drawing (over {RENDER_MEMORY / 2**20:,.0f} MB); "
            "simplify it or export the logo as PNG"
        )
    if -status in _CRASHES:
        return (
            f"SVG {where} is too deeply nested to draw: the renderer overflowed its stack "
            f"({signal.Signals(-status).name}); flatten its groups, masks or patterns, or export the "
            "logo as PNG"
        )
    if status == -signal.SIGXCPU:
        return _took_too_long(where)
    why = f"signal {signal.Signals(-status).name}" if status < 0 else f"exit status {status}"
    said = f": {stderr[-200:]}" if stderr else ""
    return f"the SVG renderer failed on {where} ({why}{said}); export the logo as PNG"


def _child_environment() -> dict[str, str]:
    """This environment, with the folder that holds this ``steel`` package first on the path: the
    child imports the same code however the parent found it."""
    root = str(Path(__file__).resolve().parents[2])
    paths = [root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return os.environ | {"PYTHONPATH": os.pathsep.join(paths)}


def _lower_limit(kind: int, value: int) -> None:
    hard = resource.getrlimit(kind)[1]
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)  # a limit can only be lowered
    # a limit the system does not offer (macOS: RLIMIT_AS) is left: the wall clock still holds
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(kind, (value, value))


def _draw(width: int, memory: int, stack: int, seconds: int) -> int:
    """The child: the markup on stdin drawn onto stdout as PNG; the exit status says how it went
    (resvg's reason for refusing the document on stderr)."""
    import resvg_py

    text = sys.stdin.buffer.read().decode()
    _lower_limit(resource.RLIMIT_CORE, 0)  # a crash is reported by its signal, not dumped
    _lower_limit(resource.RLIMIT_CPU, seconds + 5)  # stops it even if its parent is gone
    _lower_limit(resource.RLIMIT_AS, memory)
    outcome: list = [_OUT_OF_MEMORY, b""]  # the exit status, then the PNG or the reason

    def draw() -> None:
        try:
            png = resvg_py.svg_to_bytes(
                svg_string=text,
                width=width or None,
                background="#ffffff",
                font_dirs=[str(FONT_DIR)],
                sans_serif_family="Inter",
            )
            outcome[:] = [0, bytes(png)]
        except MemoryError:
            outcome[:] = [_OUT_OF_MEMORY, b""]
        except BaseException as error:  # resvg's refusal (ValueError), or a panic in it
            outcome[:] = [_REFUSED, (f"{error}" or type(error).__name__).encode()]

    try:
        threading.stack_size(stack)
        thread = threading.Thread(target=draw)
        thread.start()
        thread.join()
    except (MemoryError, RuntimeError):  # no room for the thread's stack
        return _OUT_OF_MEMORY
    status, said = outcome
    (sys.stdout if status == 0 else sys.stderr).buffer.write(said)
    return status


if __name__ == "__main__":
    sys.exit(_draw(*map(int, sys.argv[1:5])))
