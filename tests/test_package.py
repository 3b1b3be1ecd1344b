"""The package's own names: ``steel.<name>`` loads the module that defines it on first use."""

from __future__ import annotations

import pytest

import steel


@pytest.mark.parametrize("name", steel.__all__)
def test_each_exported_name_is_the_object_its_module_defines_every_time(name):
    import importlib

    defined = getattr(importlib.import_module(steel._EXPORTS[name]), name)
    assert getattr(steel, name) is defined and getattr(steel, name) is defined


def test_steel_run_is_the_function_that_makes_the_run_folders():
    from steel.cells.stylize import run

    assert steel.run is run and callable(run)


def test_the_exports_are_listed_sorted_and_an_unknown_name_is_an_attribute_error():
    assert steel.__all__ == sorted(steel._EXPORTS) and "Settings" in steel.__all__
    with pytest.raises(AttributeError, match=r"^module 'steel' has no attribute 'nope'$"):
        steel.nope  # noqa: B018
