"""Network of Steel: neural font style transfer from heavy-metal logos to corporate logos."""

from steel.errors import SteelError
from steel.layers import cell_id, parse_cell_id, parse_layer_spec
from steel.optimise import Settings, stylize
from steel.run import run
from steel.weights import load_weights

__all__ = [
    "Settings",
    "SteelError",
    "cell_id",
    "load_weights",
    "parse_cell_id",
    "parse_layer_spec",
    "run",
    "stylize",
]
