"""Reading logos: formats, transparency onto white, grey scale, aspect ratio, size guards, bad files."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from capped import read_logo_capped
from PIL import Image

import steel.io.images
import steel.io.limits
from steel.errors import SteelError
from steel.io.images import (
    fit_on_white,
    load_image,
    read_image,
    resize_to_width,
    to_pil,
    to_tensor,
)
from steel.io.limits import MAX_ASPECT, MAX_PIXELS, MIN_SIDE, check_aspect


def test_rgba_is_composited_onto_white(tmp_path):
    array = np.zeros((32, 48, 4), dtype=np.uint8)
    array[:, :16] = (255, 0, 0, 0)  # fully transparent red
    array[:, 16:32] = (0, 0, 0, 128)  # half-transparent black
    array[:, 32:] = (0, 0, 255, 255)  # opaque blue
    Image.fromarray(array, "RGBA").save(tmp_path / "a.png")
    image = read_image(tmp_path / "a.png")
    assert image.mode == "RGB" and image.size == (48, 32)
    pixels = np.asarray(image)
    assert (pixels[:, :16] == 255).all()
    assert np.abs(pixels[:, 16:32].astype(int) - 127).max() <= 1
    assert (pixels[:, 32:] == (0, 0, 255)).all()


def test_grey_with_alpha_and_palette_transparency(tmp_path):
    la = Image.fromarray(np.stack([np.zeros((32, 32)), np.zeros((32, 32))], -1).astype(np.uint8), "LA")
    la.save(tmp_path / "la.png")
    assert (np.asarray(read_image(tmp_path / "la.png")) == 255).all()
    palette = Image.new("P", (32, 32), 0)
    palette.putpalette([10, 20, 30, 200, 0, 0] + [0] * 762)
    palette.paste(1, (0, 0, 16, 32))
    palette.save(tmp_path / "p.png", transparency=0)
    pixels = np.asarray(read_image(tmp_path / "p.png"))
    assert (pixels[:, :16] == (200, 0, 0)).all()
    assert (pixels[:, 16:] == 255).all()


def test_grey_scale_becomes_rgb(tmp_path):
    grey = np.tile(np.arange(0, 240, 5, dtype=np.uint8), (32, 1))
    Image.fromarray(grey, "L").save(tmp_path / "g.png")
    image = read_image(tmp_path / "g.png")
    assert image.mode == "RGB"
    pixels = np.asarray(image)
    for channel in range(3):
        assert (pixels[..., channel] == grey).all()


@pytest.mark.parametrize(("dtype", "name"), [("<u2", "g16.png"), (">u2", "g16be.tif"), ("<i4", "g32.tif")])
def test_16_bit_grey_keeps_its_tones(tmp_path, dtype, name):
    # 0, 1/4, 1/2, 3/4 and full intensity on the 16-bit scale; TIFFs may be big-endian (I;16B), or
    # hold 16-bit values as 32-bit integers (Pillow's mode I)
    levels = np.array([0, 16384, 32768, 49152, 65535], dtype=dtype)
    Image.fromarray(np.repeat(np.tile(levels, (32, 1)), 8, axis=1)).save(tmp_path / name)
    pixels = np.asarray(read_image(tmp_path / name)).astype(int)
    assert np.abs(pixels[0, ::8, 0] - levels / 257).max() <= 1, pixels[0, ::8, 0]


@pytest.mark.parametrize(("suffix", "tolerance"), [(".jpg", 12), (".webp", 12), (".bmp", 0), (".png", 0)])
def test_formats(tmp_path, suffix, tolerance):
    array = np.zeros((32, 48, 3), dtype=np.uint8)
    array[:, :24] = (250, 250, 250)
    array[:, 24:] = (20, 40, 200)
    path = tmp_path / f"logo{suffix}"
    Image.fromarray(array, "RGB").save(path, **({"quality": 95} if suffix in (".jpg", ".webp") else {}))
    image = read_image(path)
    assert image.mode == "RGB" and image.size == (48, 32)
    pixels = np.asarray(image).astype(int)
    assert np.abs(pixels[4:-4, 4:20] - array[4:-4, 4:20]).max() <= tolerance
    assert np.abs(pixels[4:-4, 28:-4] - array[4:-4, 28:-4]).max() <= tolerance


def test_resize_keeps_the_aspect_ratio(tmp_path):
    Image.new("RGB", (400, 100), "white").save(tmp_path / "wide.png")
    tensor = load_image(tmp_path / "wide.png", 128)
    assert tensor.shape == (1, 3, 32, 128)
    assert tensor.dtype == torch.float32
    assert tensor.min() == 255 and tensor.max() == 255
    width, height = resize_to_width(Image.new("RGB", (301, 113)), 150).size
    assert width == 150 and abs(height - 113 * 150 / 301) <= 0.5
    assert load_image(tmp_path / "wide.png", None).shape == (1, 3, 100, 400)


def test_max_pixels_guard(monkeypatch):
    monkeypatch.setattr(steel.io.limits, "MAX_PIXELS", 48 * 32 - 1)
    with pytest.raises(SteelError, match="over the limit of 1,535 pixels"):
        resize_to_width(Image.new("RGB", (48, 32)), None, "content image")
    with pytest.raises(SteelError, match="smaller width"):
        resize_to_width(Image.new("RGB", (24, 16)), 48)


def test_size_refusals_name_the_image(monkeypatch):
    with pytest.raises(SteelError, match=r"^style image is only 10x5 px: scaling it to 100 px wide"):
        resize_to_width(Image.new("RGB", (10, 5)), 100, "style image", raster=True)
    # a rasterised vector has no pixels of its own to blur: any enlargement is allowed
    assert resize_to_width(Image.new("RGB", (10, 5)), 100, "style image").size == (100, 50)
    monkeypatch.setattr(steel.io.limits, "MAX_PIXELS", 48 * 32 - 1)
    with pytest.raises(SteelError, match=r"^content image is 48x32 px, over the limit"):
        resize_to_width(Image.new("RGB", (48, 32)), None, "content image")


def test_max_pixels_guard_runs_before_the_resize(monkeypatch):
    """A huge --width must be refused before Pillow allocates the huge image."""
    real_resize = Image.Image.resize

    def guarded_resize(self, size, *args, **kwargs):
        if size[0] * size[1] > MAX_PIXELS:
            raise AssertionError(f"resized to {size[0]}x{size[1]} px before checking MAX_PIXELS")
        return real_resize(self, size, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "resize", guarded_resize)
    with pytest.raises(SteelError, match="over the limit"):
        resize_to_width(Image.new("RGB", (48, 32)), 200_000, "content image")


def test_huge_image_file_is_refused_cleanly(tmp_path, make_png_header_only):
    path = make_png_header_only(tmp_path / "huge.png", 20_000, 20_000)  # Pillow's decompression-bomb limit
    with pytest.raises(SteelError, match=r"huge\.png"):
        read_image(path)


@pytest.mark.parametrize("kind", ["zTXt", "iCCP"])
def test_a_png_whose_chunk_is_a_decompression_bomb_is_one_line(tmp_path, make_png_chunk_bomb, kind):
    path = make_png_chunk_bomb(tmp_path / "bomb.png", kind)
    with pytest.raises(SteelError) as error:
        read_image(path)
    assert str(error.value) == (
        f"image {path} is too large (Decompressed data too large for PngImagePlugin.MAX_TEXT_CHUNK); "
        "use a smaller image"
    )


def test_a_69_byte_png_of_1_by_40_million_px_is_refused_from_its_header(tmp_path, make_png_header_only):
    """It passed the header's pixel count (40 M, the limit) and was decoded, 2 GB, before the aspect
    check refused it: now the header says enough (in a subprocess capped at 2 GB)."""
    path = make_png_header_only(tmp_path / "thread.png", 1, 40_000_000)
    assert path.stat().st_size < 70
    assert read_logo_capped(path) == (
        f"refused: image {path} (1x40000000 px) has an aspect ratio of 4e+07:1; no width makes it a "
        f"valid image (VGG16 needs 32 px on each side, and {MAX_PIXELS:,} pixels is the limit: at most "
        "3906:1): crop it to the logo"
    )


def test_the_aspect_limit_is_where_some_width_still_makes_a_valid_image():
    assert MAX_ASPECT == MAX_PIXELS / MIN_SIDE**2
    width = MIN_SIDE * int(MAX_ASPECT)  # the short side at MIN_SIDE, within MAX_PIXELS
    assert resize_to_width(Image.new("RGB", (int(MAX_ASPECT), 1)), width).size == (width, MIN_SIDE)
    for size in ((int(MAX_ASPECT), 1), (1, int(MAX_ASPECT)), (3, 2)):
        check_aspect(size, "image")
    for size in ((int(MAX_ASPECT) + 1, 1), (1, int(MAX_ASPECT) + 1), (0, 5), (5, float("nan"))):
        with pytest.raises(SteelError, match="no width makes it a valid image"):
            check_aspect(size, "image")


@pytest.mark.parametrize(("size", "width"), [((64, 20), None), ((400, 100), 64), ((20, 64), None)])
def test_too_small_image(tmp_path, size, width):
    Image.new("RGB", size, "white").save(tmp_path / "small.png")
    with pytest.raises(SteelError, match="at least 32 px") as caught:
        load_image(tmp_path / "small.png", width, "style image")
    assert "style image" in str(caught.value)


def test_unreadable_and_missing_files(tmp_path):
    (tmp_path / "text.png").write_text("not an image")
    with pytest.raises(SteelError, match=r"cannot read image .*text\.png"):
        read_image(tmp_path / "text.png")
    Image.new("RGB", (64, 64), "red").save(tmp_path / "full.png")
    data = (tmp_path / "full.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(SteelError, match="cannot read image"):
        read_image(tmp_path / "cut.png")
    with pytest.raises(SteelError, match="does not exist"):
        read_image(tmp_path / "missing.png")
    with pytest.raises(SteelError, match="does not exist"):
        read_image(tmp_path)  # a folder


def test_tensor_round_trip_and_clamping():
    array = np.random.default_rng(0).integers(0, 256, (32, 48, 3), dtype=np.uint8)
    tensor = to_tensor(Image.fromarray(array))
    assert tensor.shape == (1, 3, 32, 48)
    assert (np.asarray(to_pil(tensor)) == array).all()
    assert (np.asarray(to_pil(tensor[0] * 2 - 100)) == np.clip(array * 2.0 - 100, 0, 255)).all()


def test_fit_on_white_centres_without_squashing():
    canvas = fit_on_white(Image.new("RGB", (20, 20), "black"), (48, 32))
    pixels = np.asarray(canvas)
    assert canvas.size == (48, 32)
    assert (pixels[:, :8] == 255).all() and (pixels[:, 40:] == 255).all()
    assert (pixels[:, 8:40] == 0).all()


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_exif_orientation_is_honoured(tmp_path, suffix):
    """A phone photo stores its pixels sideways and says so in EXIF: the logo must come in upright."""
    upright = np.full((32, 64, 3), 255, dtype=np.uint8)
    upright[:, :16] = 0  # a black band on the left of a wide logo
    stored = Image.fromarray(upright).transpose(Image.Transpose.ROTATE_90)  # 32 wide, 64 tall
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    path = tmp_path / f"phone{suffix}"
    stored.save(path, exif=exif.tobytes(), **({"quality": 95} if suffix == ".jpg" else {}))
    image = read_image(path)
    assert image.size == (64, 32)
    pixels = np.asarray(image).astype(int)
    assert pixels[4:-4, 2:12].max() < 40 and pixels[4:-4, 24:].min() > 215


def test_float_tiff_on_the_0_1_scale_is_not_black(tmp_path):
    grey = np.tile(np.linspace(0, 1, 48, dtype=np.float32), (32, 1))
    Image.fromarray(grey, "F").save(tmp_path / "f.tif")
    assert Image.open(tmp_path / "f.tif").mode == "F"
    pixels = np.asarray(read_image(tmp_path / "f.tif")).astype(int)
    assert np.abs(pixels[0, :, 0] - grey[0] * 255).max() <= 1
    assert pixels[..., 0].max() == 255


def test_float_tiff_on_the_0_255_scale_and_out_of_range(tmp_path):
    grey = np.tile(np.linspace(0, 255, 48, dtype=np.float32), (32, 1))
    Image.fromarray(grey, "F").save(tmp_path / "f255.tif")
    assert np.abs(np.asarray(read_image(tmp_path / "f255.tif"))[0, :, 1] - grey[0]).max() <= 1
    for bad in (grey * 10 - 5, grey / 255 - 0.5, np.where(grey > 100, np.nan, grey / 255)):
        Image.fromarray(bad.astype(np.float32), "F").save(tmp_path / "bad.tif")
        with pytest.raises(SteelError, match=r"bad\.tif holds float values .*8-bit PNG"):
            read_image(tmp_path / "bad.tif")


# --- SVG input ---------------------------------------------------------------------------------

#: a 3:1 logo: a black bar on a transparent canvas
SVG_LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40">'
    '<rect x="20" y="10" width="80" height="20" fill="#000000"/></svg>'
)


def test_svg_is_rasterised_at_the_working_width_on_white(tmp_path):
    (tmp_path / "logo.svg").write_text(SVG_LOGO)
    image = read_image(tmp_path / "logo.svg", 240)
    assert image.mode == "RGB" and image.size == (240, 80)
    pixels = np.asarray(image)
    assert (pixels[:10] == 255).all()  # transparency laid on white
    assert (pixels[30:50, 60:180] == 0).all()  # drawn sharp at the working width
    tensor = load_image(tmp_path / "logo.svg", 96)
    assert tuple(tensor.shape) == (1, 3, 32, 96)
    assert read_image(tmp_path / "logo.svg").size == (120, 40)  # its own size without a width


def test_svg_is_recognised_by_its_content_whatever_its_name(tmp_path):
    (tmp_path / "logo.img").write_text('<?xml version="1.0"?>\n' + SVG_LOGO)
    assert read_image(tmp_path / "logo.img", 60).size == (60, 20)


@pytest.mark.parametrize("text", ["<svg><rect></svg", "not svg at all", ""])
def test_malformed_svg_is_one_line(tmp_path, text):
    (tmp_path / "bad.svg").write_text(text)
    with pytest.raises(SteelError, match=r"cannot read SVG .*bad\.svg") as error:
        load_image(tmp_path / "bad.svg", 64)
    assert "\n" not in str(error.value)


# --- dark backgrounds --------------------------------------------------------------------------


def _on(background: int, ink: int) -> np.ndarray:
    array = np.full((40, 120, 3), background, dtype=np.uint8)
    array[12:28, 20:100] = ink
    return array


def test_a_dark_background_is_found_by_the_border():
    assert steel.io.images.has_dark_background(Image.fromarray(_on(0, 255)))
    assert not steel.io.images.has_dark_background(Image.fromarray(_on(255, 0)))
    # a big dark glyph block in the middle does not make the background dark
    middle = _on(255, 0)
    middle[2:38, 4:116] = 0
    assert not steel.io.images.has_dark_background(middle)
    tensor = to_tensor(Image.fromarray(_on(20, 240)))
    assert steel.io.images.has_dark_background(tensor)


@pytest.mark.parametrize(
    ("setting", "dark", "light"), [("auto", True, False), ("true", True, True), (False, False, False)]
)
def test_should_invert(setting, dark, light):
    assert steel.io.images.should_invert(_on(0, 255), setting) is dark
    assert steel.io.images.should_invert(_on(255, 0), setting) is light


def test_a_bad_invert_setting_is_one_line():
    with pytest.raises(SteelError, match="auto, true or false"):
        steel.io.images.parse_invert("sometimes")


# ---- the transparent result (stylized_alpha.png) -------------------------------------------------


def test_alpha_is_transparent_on_the_ground_and_opaque_on_the_glyphs():
    from steel.io.images import with_alpha

    logo = np.full((32, 48, 3), 255, dtype=np.uint8)
    logo[10:22, 8:40] = 0  # black glyphs
    logo[10:22, 40] = 128  # an anti-aliased edge
    logo[5, 5] = (255, 0, 0)  # a red artefact
    rgba = np.asarray(with_alpha(Image.fromarray(logo)))
    assert (rgba[:5, :, 3] == 0).all() and (rgba[0, 0] == (255, 255, 255, 0)).all()
    assert (rgba[10:22, 8:40, 3] == 255).all() and (rgba[10:22, 8:40, :3] == 0).all()
    assert 120 <= rgba[15, 40, 3] <= 130 and (rgba[15, 40, :3] == 0).all()  # half black, not grey
    assert rgba[5, 5, 3] == 255 and tuple(rgba[5, 5, :3]) == (255, 0, 0)


def test_alpha_laid_back_on_its_ground_gives_the_image_again():
    from steel.io.images import with_alpha

    rng = np.random.default_rng(0)
    logo = np.full((32, 48, 3), 255, dtype=np.uint8)
    logo[8:24, 8:40] = rng.integers(0, 256, (16, 32, 3))
    back = Image.alpha_composite(Image.new("RGBA", (48, 32), (255, 255, 255, 255)), with_alpha(logo))
    assert np.abs(np.asarray(back.convert("RGB"), dtype=int) - logo).max() <= 2


def test_alpha_of_a_dark_logo_uses_its_dark_ground():
    from steel.io.images import with_alpha

    logo = np.zeros((32, 48, 3), dtype=np.uint8)
    logo[10:22, 8:40] = 255  # white glyphs on black
    rgba = np.asarray(with_alpha(logo))
    assert (rgba[:5, :, 3] == 0).all() and (rgba[10:22, 8:40] == 255).all()


def test_one_border_ring_decides_inversion_the_alpha_ground_and_the_metrics_background():
    from steel.evaluate import metrics
    from steel.io.images import background_colour, border_level, border_ring

    ring = border_ring(10, 50)  # 2 % of 10 px rounds to 0: at least 1 px
    assert ring.sum() == 2 * 50 + 2 * 8 and not ring[1:-1, 1:-1].any()
    ring = border_ring(100, 300)  # 2 px
    assert ring[:2].all() and ring[:, -2:].all() and not ring[2:-2, 2:-2].any()
    # a light ring of exactly that width around a dark inside: all three read the ring only
    image = np.zeros((100, 300, 3), np.uint8)
    image[border_ring(100, 300)] = (250, 240, 200)
    assert border_level(image) == 230.0
    assert background_colour(image).tolist() == [250.0, 240.0, 200.0]
    # the darkest channel of the ring, 200: not light enough to measure artefacts on
    assert (
        metrics.background_problem(Image.fromarray(image))
        == f"background not light (border level 200 < {metrics.LIGHT_LEVEL})"
    )
    assert metrics.border_ring is border_ring and metrics.BORDER == steel.io.images.BORDER_SHARE
