"""What the workflow hands its rules as params, in one canonical form.

Snakemake reruns a job when the text of a param changes. Settings are therefore typed by the
config schema (``lr: 1`` and ``lr: 1.0`` are one value), defaults are filled in by the schema's
validation, and mappings are sorted, so that only a real change of value reruns a job. Settings
that cannot change a result live under ``execution`` and are never params.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from steel.errors import SteelError
from steel.result_version import OUTLINE_VERSION, RESULT_VERSION
from steel.setting_row import OUTLINE, RESULT_SECTIONS
from steel.settings import OUTLINE_REPLACED_LOSS, SETTINGS


def _types(schema: Mapping) -> set[str]:
    kind = schema.get("type", [])
    return {kind} if isinstance(kind, str) else set(kind)


def canonical(value: Any, schema: Mapping | None = None) -> Any:
    """``value`` typed as ``schema`` says (numbers as float, integers as int), mappings sorted."""
    schema = schema or {}
    if isinstance(value, Mapping):
        properties = schema.get("properties", {})
        return {key: canonical(value[key], properties.get(key)) for key in sorted(value)}
    if isinstance(value, list):
        return [canonical(item, schema.get("items")) for item in value]
    if isinstance(value, bool) or value is None:
        return value
    types = _types(schema)
    if "number" in types and isinstance(value, int | float):
        return float(value)
    if "integer" in types and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


#: a config, its YAML aliases expanded, may hold this much (values counted at their text's length
#: plus :data:`VALUE_BYTES` each): a whole paper experiment is a few tens of KB, while a kilobyte of
#: nested aliases ("billion laughs") expands to gigabytes that any walk over it (schema validation,
#: the checks here) would take minutes and memory to visit
MAX_CONFIG_BYTES = 4 * 2**20
#: what a value counts for beside its text (a key, a list entry, its punctuation)
VALUE_BYTES = 8


def check_config_size(config: Any, limit: int = MAX_CONFIG_BYTES) -> None:
    """Refuse a config that expands (YAML aliases resolved) to more than ``limit`` bytes, in one
    line; the walk stops as soon as the budget is spent, so a bomb costs no more than the limit."""
    budget = limit
    stack = [config]
    while stack:
        value = stack.pop()
        if isinstance(value, Mapping):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list | tuple):
            stack.extend(value)
        budget -= VALUE_BYTES + (len(value) if isinstance(value, str) else 0)
        if budget < 0:
            raise SteelError(
                f"the config expands to more than {limit // 2**20} MB (YAML aliases repeated inside each "
                "other?); write it out plainly: a whole experiment needs a few KB"
            )


def check_finite(value: Any, where: str = "config") -> None:
    """Refuse NaN and infinities anywhere in a config, in one line naming the key. JSON Schema's
    ``minimum`` lets NaN through, and a NaN param would rerun (and so delete) a finished cell only to
    fail it."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            check_finite(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            check_finite(item, f"{where}[{i}]")
    elif isinstance(value, float) and not math.isfinite(value):
        raise SteelError(f"{where} is {value}; give a finite number")


def stylize_params(config: Mapping, schema: Mapping) -> dict:
    """Everything besides the images and the cell that shapes a stylize job's results."""
    properties = schema["properties"]
    params = {name: canonical(config[name], properties[name]) for name in RESULT_SECTIONS}
    # the top-level settings that shape a result (seed, weights)
    params |= {s.key: s.value(config[s.key]) for s in SETTINGS if s.result and s.section is None}
    params["result_version"] = RESULT_VERSION
    return dict(sorted(params.items()))


#: the ``image`` settings an outline cell reads (the canvas, the style's width, grey, the
#: transparent picture); the others are the pixel method's
OUTLINE_IMAGE_KEYS = ("width", "style_width", "colour", "alpha")


def outline_params(config: Mapping, schema: Mapping) -> dict:
    """Everything besides the images and the cell that shapes an outline cell's results: the
    ``outline`` section (but its switch and its list of sweeps), the ``loss`` section, the image
    settings it reads, how often it logs, ``seed``, ``weights`` and the outline result version.
    Never a pixel cell's params, so that turning outlines on reruns no stylize job."""
    properties = schema["properties"]
    image = canonical(config["image"], properties["image"])
    outline = canonical(config[OUTLINE], properties[OUTLINE])
    params = {
        OUTLINE: {key: value for key, value in outline.items() if key not in ("enabled", "sweeps")},
        # the growth term stands for the shape term: a new shape_weight reruns no outline cell
        "loss": {
            key: value
            for key, value in canonical(config["loss"], properties["loss"]).items()
            if key not in OUTLINE_REPLACED_LOSS
        },
        "image": {key: image[key] for key in OUTLINE_IMAGE_KEYS},
        "log_every": canonical(config["optimizer"], properties["optimizer"])["log_every"],
    }
    params |= {s.key: s.value(config[s.key]) for s in SETTINGS if s.result and s.section is None}
    params["outline_version"] = OUTLINE_VERSION
    return dict(sorted(params.items()))
