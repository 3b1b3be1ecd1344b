"""SVG logos as untrusted input: nothing outside the file is drawn, sizes are checked before
resvg allocates them, and every refusal is one line."""

from __future__ import annotations

import base64
import gzip
import os
import time
import urllib.parse
from pathlib import Path

import numpy as np
import pytest
from capped import read_logo_capped, run_capped
from PIL import Image
from workflow_helpers import REPO

from steel.errors import SteelError
from steel.io.images import read_image, read_logo
from steel.io.limits import MAX_PIXELS
from steel.io.svg import MAX_SVG_BYTES, declared_size, parse_svg

NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
#: the colour of the picture an attacker wants to pull in: never in a logo drawn from these SVGs
SECRET = (13, 200, 77)


def svg(body: str, size: str = 'width="120" height="40"') -> str:
    return f'<svg {NS} {size}><rect x="0" y="0" width="30" height="40" fill="#000"/>{body}</svg>'


@pytest.fixture
def secret(tmp_path) -> Path:
    """A picture of the machine's, beside the SVGs."""
    path = tmp_path / "secret.png"
    Image.new("RGB", (40, 40), SECRET).save(path)
    return path


def has_secret(image: Image.Image) -> bool:
    pixels = np.asarray(image.convert("RGB")).reshape(-1, 3).astype(int)
    return bool((np.abs(pixels - SECRET).sum(axis=1) < 30).any())


def write(tmp_path: Path, text: str, name: str = "logo.svg") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def refused(path: Path, *words: str, width: int = 120) -> str:
    with pytest.raises(SteelError) as error:
        read_image(path, width)
    message = str(error.value)
    assert "\n" not in message
    for word in words:
        assert word in message, message
    return message


def test_the_secret_is_drawn_when_embedded_so_the_checks_below_can_fail(tmp_path, secret):
    embedded = base64.b64encode(secret.read_bytes()).decode()
    image = read_image(
        write(
            tmp_path,
            svg(f'<image x="40" y="0" width="40" height="40" href="data:image/png;base64,{embedded}"/>'),
        ),
        120,
    )
    assert has_secret(image)


@pytest.mark.parametrize("where", ["beside", "absolute", "working folder", "file URL"])
def test_an_image_reference_out_of_the_file_is_refused_and_never_drawn(tmp_path, secret, monkeypatch, where):
    # resvg resolves a relative path against the working folder: make that the secret's folder
    monkeypatch.chdir(tmp_path)
    href = {
        "beside": "secret.png",
        "absolute": str(secret),
        "working folder": "./secret.png",
        "file URL": secret.as_uri(),
    }[where]
    logos = tmp_path / "logos"
    logos.mkdir()
    for attribute in ("href", "xlink:href"):
        path = write(logos, svg(f'<image x="40" width="40" height="40" {attribute}="{href}"/>'))
        # (a reference over 80 characters is shown cut short: a long temporary path can make one)
        refused(path, str(path), repr(href)[:70], "data: URIs")
        with pytest.raises(SteelError):
            read_logo(path, 120)


def test_a_png_named_file_holding_svg_text_is_checked_too(tmp_path, secret):
    path = write(
        tmp_path,
        '<?xml version="1.0"?>\n' + svg(f'<image width="40" height="40" href="{secret}"/>'),
        "logo.png",
    )
    refused(path, repr(str(secret))[:70])


@pytest.mark.parametrize(
    "body",
    [
        '<use href="{secret}#x"/>',
        '<filter id="f"><feImage href="{secret}"/></filter>',
        '<rect width="10" height="10" style="fill: url(\'{secret}\')"/>',
        '<rect width="10" height="10" fill="url({secret})"/>',
        "<style>rect {{ fill: url({secret}); }}</style>",
        '<style>@import "{secret}";</style>',
        '<rect width="10" height="10" style="@import url({secret})"/>',
        '<image width="10" height="10" href="/dev/zero"/>',
        '<image width="10" height="10" href="http://example.com/x.png"/>',
        "<style>rect {{ fill: \\75 rl({secret}) }}</style>",
    ],
)
def test_every_kind_of_reference_out_of_the_file_is_refused(tmp_path, secret, body):
    refused(write(tmp_path, svg(body.format(secret=secret))), "SVG")


