"""A profile's set-resources and set-threads for stylize reach the batched stylize rules
(steel.plan.overrides), through the installed Snakemake's own parsing of them."""

from __future__ import annotations

import pytest
from snakemake.cli import parse_set_resources, parse_set_threads
from snakemake.settings.types import ResourceSettings

from steel.errors import SteelError
from steel.plan.overrides import PARSED, extend_overrides


def settings(resources: list[str], threads: list[str]) -> ResourceSettings:
    """What Snakemake makes of a profile's set-resources and set-threads."""
    return ResourceSettings(
        overwrite_resources=parse_set_resources(resources), overwrite_threads=parse_set_threads(threads)
    )


def test_the_installed_snakemake_parses_the_settings_where_they_are_extended():
    assert all(hasattr(ResourceSettings(), attribute) for attribute in PARSED)


def test_a_batch_rule_gets_the_stylize_rule_settings():
    resource_settings = settings(["stylize:mem_mb=16000", "stylize:gpu=1"], ["stylize=4"])
    extend_overrides(resource_settings, "stylize", "stylize_conv4_2_1")
    resources = resource_settings._parsed_overwrite_resources["stylize_conv4_2_1"]
    assert {name: resource.value for name, resource in resources.items()} == {"mem_mb": 16000, "gpu": 1}
    assert resource_settings._parsed_overwrite_threads["stylize_conv4_2_1"].value == 4


def test_settings_the_profile_gives_a_batch_rule_itself_are_kept():
    resource_settings = settings(
        ["stylize:mem_mb=16000", "stylize_conv4_2_1:mem_mb=32000"], ["stylize=4", "stylize_conv4_2_1=8"]
    )
    extend_overrides(resource_settings, "stylize", "stylize_conv4_2_1")
    assert resource_settings._parsed_overwrite_resources["stylize_conv4_2_1"]["mem_mb"].value == 32000
    assert resource_settings._parsed_overwrite_threads["stylize_conv4_2_1"].value == 8


def test_without_settings_for_stylize_a_batch_rule_gets_none():
    resource_settings = settings([], [])
    extend_overrides(resource_settings, "stylize", "stylize_conv4_2_1")
    assert resource_settings._parsed_overwrite_resources == {}
    assert resource_settings._parsed_overwrite_threads == {}


def test_a_snakemake_without_the_parsed_settings_is_one_line_naming_the_way_out():
    class Settings:  # what a Snakemake that renamed them would hand over
        def __init__(self):
            self.overwrite_resources, self.overwrite_threads = {}, {}

    with pytest.raises(SteelError) as error:
        extend_overrides(Settings(), "stylize", "stylize_conv4_2_1")
    message = str(error.value)
    assert "\n" not in message
    assert "_parsed_overwrite_resources" in message and "cells_per_job: 1" in message
