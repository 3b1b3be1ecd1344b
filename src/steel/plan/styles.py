"""Styles with more to them than an image, in the config: blends, ``{blend: {member: weight, ...}}``
(each layer's Gram target the weighted mean of its members', plain styles of the same config), and
masked styles, ``{image: cover.jpg, mask: PATH | alpha | auto}`` (the Gram targets taken over the
logo alone). Checked when Snakemake plans, each mistake in one line; the `style` param of their
jobs says what they read, so that a plain style's params stay as they were."""

from __future__ import annotations

from collections.abc import Mapping

from steel.blend import blend_weights
from steel.errors import SteelError

#: the key of a blend's entry in ``styles``, and of a masked style's mask
BLEND, MASK = "blend", "mask"
#: the masks that are no file
NAMED_MASKS = ("alpha", "auto")


def is_blend(entry) -> bool:
    return isinstance(entry, Mapping) and BLEND in entry


def mask_of(entry) -> str | None:
    """A style entry's mask (a path, "alpha" or "auto"), or None."""
    return entry.get(MASK) if isinstance(entry, Mapping) else None


def blends_from_config(config: Mapping) -> dict[str, dict[str, float]]:
    """Every blend of ``config["styles"]``: name -> {member: normalised weight}, members in the
    config's order. A blend needs two members or more, each a plain style of the same config (no
    blend of blends), weights >= 0 and one > 0: else one line naming the blend."""
    styles = config.get("styles") or {}
    blends = {}
    for name, entry in styles.items():
        if not is_blend(entry):
            continue
        members = entry[BLEND]
        what = f"style {name}'s blend"
        if not isinstance(members, Mapping):
            raise SteelError(f"{what} is not a mapping of styles to weights; e.g. blend: {{a: 0.7, b: 0.3}}")
        for member in members:
            if member not in styles:
                raise SteelError(
                    f"{what} names {member!r}, which is no style of this config; styles are {list(styles)}"
                )
            if is_blend(styles[member]):
                raise SteelError(
                    f"{what} names {member!r}, itself a blend; blend plain styles (list its members instead)"
                )
        weights = blend_weights(list(members.values()), what)
        blends[name] = dict(zip(members, weights, strict=True))
    return blends


def style_params(config: Mapping) -> dict[str, dict]:
    """The `style` param of every style that has one: a blend's ``{"blend": {member: weight}}``
    (with ``"masks": {member: mask}`` when a member is masked), a masked style's ``{"mask":
    mask}``. A plain style has none."""
    styles = config.get("styles") or {}
    params = {}
    for name, members in blends_from_config(config).items():
        masks = {member: mask_of(styles[member]) for member in members if mask_of(styles[member])}
        params[name] = {BLEND: members, **({"masks": masks} if masks else {})}
    for name, entry in styles.items():
        mask = mask_of(entry)
        if mask is not None:
            params[name] = {MASK: mask}
    return params


def style_param_of(config: Mapping, name: str) -> dict | None:
    """The `style` param of the style ``name`` (:func:`style_params`); None for a plain style."""
    return style_params(config).get(name)


def mask_files(param: Mapping | None) -> list[str]:
    """The mask files a style's `style` param reads (its own, or its members')."""
    if not param:
        return []
    masks = [param[MASK]] if MASK in param else list(param.get("masks", {}).values())
    return [mask for mask in masks if mask not in NAMED_MASKS]
