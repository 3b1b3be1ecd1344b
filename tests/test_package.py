"""The package's own names: ``steel.<name>`` loads the module that defines it on first use."""

from __future__ import annotations

import pytest

import steel


@pytest.mark.parametrize("name", sorted(set(steel.__all__) - {"run"}))  # steel.run is also a module
def test_each_exported_name_is_the_object_its_module_defines(name):
    import importlib

    assert getattr(steel, name) is getattr(importlib.import_module(steel._EXPORTS[name]), name)


def test_the_exports_are_listed_sorted_and_an_unknown_name_is_an_attribute_error():
    assert steel.__all__ == sorted(steel._EXPORTS) and "Settings" in steel.__all__
    with pytest.raises(AttributeError, match=r"^module 'steel' has no attribute 'nope'$"):
        steel.nope  # noqa: B018
