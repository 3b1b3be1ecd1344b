"""The config schema's settings, made from the settings table (:data:`steel.settings.SETTINGS`): each
row's type, bounds, choices, default and description. ``workflow/schemas/config.schema.yaml`` is
committed as :func:`config_schema` writes it; its other parts (the experiment lists, the sections'
own descriptions) are written there by hand and kept.

Run ``python -m steel.plan.schema workflow/schemas/config.schema.yaml`` (``make schema``) after
changing a row; a test holds the committed file to what this makes.
"""

from __future__ import annotations

import re
import sys
import typing
from pathlib import Path
from typing import Any

import yaml

from steel.setting_row import Setting
from steel.settings import SETTINGS

#: JSON Schema's name of each Python type of the table
_TYPES = {int: "integer", float: "number", bool: "boolean", str: "string"}


def _config_words(text: str) -> str:
    """A row's help as the config reads it: each flag named by its config key."""
    keys = {s.flag: s.key for s in SETTINGS if s.flag is not None and s.key is not None}
    return re.sub(r"--[a-z][a-z-]*", lambda m: keys.get(m.group(0), m.group(0)), text)


def _number_schema(setting: Setting) -> dict:
    found: dict[str, Any] = {"type": _TYPES[setting.kind]}
    for key, bound in (
        ("minimum", setting.minimum),
        ("exclusiveMinimum", setting.exclusive_minimum),
        ("maximum", setting.maximum),
    ):
        if bound is not None:
            found[key] = bound
    return found


def setting_schema(setting: Setting) -> dict:
    """One row as a JSON Schema property."""
    args = typing.get_args(setting.annotation)
    # null in a config where it is the default (a None that a config can also leave out)
    nullable = setting.schema is None
    if setting.many:
        found: dict[str, Any] = {"type": "array", "items": _number_schema(setting)}
        if setting.min_items:
            found["minItems"] = setting.min_items
    elif setting.choices is not None:
        found = {"enum": [setting.value(choice) for choice in setting.choices]}
    elif setting.kind is not None:
        found = _number_schema(setting)
    else:
        kinds = [kind for kind in (setting.annotation, *args) if kind in _TYPES]
        found = {"type": _TYPES[kinds[0]]}
        if setting.pattern is not None:
            found["pattern"] = f"^({setting.pattern})$"
    if nullable and "type" in found:
        found["type"] = [found["type"], "null"]
    default = setting.schema
    found["default"] = list(default) if isinstance(default, tuple) else default
    found["description"] = _config_words(setting.help)
    return found


def config_schema(schema: dict) -> dict:
    """``schema`` (the config schema as loaded) with every config row's property made from the
    table, each in its place within its section (a new row at the section's end)."""
    schema = dict(schema)
    properties = schema["properties"] = dict(schema["properties"])
    rows = [s for s in SETTINGS if s.in_config]
    for section in dict.fromkeys(s.section for s in rows):
        made = {s.key: setting_schema(s) for s in rows if s.section == section}
        if section is None:
            properties.update({k: made.get(k, v) for k, v in properties.items()} | made)
            continue
        properties[section] = dict(properties[section])
        present = properties[section].get("properties", {})
        # keys keep their places (a config's defaults are filled in this order, and the params
        # that carry a whole section would change with it); new rows go last
        properties[section]["properties"] = {k: made.get(k, v) for k, v in present.items()} | made
    return schema


class _Dumper(yaml.SafeDumper):
    """Lists of plain values on one line, as a person writes them."""


def _list(dumper: yaml.SafeDumper, items: list) -> yaml.Node:
    flat = all(not isinstance(item, dict | list) for item in items)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=flat)


_Dumper.add_representer(list, _list)


def schema_text(schema: dict) -> str:
    return yaml.dump(schema, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def main(argv: list[str] | None = None) -> int:
    (path,) = sys.argv[1:] if argv is None else argv
    path = Path(path)
    path.write_text(
        schema_text(config_schema(yaml.safe_load(path.read_text(encoding="utf-8")))), encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
