"""A profile's ``set-resources`` and ``set-threads`` for a rule, extended to rules the workflow
names while it plans (the batched stylize rules ``stylize_<batch>``).

Snakemake matches those settings by rule name when it defines a rule, and offers no public way to
give a rule another rule's settings: this module writes Snakemake's parsed settings, private
attributes of ``workflow.resource_settings``, and is the only place that does.
"""

from __future__ import annotations

from collections.abc import MutableMapping

from steel.errors import SteelError

#: the parsed ``--set-resources`` and ``--set-threads`` of Snakemake 9's ResourceSettings, by rule
PARSED = ("_parsed_overwrite_resources", "_parsed_overwrite_threads")


def extend_overrides(resource_settings, source: str, target: str) -> None:
    """Give the rule ``target`` the profile's set-resources and set-threads of the rule ``source``,
    unless the profile sets them for ``target`` itself. Call it before ``target`` is defined (where
    Snakemake reads them); the jobs Snakemake submits pass them on by name, ``target``'s included.
    """
    for attribute in PARSED:
        overrides = getattr(resource_settings, attribute, None)
        if not isinstance(overrides, MutableMapping):
            raise SteelError(
                f"Snakemake {_snakemake_version()} has no ResourceSettings.{attribute}: a profile's"
                f" set-resources and set-threads for {source} cannot reach {target};"
                " set execution.cells_per_job: 1 or use an earlier Snakemake"
            )
        if source in overrides:
            overrides.setdefault(target, overrides[source])


def _snakemake_version() -> str:
    try:
        from snakemake import __version__
    except ImportError:
        return "(not installed)"
    return __version__
