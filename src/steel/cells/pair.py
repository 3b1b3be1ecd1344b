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
from steel.io.images import has_dark_background, load_image, parse_invert, should_invert

if TYPE_CHECKING:
    import torch

    from steel.transfer.styles import StyleBlend

#: a style as the library takes it: an image file, or a blend: ``{file: weight}`` or
#: ``[(file, weight), ...]`` (two files or more; weights >= 0, normalised to sum 1)
StyleSource = str | Path | Mapping[str | Path, float] | Sequence[tuple[str | Path, float]]


@dataclass(frozen=True)
class Pair:
    style: torch.Tensor | StyleBlend  # (1, 3, H, W), 0-255, as the network sees it; or a blend of such
    content: torch.Tensor
    #: the ``invert`` setting and whether the content and the style (a blend: each member) were inverted
    inverted: dict


def blend_members(style: StyleSource) -> list[tuple[Path, float]] | None:
    """A blend's (file, normalised weight) members, checked (:func:`steel.blend.blend_weights`);
    None for one style file."""
    if isinstance(style, str | Path):
        return None
    members = list(style.items()) if isinstance(style, Mapping) else [tuple(member) for member in style]
    weights = blend_weights([weight for _, weight in members])
    return [(Path(path), weight) for (path, _), weight in zip(members, weights, strict=True)]


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
    style_image, style_inverted = load_style(style, width, style_width, invert)
    inverted = {"setting": invert, "content": should_invert(content_image, invert), "style": style_inverted}
    if inverted["content"]:
        content_image = 255.0 - content_image
    return Pair(style_image, content_image, inverted)


def load_style(
    style: StyleSource, width: int | None, style_width: int | None = None, invert: str | bool = "auto"
) -> tuple[torch.Tensor | StyleBlend, bool | list[bool]]:
    """The style as a run reads it, and whether it was inverted: at ``style_width`` (none:
    ``width``), inverted where its border is dark unless ``invert`` is False. A blend: a
    :class:`steel.transfer.styles.StyleBlend`, each member read so, and a list of inversions."""
    members = blend_members(style)
    if members is None:
        return _load_one_style(style, width, style_width, invert)
    from steel.transfer.styles import StyleBlend

    loaded = [_load_one_style(path, width, style_width, invert) for path, _ in members]
    images = tuple(image for image, _ in loaded)
    return StyleBlend(images, tuple(weight for _, weight in members)), [inverted for _, inverted in loaded]


def _load_one_style(
    style: str | Path, width: int | None, style_width: int | None, invert: str | bool
) -> tuple[torch.Tensor, bool]:
    image = load_image(style, working_style_width(width, style_width), "style image")
    inverted = parse_invert(invert) is not False and has_dark_background(image)
    return (255.0 - image if inverted else image), inverted


def recorded_style(record: Mapping) -> tuple[StyleSource, int]:
    """The style source and width a run read, from its run.json ``style`` record (a file's, or a
    blend's members with their weights)."""
    if "blend" in record:
        members = record["blend"]
        return [(member["path"], member["weight"]) for member in members], members[0]["width"]
    return record["path"], record["width"]


def job_style(files: str | Sequence[str], blend: Mapping[str, float] | None) -> StyleSource:
    """The style a job reads: its file, or a blend's ``[(file, weight), ...]`` from its members'
    files and its ``style`` param (member -> weight, in the files' order)."""
    if blend is None:
        return files if isinstance(files, str) else files[0]
    files = [files] if isinstance(files, str) else list(files)
    if len(files) != len(blend):
        raise SteelError(
            f"the blend has {len(blend)} members but the job read {len(files)} files; plan it again"
        )
    return list(zip(files, blend.values(), strict=True))


def style_label(style) -> str:
    """A style in a job's log: its file's name, or a blend's names and weights."""
    if isinstance(style, str | Path):
        return Path(style).name
    return " + ".join(f"{Path(path).name} x {weight:.3g}" for path, weight in style)
