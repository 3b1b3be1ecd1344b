"""Blended styles in the config: ``styles: {name: {blend: {member: weight, ...}}}``, a style whose
Gram targets are the weighted mean of its members', plain styles of the same config. Checked when
Snakemake plans; the weights normalised to sum 1 (:func:`steel.blend.blend_weights`)."""

from __future__ import annotations

from collections.abc import Mapping

from steel.blend import blend_weights
from steel.errors import SteelError

#: the key of a blend's entry in ``styles``
BLEND = "blend"


def is_blend(entry) -> bool:
    return isinstance(entry, Mapping) and BLEND in entry


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


def members_of(config: Mapping, name: str) -> dict[str, float] | None:
    """The blend ``name``'s members and normalised weights; None for a plain style."""
    return blends_from_config(config).get(name)