def test_a_reference_hidden_in_an_entity_is_seen(tmp_path, secret):
    text = f'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY s "{secret}">]>' + svg(
        '<image width="9" height="9" href="&s;"/>'
    )
    refused(write(tmp_path, text), repr(str(secret))[:70])


def test_a_linked_style_sheet_is_refused(tmp_path, secret):
    text = f'<?xml version="1.0"?><?xml-stylesheet href="{secret}"?>' + svg("")
    refused(write(tmp_path, text), "xml-stylesheet")


def test_references_inside_the_file_and_links_are_drawn(tmp_path):
    body = (
        '<defs><linearGradient id="g"><stop offset="0" stop-color="#00f"/></linearGradient>'
        '<rect id="r" width="20" height="20"/></defs>'
        '<use href="#r" x="40" fill="url(#g)"/>'
        '<a href="https://example.com"><rect x="80" width="9" height="9"/></a>'
    )
    image = np.asarray(read_image(write(tmp_path, svg(body)), 120))
    assert (image[5, 50] == (0, 0, 255)).all()  # the gradient's blue, through <use>


@pytest.mark.parametrize("encoding", ["base64", "percent"])
def test_an_embedded_svg_is_scanned_like_the_file(tmp_path, secret, encoding):
    inner = svg(f'<image width="40" height="40" href="{secret}"/>')
    if encoding == "base64":
        uri = "data:image/svg+xml;base64," + base64.b64encode(inner.encode()).decode()
    else:
        uri = "data:image/svg+xml," + urllib.parse.quote(inner)
    message = refused(write(tmp_path, svg(f'<image width="40" height="40" href="{uri}"/>')), "embedded SVG")
    assert repr(str(secret))[:70] in message


def test_a_compressed_svg_is_scanned_and_decompressed_under_a_cap(tmp_path, secret):
    path = tmp_path / "logo.svgz"
    path.write_bytes(gzip.compress(svg(f'<image width="9" height="9" href="{secret}"/>').encode()))
    refused(path, repr(str(secret))[:70])
    path.write_bytes(gzip.compress(svg("").encode()))
    assert read_image(path, 120).size == (120, 40)  # a clean .svgz is read
    # a gzip bomb: a few KB that inflate past the cap are refused before they are all inflated
    comment = b"<!--" + b" " * (MAX_SVG_BYTES + 10) + b"-->"
    path.write_bytes(gzip.compress(svg("").encode()[:-6] + comment + b"</svg>"))
    assert path.stat().st_size < 100_000
    refused(path, "more than 16 MB")


