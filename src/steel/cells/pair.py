"""A style and a content as a run reads them: each at its working width, and inverted where its
glyphs are light on a dark ground (the method assumes dark glyphs on white)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from steel.blend import blend_weights
from steel.config import working_style_width
from steel.errors import SteelError
from steel.io.hashes import file_sha256
from steel.io.images import has_dark_background, load_image, parse_invert, should_invert
from steel.io.masks import mask_spec

if TYPE_CHECKING:
    import torch

    from steel.transfer.styles import StyleBlend


@dataclass(frozen=True)
class MaskedStyle:
    """A style file and its mask (:mod:`steel.io.masks`): a mask file's path (white = the logo, the
    image's own size), ``"alpha"`` (the file's alpha channel) or ``"auto"`` (the lettering found
    in the picture). Its lettering is laid dark on white (:func:`on_white`): the cover's ground
    stays out."""

    path: Path
    mask: str | Path

    def __post_init__(self):
        object.__setattr__(self, "path", Path(self.path))
        object.__setattr__(self, "mask", mask_spec(self.mask))


#: a style file: its path, or its path and mask
StyleFile = str | Path | MaskedStyle
#: a style as the library takes it: a style file, or a blend: ``{file: weight}`` or
#: ``[(file, weight), ...]`` (two files or more; weights >= 0, normalised to sum 1)
StyleSource = StyleFile | Mapping[StyleFile, float] | Sequence[tuple[StyleFile, float]]


@dataclass(frozen=True)
class Pair:
    style: torch.Tensor | StyleBlend  # (1, 3, H, W), 0-255, as the network sees it; or a blend of such
    content: torch.Tensor
    #: the ``invert`` setting and whether the content and the style (a blend: each member) were inverted
    inverted: dict
    #: each style file's mask as run.json records it (None: unmasked), in the style's order
    masks: tuple[dict | None, ...] = ()


def blend_members(style: StyleSource) -> list[tuple[StyleFile, float]] | None:
    """A blend's (file, normalised weight) members, checked (:func:`steel.blend.blend_weights`);
    None for one style file."""
    if isinstance(style, str | Path | MaskedStyle):
        return None
    members = list(style.items()) if isinstance(style, Mapping) else [tuple(member) for member in style]
    weights = blend_weights([weight for _, weight in members])
    return [(_file(path), weight) for (path, _), weight in zip(members, weights, strict=True)]


def _file(style: StyleFile) -> StyleFile:
    return style if isinstance(style, MaskedStyle) else Path(style)


def style_path(style: StyleFile) -> Path:
    return style.path if isinstance(style, MaskedStyle) else Path(style)


def load_pair(
    style: StyleSource,
    content: str | Path,
    width: int | None,
    style_width: int | None = None,
    invert: str | bool = False,
) -> Pair:
    """The pair's images: the content at ``width``, the style (each of a blend's) at
    ``style_width`` (none: ``width``, :func:`steel.config.working_style_width`), aspect kept
    (``width`` none: the files' sizes). ``invert``: "auto" inverts an image whose border is dark,
    True the content always (the style still by its border), False (the default: the images as
    they are) nothing."""
    content_image = load_image(content, width, "content image")
    invert = parse_invert(invert)
    loaded = load_style(style, width, style_width, invert)
    inverted = {"setting": invert, "content": should_invert(content_image, invert), "style": loaded.inverted}
    if inverted["content"]:
        content_image = 255.0 - content_image
    return Pair(loaded.image, content_image, inverted, loaded.masks)


@dataclass(frozen=True)
class LoadedStyle:
    image: torch.Tensor | StyleBlend  # a blend's as a StyleBlend
    inverted: bool | list[bool]  # a blend's: each member's
    masks: tuple[dict | None, ...]  # each file's mask record (None: unmasked)


def load_style(
    style: StyleSource, width: int | None, style_width: int | None = None, invert: str | bool = "auto"
) -> LoadedStyle:
    """The style as a run reads it, whether it was inverted and its masks: at ``style_width``
    (none: ``width``), inverted where its border is dark unless ``invert`` is False; a masked
    file's lettering laid dark on white (:func:`on_white`). A blend: a
    :class:`steel.transfer.styles.StyleBlend`, each member read so."""
    members = blend_members(style)
    if members is None:
        image, inverted, mask = _load_one_style(style, width, style_width, invert)
        return LoadedStyle(image, inverted, (mask,))
    from steel.transfer.styles import StyleBlend

    loaded = [_load_one_style(file, width, style_width, invert) for file, _ in members]
    blend = StyleBlend(tuple(image for image, *_ in loaded), tuple(weight for _, weight in members))
    return LoadedStyle(blend, [one[1] for one in loaded], tuple(one[2] for one in loaded))


def _load_one_style(style: StyleFile, width: int | None, style_width: int | None, invert: str | bool):
    """(image, inverted, mask record or None) of one style file; a masked one's lettering laid dark
    on white (:func:`on_white`)."""
    path = style_path(style)
    image = load_image(path, working_style_width(width, style_width), "style image")
    if not isinstance(style, MaskedStyle):
        inverted = parse_invert(invert) is not False and has_dark_background(image)
        return (255.0 - image if inverted else image), inverted, None
    # a cover's border says nothing of its lettering: the mask does. Light lettering is inverted
    # whatever `invert` says (it is the content's): the lettering is always laid dark on white
    mask, record = style_mask(style, image)
    inverted = not _dark_lettering(image, mask)
    return on_white(255.0 - image if inverted else image, mask), inverted, record


def _dark_lettering(image: torch.Tensor, mask: torch.Tensor) -> bool:
    from steel.transfer.losses import luminance

    return float((luminance(image) * mask).sum() / mask.sum()) < 128


def on_white(image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The masked (dark) lettering laid on a white ground, as the paper's logos are.

    The cover's ground is replaced, not cut out: a Gram matrix is a mean over the map, and taken
    over the letters alone it describes a picture of ink everywhere (measured: the style strength
    of such a run against the logo on white fell to 0, its artefacts rose to 0.98); the white
    ground is part of what a logo's Grams hold. Inside the mask the lettering keeps its pixels;
    along its soft edge, where the cover's pixels mix letter and ground, the letters' own colour
    (their median) is blended with white by the mask, as a logo's anti-aliased edge on white is
    (the cover's pixels there carried its ground into the letters' rims and thinned them). A mask
    of ones leaves the image as it was."""
    import torch

    letters = (mask >= 0.5).flatten()
    pixels = image.flatten(2)[..., letters] if letters.any() else image.flatten(2)
    ink = pixels.median(dim=-1).values[..., None, None]
    return torch.where(mask >= 1.0, image, ink * mask + 255.0 * (1 - mask))


def style_mask(style: MaskedStyle, image: torch.Tensor):
    """The style's mask at the size of ``image`` (its working size) as (1, 1, H, W) on 0-1,
    checked, and its record."""
    import torch

    from steel.io.images import read_image
    from steel.io.masks import ALPHA, AUTO, alpha_mask, check_share, find_lettering, read_mask, resized_mask

    size = (image.shape[3], image.shape[2])
    what = f"style {style.path}"
    record: dict = {"source": str(style.mask)}
    if style.mask == AUTO:  # found on the file as it is (a small working size thins the strokes)
        mask, record["found"] = find_lettering(read_image(style.path))
        mask = resized_mask(mask, size)
    elif style.mask == ALPHA:
        mask = alpha_mask(style.path, size, what)
    else:
        mask = read_mask(style.mask, read_image(style.path).size, size, what)
        record["sha256"] = file_sha256(style.mask)
    record["share"] = round(check_share(mask, what), 4)
    return torch.from_numpy(mask)[None, None], record


def recorded_style(record: Mapping) -> tuple[StyleSource, int]:
    """The style source and width a run read, from its run.json ``style`` record (a file's, or a
    blend's members with their weights; each with its mask)."""
    if "blend" in record:
        members = record["blend"]
        return [(_recorded_file(member), member["weight"]) for member in members], members[0]["width"]
    return _recorded_file(record), record["width"]


def _recorded_file(record: Mapping) -> StyleFile:
    mask = record.get("mask")
    return record["path"] if mask is None else MaskedStyle(record["path"], mask["source"])


def job_style(files: str | Sequence[str], param: Mapping | None) -> StyleSource:
    """The style a job reads: its file(s) and its ``style`` param (:func:`steel.plan.styles.style_params`:
    none for a plain style; a blend's members and weights, in the order of ``files``, and their
    masks; a masked style's mask)."""
    files = [files] if isinstance(files, str) else list(files)
    if not param:
        return files[0]
    if "mask" in param:
        return MaskedStyle(files[0], param["mask"])
    blend, masks = param["blend"], param.get("masks", {})
    if len(files) != len(blend):
        raise SteelError(
            f"the blend has {len(blend)} members but the job read {len(files)} files; plan it again"
        )
    return [
        (MaskedStyle(file, masks[member]) if member in masks else file, weight)
        for file, (member, weight) in zip(files, blend.items(), strict=True)
    ]


def style_label(style: StyleSource) -> str:
    """A style in a job's log: its file's name (and mask), or a blend's names and weights."""
    members = blend_members(style)
    if members is None:
        return _file_label(style)
    return " + ".join(f"{_file_label(file)} x {weight:.3g}" for file, weight in members)


def _file_label(style: StyleFile) -> str:
    if isinstance(style, MaskedStyle):
        return f"{style.path.name} (mask: {style.mask})"
    return Path(style).name
