"""VGG16 layer names, their positions in torchvision's ``vgg16().features``, and cell ids.

The paper takes style features from convolution outputs *before* the ReLU. Most public code
names post-ReLU outputs "conv"; here both are explicit: ``conv1_2`` is the convolution output,
``relu1_2`` the same map after its ReLU, ``pool1`` the output of the first max-pooling.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping

from steel.errors import SteelError

#: convolutions per block of VGG16 (configuration "D")
BLOCK_CONVS = (2, 2, 3, 3, 3)


def _layer_index() -> dict[str, int]:
    names: dict[str, int] = {}
    index = 0
    for block, convs in enumerate(BLOCK_CONVS, start=1):
        for conv in range(1, convs + 1):
            names[f"conv{block}_{conv}"] = index
            names[f"relu{block}_{conv}"] = index + 1
            index += 2
        names[f"pool{block}"] = index
        index += 1
    return names


#: layer name -> index of the module in ``torchvision.models.vgg16().features`` whose output it is
LAYER_INDEX: dict[str, int] = _layer_index()
LAYERS: tuple[str, ...] = tuple(sorted(LAYER_INDEX, key=LAYER_INDEX.__getitem__))
CONV_LAYERS: tuple[str, ...] = tuple(name for name in LAYERS if name.startswith("conv"))
#: number of max-pooling stages; an image must survive all of them
POOLING_STAGES = len(BLOCK_CONVS)
#: an image side must be at least this long to keep one pixel after every pooling stage
MIN_SIDE = 2**POOLING_STAGES


def check_layer(name: str) -> str:
    """Return ``name`` if it is a known layer, else raise an error that lists the valid ones."""
    if name not in LAYER_INDEX:
        raise SteelError(
            f"unknown layer {name!r}; valid layers are {', '.join(LAYERS)} "
            "(convB_J = convolution output before its ReLU, reluB_J = after it, poolB = pooling)"
        )
    return name


def block_of(name: str) -> int:
    """The VGG block (1-5) a layer belongs to."""
    check_layer(name)
    return int(name.removeprefix("conv").removeprefix("relu").removeprefix("pool")[0])


def ordered(names: Iterable[str]) -> list[str]:
    """Return the given layer names in network order, checking each one."""
    return sorted({check_layer(n) for n in names}, key=LAYER_INDEX.__getitem__)


def format_coefficient(value: float) -> str:
    """The one number format of the project: ``20``, ``2000``, ``0.5``, ``1e-05``."""
    value = float(value)
    text = f"{value:g}"
    return text if float(text) == value else repr(value)


def check_coefficients(coefficients: Mapping[str, float]) -> dict[str, float]:
    """Validate layer coefficients; return the active ones (non-zero) in network order."""
    active: dict[str, float] = {}
    for name, raw in coefficients.items():
        check_layer(name)
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise SteelError(
                f"coefficient of {name} is {raw!r}, not a number; write e.g. {name}=200"
            ) from None
        if not math.isfinite(value) or value < 0:
            raise SteelError(
                f"coefficient of {name} is {raw!r}; coefficients must be finite and >= 0"
                " (0 switches the layer off)"
            )
        if value > 0:
            active[name] = value
    return {name: active[name] for name in ordered(active)}


def parse_layer_spec(spec: str) -> dict[str, float]:
    """Parse ``conv1_2=2000,conv4_3=200`` (the command-line form) into active coefficients."""
    coefficients: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, sep, value = part.partition("=")
        if not sep:
            raise SteelError(
                f"layer spec {part!r} has no coefficient; write LAYER=COEFFICIENT, e.g. conv1_2=2000"
            )
        coefficients[name.strip()] = value.strip()
    active = check_coefficients(coefficients)
    if not active:
        raise SteelError(f"no active style layer in {spec!r}; give at least one layer a coefficient > 0")
    return active


#: separates ``layer-value`` parts in a cell id; layer names hold single underscores only
CELL_SEPARATOR = "__"
#: a loss setting's name in a cell id (``content_weight``): lower-case words joined by single "_"
_SETTING_NAME = re.compile(r"[a-z]+(?:_[a-z]+)*")
#: a loss setting's value in a cell id (a number, a word such as ``gatys``, a layer name)
_SETTING_VALUE = re.compile(r"[A-Za-z0-9.+]+(?:[-_][A-Za-z0-9.+]+)*")


def format_value(value) -> str:
    """A setting's value as written in cell ids and sheet labels: numbers as
    :func:`format_coefficient` writes them, ``None`` as ``null``, words as they are."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return format_coefficient(value)
    return str(value)


def _parse_value(text: str):
    """Inverse of :func:`format_value` (``null`` -> None, numbers -> float, else the word)."""
    if text == "null":
        return None
    try:
        return float(text)
    except ValueError:
        return text


def cell_id(coefficients: Mapping[str, float], loss: Mapping | None = None) -> str:
    """The canonical, readable id of a set of layer coefficients (inactive layers omitted), followed
    by the loss settings in which the cell differs from the config's ``loss`` section (sorted by
    name), so that the same layers under two losses are two cells. The one definition of the format.

    >>> cell_id({"conv4_2": 200, "conv1_2": 2000.0, "conv5_3": 0})
    'conv1_2-2000__conv4_2-200'
    >>> cell_id({"conv4_3": 20}, {"normalise": "gatys", "content_weight": 100})
    'conv4_3-20__content_weight-100__normalise-gatys'
    """
    active = check_coefficients(coefficients)
    if not active:
        raise SteelError("a cell needs at least one layer with a coefficient > 0")
    parts = [f"{n}-{format_coefficient(v)}" for n, v in active.items()]
    for name in sorted(loss or {}):
        value = format_value(loss[name])
        if name in LAYER_INDEX or not _SETTING_NAME.fullmatch(name) or not _SETTING_VALUE.fullmatch(value):
            raise SteelError(
                f"loss setting {name}={value} cannot be part of a cell id; settings are lower-case "
                "words joined by '_', values numbers, words or layer names"
            )
        parts.append(f"{name}-{value}")
    return CELL_SEPARATOR.join(parts)


def split_cell_id(cell: str) -> tuple[dict[str, float], dict]:
    """Inverse of :func:`cell_id`: (layer coefficients, loss settings named in the id)."""
    coefficients: dict[str, str] = {}
    loss: dict = {}
    for part in cell.split(CELL_SEPARATOR):
        name, sep, value = part.partition("-")
        if not sep:
            raise SteelError(f"malformed cell id {cell!r}: part {part!r} is not LAYER-VALUE")
        if name not in LAYER_INDEX and _SETTING_NAME.fullmatch(name):
            loss[name] = _parse_value(value)
        else:
            coefficients[name] = value
    return check_coefficients(coefficients), loss


def parse_cell_id(cell: str) -> dict[str, float]:
    """The layer coefficients of a cell id (:func:`split_cell_id` without the loss settings)."""
    return split_cell_id(cell)[0]