def test_an_embedded_raster_bomb_is_refused_by_its_header(tmp_path):
    for side, words in ((9_000, "9000x9000"), (20_000, "too large")):
        uri = "data:image/png;base64," + base64.b64encode(png_header(side, side)).decode()
        refused(write(tmp_path, svg(f'<image width="9" height="9" href="{uri}"/>')), words, "embedded")


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` x ``height`` and holds no pixels: only its header is read."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


# --- sizes: declared, then spent -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ('width="120" height="40"', (120, 40)),
        ('viewBox="0 0 300 100"', (300, 100)),
        ('width="50%" height="100%" viewBox="0 0 300 100"', (150, 100)),
        ('width="1in" height="2.54cm"', (96, 96)),
        ('width="30mm" height="12pt"', (30 * 96 / 25.4, 16)),
        ("", (100, 100)),
    ],
)
def test_the_declared_size(size, expected):
    root = parse_svg(f"<svg {NS} {size}/>".encode(), "t")
    assert declared_size(root) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("size", "width"),
    [
        ('viewBox="0 0 100 100000"', 384),
        ('width="100" height="150000"', 384),
        ('width="1e7" height="1e7"', None),
    ],
)
def test_a_huge_svg_is_refused_before_it_is_rasterised(tmp_path, size, width):
    refused(write(tmp_path, f"<svg {NS} {size}/>"), f"over the limit of {MAX_PIXELS:,} pixels", width=width)


@pytest.mark.parametrize("size", ['width="0" height="10"', 'width="-5" height="10"'])
def test_an_empty_svg_size_is_one_line(tmp_path, size):
    refused(write(tmp_path, f"<svg {NS} {size}/>"), "positive width and height")


@pytest.mark.parametrize(
    "text",
    [
        f'<svg {NS} viewBox="0 0 100 300000"><rect width="100" height="100"/></svg>',
        f'<svg {NS} width="100" height="300000"><rect width="100" height="100"/></svg>',
    ],
)
def test_huge_svgs_are_refused_within_2_gb(tmp_path, text):
    assert "over the limit" in read_logo_capped(write(tmp_path, text))


def test_a_huge_png_is_refused_from_its_header_within_2_gb(tmp_path):
    (tmp_path / "big.png").write_bytes(png_header(13_000, 13_000))
    line = read_logo_capped(tmp_path / "big.png")
    assert line.startswith("refused:") and "13000x13000" in line
    assert "DecompressionBomb" not in line


def test_a_tiny_raster_is_not_blown_up_but_an_svg_is_drawn_at_size(tmp_path):
    Image.new("RGB", (1, 1), (0, 0, 0)).save(tmp_path / "dot.png")
    with pytest.raises(SteelError) as error:
        read_logo(tmp_path / "dot.png", 128)
    message = str(error.value)
    assert "1x1 px" in message and "128-fold (at most 8)" in message
    Image.new("RGB", (16, 8), (0, 0, 0)).save(tmp_path / "small.png")
    assert read_logo(tmp_path / "small.png", 128).size == (128, 64)  # 8-fold is allowed
    write(tmp_path, f'<svg {NS} width="4" height="2"/>', "tiny.svg")
    assert read_logo(tmp_path / "tiny.svg", 128).size == (128, 64)


def test_the_repository_logos_read_as_before():
    """Images read today give the same pixels (the header check reads nothing else)."""
    for path in sorted((REPO / "resources" / "logos").rglob("*.png")):
        with Image.open(path) as opened:
            expected = np.asarray(opened.convert("RGB"))
        assert (np.asarray(read_image(path)) == expected).all()


# --- what resvg is given to draw: pre-checks, and documents that crashed or hung it ---------------


def test_a_deep_nesting_and_endless_noise_are_refused_before_resvg_runs(tmp_path):
    """About 250 nested groups overflowed resvg's stack (SIGSEGV, no message) and numOctaves 1e9
    drew forever; now each is one line from the pre-checks (in a capped subprocess)."""
    deep = write(tmp_path, f"<svg {NS}>{'<g>' * 250}<rect width='9' height='9'/>{'</g>' * 250}</svg>")
    assert read_logo_capped(deep) == (
        f"refused: SVG {deep} nests elements more than 100 deep (too deeply nested to draw); flatten "
        "its groups or export the logo as PNG"
    )
    noise = write(
        tmp_path,
        f'<svg {NS} width="100" height="100"><filter id="f"><feTurbulence baseFrequency="0.05" '
        'numOctaves="1000000000"/></filter><rect width="100" height="100" filter="url(#f)"/></svg>',
        "noise.svg",
    )
    assert read_logo_capped(noise) == (
        f'refused: SVG {noise} sets feTurbulence numOctaves="1000000000", over the limit of 10; lower it '
        "or export the logo as PNG"
    )


def filtered(primitives: str) -> str:
    return svg(f'<filter id="f">{primitives}</filter><rect width="9" height="9" filter="url(#f)"/>')


@pytest.mark.parametrize(
    ("within", "over", "words"),
    [
        (
            f"<svg {NS}>{'<g>' * 99}{'</g>' * 99}</svg>",
            f"<svg {NS}>{'<g>' * 100}{'</g>' * 100}</svg>",
            "nests elements more than 100 deep",
        ),
        (
            f"<svg {NS}>{'<g/>' * 99_999}</svg>",
            f"<svg {NS}>{'<g/>' * 100_000}</svg>",
            "has more than 100,000 elements",
        ),
        (filtered("<feFlood/>" * 100), filtered("<feFlood/>" * 101), "more than 100 filter primitives"),
        (
            filtered('<feTurbulence numOctaves="10"/>'),
            filtered('<feTurbulence numOctaves="11"/>'),
            'feTurbulence numOctaves="11", over the limit of 10',
        ),
        (
            filtered('<feGaussianBlur stdDeviation="1000 2"/>'),
            filtered('<feGaussianBlur stdDeviation="2 1e9"/>'),
            'feGaussianBlur stdDeviation="2 1e9", over the limit of 1000',
        ),
        (
            filtered('<feDropShadow stdDeviation="1000"/>'),
            filtered('<feDropShadow stdDeviation="1000.5"/>'),
            "over the limit of 1000",
        ),
        (
            filtered('<feMorphology radius="10 10"/>'),
            filtered('<feMorphology radius="10 11"/>'),
            'feMorphology radius="10 11", over the limit of 10',
        ),
        (
            filtered('<feConvolveMatrix order="9" kernelMatrix="1"/>'),
            filtered('<feConvolveMatrix order="10" kernelMatrix="1"/>'),
            'feConvolveMatrix order="10", over the limit of 9',
        ),
    ],
)
def test_each_pre_check_passes_its_limit_and_refuses_past_it(within, over, words):
    parse_svg(within.encode(), "t")
    with pytest.raises(SteelError) as error:
        parse_svg(over.encode(), "t")
    assert words in str(error.value) and "\n" not in str(error.value)
    parse_svg(over.encode(), "t", prechecks=False)  # the test hook: only the scan for references


def test_the_pre_checks_look_into_embedded_svgs():
    inner = f"<svg {NS}>{'<g>' * 150}{'</g>' * 150}</svg>"
    uri = "data:image/svg+xml;base64," + base64.b64encode(inner.encode()).decode()
    with pytest.raises(SteelError, match=r"^SVG t \(an embedded SVG\) nests elements more than 100 deep"):
        parse_svg(svg(f'<image width="9" height="9" href="{uri}"/>').encode(), "t")


# --- the scan's own cost: linear in its input ------------------------------------------------------

PATTERNS = """
import re, time
import steel.io.svg

def patterns(namespace):
    for value in namespace.values():
        if isinstance(value, re.Pattern):
            yield value
        elif isinstance(value, dict):
            yield from patterns(value)

# runs that make a careless pattern start again at every character, or give characters back one by
# one: each 1/8 of 16 MB, ended by a character that matches nothing
RUNS = ["url(", "url('", 'url("', "1", " ", ",", "'", "<"]
size = 16 * 2**20 // len(RUNS)
segments = [(run * (size // len(run) + 1))[: size - 1] + "!" for run in RUNS]
text = "".join(segments)
for pattern in patterns(vars(steel.io.svg)):
    encode = str if isinstance(pattern.pattern, str) else str.encode
    start = time.process_time()  # CPU time: engineers' processes share the cores
    pattern.sub(encode(""), encode(text))
    for segment in segments:
        pattern.fullmatch(encode(segment))
    print(f"{time.process_time() - start:.2f} {pattern.pattern!r}")
"""


def test_each_pattern_of_the_scan_is_linear_on_16_mb():
    """A 100 KB ``width="111…1!"`` or 400 KB of ``url(url(…`` kept the scan busy past 120 s. Seconds
    of CPU time, in a capped subprocess (a quadratic pattern runs into its 30 s cap)."""
    result = run_capped(PATTERNS)
    assert result.returncode == 0, result.stderr[-2000:]
    timings = [line.split(" ", 1) for line in result.stdout.splitlines()]
    assert len(timings) >= 6, timings  # every pattern of the module, in dicts too
    slow = [(seconds, pattern) for seconds, pattern in timings if float(seconds) >= 2]
    assert not slow, slow


SCAN = """
import sys, time
from steel.errors import SteelError
from steel.io.svg import MAX_SVG_BYTES, parse_svg, raster_size

run = MAX_SVG_BYTES - 200
ns = 'xmlns="http://www.w3.org/2000/svg"'
documents = {
    "width": f'<svg {ns} width="{"1" * run}!" height="10"/>',
    "url(url(": f'<svg {ns}><rect style="{"url(" * (run // 4)}"/></svg>',
    "quoted url(": f'<svg {ns}><style>{"url(&quot;" * (run // 10)}</style></svg>',
    "viewBox": f'<svg {ns} viewBox="{"1 " * (run // 2)}"/>',
    "numOctaves": f'<svg {ns}><filter><feTurbulence numOctaves="{"1 " * (run // 2)}"/></filter></svg>',
    "base64": f'<svg {ns}><image href="data:image/png;base64,{"A " * (run // 2)}"/></svg>',
}
for name, document in documents.items():
    start = time.process_time()
    try:
        raster_size(parse_svg(document.encode(), name), 384, name)
    except SteelError:
        pass
    print(f"{time.process_time() - start:.2f} {name}")
"""


def test_the_scan_of_16_mb_adversarial_svgs_takes_seconds():
    """The whole scan, XML parsing included (which alone takes up to a second for 16 MB)."""
    result = run_capped(SCAN)
    assert result.returncode == 0, result.stderr[-2000:]
    timings = [line.split(" ", 1) for line in result.stdout.splitlines()]
    assert len(timings) == 6 and all(float(seconds) < 5 for seconds, _ in timings), timings


# --- files that are not what they seem -------------------------------------------------------------


@pytest.mark.parametrize("name", ["logo", "logo.png"])
def test_a_fifo_is_not_opened_to_sniff_it(tmp_path, name):
    """Opening a FIFO waits for a writer: planning hung on one given as a logo."""
    fifo = tmp_path / name
    os.mkfifo(fifo)
    start = time.monotonic()
    result = run_capped("import sys; from steel.io.svg import is_svg; print(is_svg(sys.argv[1]))", fifo)
    assert (result.returncode, result.stdout, result.stderr) == (0, "False\n", "")
    assert time.monotonic() - start < 10


@pytest.mark.parametrize(
    "size", ['width="1e-320" height="10"', 'viewBox="0 0 1e-320 100"', 'width="1e308" height="1e-308"']
)
def test_a_vanishing_side_is_one_line(tmp_path, size):
    for width in (384, None):
        refused(write(tmp_path, f"<svg {NS} {size}/>"), "an aspect ratio of inf:1", width=width)


def test_an_svg_no_width_can_make_valid_is_refused_by_its_aspect(tmp_path):
    message = refused(write(tmp_path, f'<svg {NS} viewBox="0 0 3907 1"/>'), "aspect ratio of 3.91e+03:1")
    assert message.endswith("at most 3906:1): crop it to the logo")
    assert read_image(write(tmp_path, f'<svg {NS} viewBox="0 0 3906 1"/>'), 7812).size == (7812, 2)


@pytest.mark.parametrize("kind", ["zTXt", "iCCP"])
def test_an_embedded_png_with_a_chunk_bomb_is_one_line(tmp_path, make_png_chunk_bomb, kind):
    bomb = make_png_chunk_bomb(tmp_path / "bomb.png", kind).read_bytes()
    uri = "data:image/png;base64," + base64.b64encode(bomb).decode()
    refused(write(tmp_path, svg(f'<image width="9" height="9" href="{uri}"/>')), "embedded", "too large")


# --- embedded markup of any declared type ----------------------------------------------------------


def embedded(header: str, inner: str) -> str:
    payload = base64.b64encode(inner.encode()).decode() if "base64" in header else urllib.parse.quote(inner)
    return svg(f'<image x="40" width="40" height="40" href="data:{header},{payload}"/>')


def test_markup_in_a_plain_data_uri_is_drawn_so_it_must_be_scanned(tmp_path):
    inner = f'<?foo?><svg {NS} width="40" height="40"><rect width="40" height="40" fill="rgb{SECRET}"/></svg>'
    assert has_secret(read_image(write(tmp_path, embedded("", inner)), 120))


@pytest.mark.parametrize(
    "header", ["", "text/plain", ";base64", "text/plain;charset=utf-8;base64", "application/octet-stream"]
)
def test_embedded_markup_is_scanned_whatever_type_it_declares(tmp_path, secret, header):
    inner = "<?foo?>" + svg(f'<image width="40" height="40" href="{secret}"/>')
    message = refused(write(tmp_path, embedded(header, inner)), "embedded SVG")
    assert repr(str(secret))[:70] in message
