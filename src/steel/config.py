"""The workflow's config as settings: a config's values by the settings table's rows, its preset
expanded, and the :class:`~steel.settings.Settings` and :class:`~steel.settings.RunOptions` it makes.

Torch-free: the workflow's planning imports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from steel.presets import preset_values
from steel.setting_row import VECTOR, Setting
from steel.settings import (
    BY_NAME,
    OUTLINE_ROWS,
    SETTINGS,
    OutlineOptions,
    RunOptions,
    Settings,
    outline_field,
)


def expand_preset(config: dict, given: Mapping | None = None) -> dict:
    """``config`` with its ``preset`` (if any) expanded into explicit values for its optimiser
    (:func:`steel.presets.preset_values`) and the ``preset`` key removed, in place. ``given`` is
    what the user set (the workflow: ``--configfile`` and ``--config``): the preset replaces the
    other values of its settings (the demo's) and gives way to the user's; without ``given`` every
    value in ``config`` is the user's."""
    name = config.pop("preset", None)
    if name is None:
        return config
    optimizer = config_value(config, BY_NAME["optimizer"])
    given = config if given is None else given

    def mine(setting):
        return given if setting.section is None else (given.get(setting.section) or {})

    users = [s.name for s in SETTINGS if isinstance(mine(s), Mapping) and s.key in mine(s)]
    for setting_name, value in preset_values(name, optimizer, users).items():
        setting = BY_NAME[setting_name]
        section = config if setting.section is None else config.setdefault(setting.section, {})
        if setting.key not in mine(setting):
            section[setting.key] = value
    return config


def config_value(config: Mapping, setting: Setting) -> Any:
    """``setting``'s value in a config (or a stylize job's params): its section's key, else the
    library's default (a shorter section, e.g. a test's, takes those)."""
    if setting.section is None:
        raw = config.get(setting.key, setting.default)
    else:
        raw = (config.get(setting.section) or {}).get(setting.key, setting.default)
    return setting.value(raw)


def settings_from_config(config: Mapping) -> Settings:
    """:class:`Settings` from a workflow config: its ``image``, ``optimizer``, ``loss`` and
    ``execution`` sections and ``seed`` (what the config leaves out: the library's defaults)."""
    return Settings(
        **{s.name: config_value(config, s) for s in SETTINGS if s.target == "settings" and s.in_config}
    )


def vector_options(values: Mapping) -> dict:
    """The vector trace's settings by their library names, from a config (its ``vector`` section)
    or from anything with the table's names (the command's parsed flags)."""
    section = values.get(VECTOR) if isinstance(values.get(VECTOR), Mapping) else None
    rows = [s for s in SETTINGS if s.target == VECTOR]
    if section is not None:
        return {s.name: s.value(section.get(s.key, s.default)) for s in rows}
    return {s.name: values.get(s.name, s.default) for s in rows}


def working_style_width(width: int | None, style_width: int | None) -> int | None:
    """The style's working width: its own (``image.style_width``, ``--style-width``), else the
    content's."""
    return style_width or width


def run_options_from_config(config: Mapping) -> RunOptions:
    """:class:`RunOptions` from a workflow config: :func:`settings_from_config`, the run rows
    that the config sets (width, invert, alpha, device, ...) and its ``outline`` section."""
    return RunOptions(
        settings=settings_from_config(config),
        outline=OutlineOptions(**{outline_field(s): config_value(config, s) for s in OUTLINE_ROWS}),
        **{s.name: config_value(config, s) for s in SETTINGS if s.target == "run" and s.in_config},
    )
