"""The child renderer on its own (the pre-checks switched off): a crash, a hang or a runaway
allocation in resvg is one line naming the file, within the renderer's limits. Each case runs in a
capped subprocess (tests/capped.py), so a regression fails instead of taking the session."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import resvg_py
from capped import run_capped
from PIL import Image

from steel.io.svg import read_svg
from steel.io.svg_render import _OUT_OF_MEMORY, _REFUSED, FONT_DIR, RENDER_SECONDS, _failure

NS = 'xmlns="http://www.w3.org/2000/svg"'

#: read_svg in the subprocess: argv = path, "on"/"off" (the pre-checks), then pairs of a limit of
#: steel.io.svg_render and its value; prints the outcome and the seconds it took
DRAW = """
import sys, time
import steel.io.svg_render as render
from steel.errors import SteelError
from steel.io.svg import read_svg

for name, value in zip(sys.argv[3::2], sys.argv[4::2]):
    setattr(render, name, int(value))
start = time.monotonic()
try:
    read_svg(sys.argv[1], 384, prechecks=sys.argv[2] == "on")
    print("drawn")
except SteelError as error:
    print("refused:", error)
print(f"{time.monotonic() - start:.2f}")
"""


def draw_capped(path: Path, prechecks: bool, **limits: int) -> tuple[str, float]:
    """(the one line read_svg ended with, seconds) in a capped subprocess."""
    pairs = [str(part) for item in limits.items() for part in item]
    result = run_capped(DRAW, path, "on" if prechecks else "off", *pairs)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stderr == ""  # no traceback, no warning
    message, seconds = result.stdout.splitlines()
    return message, float(seconds)


def nested(tmp_path: Path, depth: int) -> Path:
    path = tmp_path / f"nested-{depth}.svg"
    rect = '<rect width="9" height="9"/>'
    path.write_text(f'<svg {NS} width="100" height="100">{"<g>" * depth}{rect}{"</g>" * depth}</svg>')
    return path


def test_a_2000_deep_nesting_is_one_line_from_the_child_renderer(tmp_path):
    path = nested(tmp_path, 2000)
    message, seconds = draw_capped(path, prechecks=False)
    assert message.startswith(f"refused: SVG {path} is too deeply nested"), message
    assert seconds < RENDER_SECONDS


def test_a_stack_overflow_is_one_line_naming_the_file(tmp_path):
    """A stack too small for the document (1 MB here): the child dies by signal, the run does not."""
    path = nested(tmp_path, 500)
    message, _ = draw_capped(path, prechecks=False, RENDER_STACK=2**20)
    assert message.startswith(f"refused: SVG {path} is too deeply nested to draw"), message
    assert "overflowed its stack (SIGSEGV)" in message


def test_numoctaves_1e9_is_stopped_at_the_time_limit(tmp_path):
    path = tmp_path / "noise.svg"
    path.write_text(
        f'<svg {NS} width="100" height="100"><filter id="f"><feTurbulence baseFrequency="0.05" '
        'numOctaves="1000000000"/></filter><rect width="100" height="100" filter="url(#f)"/></svg>'
    )
    message, seconds = draw_capped(path, prechecks=False, RENDER_SECONDS=3)
    assert message == (
        f"refused: SVG {path} took longer than 3 s to draw; simplify its effects (filters, masks, "
        "patterns) or export the logo as PNG"
    )
    assert 3 <= seconds < 3 + 2  # stopped, not waited for


def test_running_out_of_memory_is_one_line(tmp_path):
    """300 masks each in the next pass every pre-check (a few hundred elements, nested 3 deep) but
    take a 1000 x 1000 layer each: over 1 GB."""
    path = tmp_path / "masks.svg"
    rect = '<rect width="1000" height="1000" fill="#fff" '
    masks = "".join(f'<mask id="m{i}">{rect}mask="url(#m{i + 1})"/></mask>' for i in range(300))
    path.write_text(
        f'<svg {NS} width="1000" height="1000"><defs>{masks}<mask id="m300">{rect}/></mask></defs>'
        '<rect width="500" height="500" mask="url(#m0)"/></svg>'
    )
    message, _ = draw_capped(path, prechecks=True, RENDER_MEMORY=512 * 2**20)
    assert message == (
        f"refused: SVG {path} ran out of memory while drawing (over 512 MB); simplify it or export the "
        "logo as PNG"
    )


def test_a_logo_is_drawn_by_the_child_as_resvg_draws_it_in_process(tmp_path):
    text = (
        f'<svg {NS} width="120" height="40"><rect width="60" height="40" fill="#c00"/>'
        '<text x="64" y="30" font-family="sans-serif" font-size="24">Ac</text></svg>'
    )
    path = tmp_path / "logo.svg"
    path.write_text(text)
    png = resvg_py.svg_to_bytes(
        svg_string=text, width=240, background="#ffffff", font_dirs=[str(FONT_DIR)], sans_serif_family="Inter"
    )
    with Image.open(io.BytesIO(bytes(png))) as expected:
        assert np.array_equal(np.asarray(read_svg(path, 240)), np.asarray(expected.convert("RGB")))


CHILD_IMPORTS = """
import atexit, runpy, sys
atexit.register(lambda: print(sorted({"torch", "numpy", "PIL"} & set(sys.modules)), file=sys.stderr))
sys.argv[0] = "svg_render"
runpy.run_module("steel.io.svg_render", run_name="__main__")
"""


def test_the_child_imports_neither_torch_nor_numpy_nor_pillow():
    result = subprocess.run(
        [sys.executable, "-c", CHILD_IMPORTS, "0", str(2**31), str(2**24), "10"],
        input=f'<svg {NS} width="8" height="8"/>'.encode(),
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"\x89PNG")
    assert result.stderr.decode().strip() == "[]"


@pytest.mark.parametrize(
    ("status", "said", "words"),
    [
        (
            _REFUSED,
            "SVG data parsing failed cause nodes limit reached",
            "is too deeply nested or has too many",
        ),
        (_REFUSED, "SVG data parsing failed cause unknown token", "cannot read SVG logo.svg (SVG data"),
        (_OUT_OF_MEMORY, "", "ran out of memory"),
        (-signal.SIGABRT, "memory allocation of 400000000 bytes failed", "ran out of memory"),
        (-signal.SIGSEGV, "", "overflowed its stack (SIGSEGV)"),
        (-signal.SIGBUS, "", "overflowed its stack (SIGBUS)"),
        (-signal.SIGXCPU, "", f"took longer than {RENDER_SECONDS} s"),
        (-signal.SIGILL, "", "the SVG renderer failed on logo.svg (signal SIGILL)"),
        (7, "a panic", "the SVG renderer failed on logo.svg (exit status 7: a panic)"),
    ],
)
def test_every_way_the_child_can_end_is_one_line_naming_the_file(status, said, words):
    message = _failure("logo.svg", status, said)
    assert words in message and "logo.svg" in message and "\n" not in message
