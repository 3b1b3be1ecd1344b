"""The convergence study's schedules as the workflow plans them: each checked, typed and turned into
its trace job's canonical params.
"""

from __future__ import annotations

from collections.abc import Mapping

from steel.errors import SteelError
from steel.layers import cell_id

#: the reference line's name in the traces (the config's own optimizer and image settings)
REFERENCE = "reference"

#: image settings a schedule may not change: the study compares schedules at one full size
FIXED_IMAGE = ("width", "style_width")


def schedule_sections(config: Mapping, schema: Mapping) -> dict[str, dict]:
    """``{schedule: {"image": ..., "optimizer": ...}}``: the reference (the config's own sections)
    and each schedule of ``convergence.schedules`` (its overrides on top of them), each section
    checked against the schema, typed and sorted (:func:`steel.plan.params.canonical`)."""
    import jsonschema

    from steel.config import settings_from_config
    from steel.plan.params import canonical
    from steel.plan.sweeps import check_name

    properties = schema["properties"]
    schedules = (config.get("convergence") or {}).get("schedules") or {}
    if REFERENCE in schedules:
        raise SteelError(
            f"convergence.schedules names a schedule {REFERENCE!r}, the config's own line; rename yours"
        )
    sections = {REFERENCE: {"image": dict(config["image"]), "optimizer": dict(config["optimizer"])}}
    for name, overrides in schedules.items():
        check_name(name, "convergence schedule")  # it names the study's files
        overrides = overrides or {}
        fixed = [key for key in FIXED_IMAGE if key in (overrides.get("image") or {})]
        if fixed:
            raise SteelError(
                f"convergence schedule {name!r} sets image.{fixed[0]}; schedules are compared at the "
                "config's own size: set image.width for all, not per schedule"
            )
        merged = {}
        for section in ("image", "optimizer"):
            merged[section] = dict(config[section]) | dict(overrides.get(section) or {})
            try:
                jsonschema.validate(merged[section], properties[section])
            except jsonschema.ValidationError as error:
                where = ".".join(str(p) for p in error.absolute_path) or section
                raise SteelError(
                    f"convergence schedule {name!r}: {section}.{where}: {error.message}; fix its override"
                ) from None
        try:  # what only the library checks (scales ending at 1, a step count per scale, ...)
            settings_from_config(config | merged)
        except SteelError as error:
            raise SteelError(f"convergence schedule {name!r}: {error}") from None
        sections[name] = merged
    return {
        name: {section: canonical(values, properties[section]) for section, values in merged.items()}
        for name, merged in sections.items()
    }


def schedule_params(config: Mapping, schema: Mapping) -> dict[str, dict]:
    """The canonical params of each schedule's trace job (:func:`schedule_sections` plus the loss,
    seed, weights, result version, the cells as ids and ``every``): only a real change reruns."""
    from steel.layers import parse_layer_spec
    from steel.plan.params import stylize_params

    study = config["convergence"]
    cells = list(dict.fromkeys(cell_id(parse_layer_spec(spec)) for spec in study["cells"]))
    if not cells:
        raise SteelError("convergence.cells is empty; list at least one cell, e.g. conv1_2=2000,conv4_3=200")
    base = stylize_params(config, schema)
    return {
        name: dict(sorted((base | sections | {"cells": cells, "every": int(study["every"])}).items()))
        for name, sections in schedule_sections(config, schema).items()
    }
