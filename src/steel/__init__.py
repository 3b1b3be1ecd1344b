"""Network of Steel: neural font style transfer from heavy-metal logos to corporate logos.

Importing ``steel`` is cheap (the workflow imports it to plan jobs); the torch-based parts load on
first use.
"""

from importlib import import_module

#: the name it is installed under (the import name and the command are `steel`)
DISTRIBUTION = "network-of-steel"

#: names importable from ``steel`` itself, loaded on first use
_EXPORTS = {
    "run": "steel.cells.stylize",
    "SteelError": "steel.errors",
    "cell_id": "steel.layers",
    "parse_cell_id": "steel.layers",
    "split_cell_id": "steel.layers",
    "parse_layer_spec": "steel.layers",
    "RunOptions": "steel.settings",
    "Settings": "steel.settings",
    "stylize": "steel.transfer.optimise",
    "load_weights": "steel.transfer.weights",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'steel' has no attribute {name!r}")
