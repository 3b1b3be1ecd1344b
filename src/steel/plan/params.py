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
from steel.result_version import RESULT_VERSION
from steel.settings import RESULT_SECTIONS, SETTINGS


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
