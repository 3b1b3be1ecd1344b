"""A row of the settings table (:data:`steel.settings.SETTINGS`): a setting's type, config place,
flag and bounds, and the checks that turn text or a config's value into the setting's value.

Torch-free: the command's ``--help`` and the workflow's planning import it.
"""

from __future__ import annotations

import math
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from steel.errors import SteelError

#: the config sections whose values shape a stylized image or its logged losses: with ``seed`` and
#: ``weights``, the stylize rule's params; ``execution`` says only where and how a job runs
RESULT_SECTIONS = ("image", "optimizer", "loss")
EXECUTION = "execution"
#: the config section of the vector trace: outside the result sections, so it reruns no cell
VECTOR = "vector"
#: the config section of the outline method: outside the result sections (a pixel cell's params
#: never hold it); the outline cells' params are made of it
OUTLINE = "outline"

_SAME = object()


# --- values and their bounds ------------------------------------------------------------------------


def _number_kind(annotation: Any) -> type | None:
    """int or float for a row of numbers (or of tuples of numbers, or optional numbers), else None."""
    args = typing.get_args(annotation)
    for kind in (int, float):
        if annotation is kind or kind in args:
            return kind
    return None


def _shown(number: Any) -> str:
    """A number as a message shows it: whole numbers in full, others as %g."""
    return f"{number:g}" if isinstance(number, float) else str(number)


def parse_invert(value: str | bool | None) -> str | bool:
    """``auto``, ``true``/``false`` (or booleans) as "auto", True or False; None is auto."""
    if value is None or value == "auto":
        return "auto"
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise SteelError(f"invert must be auto, true or false, not {value!r}")


@dataclass(frozen=True)
class Setting:
    """One row of the table."""

    name: str  # a field of Settings (target "settings") or a keyword of steel.cells.stylize.run ("run")
    annotation: Any  # its Python type
    default: Any  # the library's default (Settings, run())
    help: str
    section: str | None = None  # the config section; None: a top-level key (or not in the config)
    key: str | None = None  # the config key; None: the command only
    to_value: Callable[[Any], Any] | None = None  # a config (or parsed) value as the library's type
    flag: str | None = None  # the command's flag; None: not on the command
    choices: tuple | None = None
    metavar: str | None = None
    switch: tuple | None = None  # a flag without value: (library value without it, with it)
    toggle: bool = False  # --flag / --no-flag
    command_default: Any = _SAME  # where the command's default differs from the library's
    schema_default: Any = _SAME  # where the workflow's default differs from the library's
    target: str = "settings"
    #: added after results existed: a checkpoint's fingerprint leaves it out at its default, so
    #: that a run's checkpoint written before it still resumes
    later: bool = False
    # bounds of a number (of each number, for a tuple): the command, Settings and the schema
    # check these, so every surface answers alike
    minimum: float | None = None
    exclusive_minimum: float | None = None
    maximum: float | None = None
    min_items: int = 0  # a tuple's fewest numbers
    pattern: str | None = None  # a text's regular expression (all of it)

    @property
    def in_config(self) -> bool:
        return self.key is not None

    @property
    def command(self) -> Any:
        return self.default if self.command_default is _SAME else self.command_default

    @property
    def schema(self) -> Any:
        return self.default if self.schema_default is _SAME else self.schema_default

    @property
    def result(self) -> bool:
        """Shapes a pixel result: a stylize param (a change reruns the cell), not ``execution``,
        the vector trace or the outline method."""
        return self.in_config and self.section not in (EXECUTION, VECTOR, OUTLINE)

    def value(self, raw: Any) -> Any:
        return raw if self.to_value is None else self.to_value(raw)

    @property
    def kind(self) -> type | None:
        """int or float: the type of the row's numbers (None: not numbers)."""
        return _number_kind(self.annotation)

    @property
    def many(self) -> bool:
        """A tuple of numbers (given comma-separated on the command)."""
        return typing.get_origin(self.annotation) is tuple

    def bound_problem(self, value: Any) -> str | None:
        """What is wrong with one number against the row's bounds (e.g. "must be at least 1"),
        or None."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"must be a {'whole number' if self.kind is int else 'number'}"
        if not math.isfinite(value):
            return "must be a finite number"
        if self.kind is int and value != int(value):
            return "must be a whole number"
        if self.minimum is not None and value < self.minimum:
            return f"must be at least {_shown(self.minimum)}"
        if self.exclusive_minimum is not None and value <= self.exclusive_minimum:
            return f"must be above {_shown(self.exclusive_minimum)}"
        if self.maximum is not None and value > self.maximum:
            return f"must be at most {_shown(self.maximum)}"
        return None

    def check(self, value: Any) -> Any:
        """``value`` (already of the row's type), or a one-line :class:`SteelError` naming the
        setting where a number breaks the row's bounds or a choice is not among its choices."""
        if value is None and (self.default is None or type(None) in typing.get_args(self.annotation)):
            return value
        if self.kind is not None:
            for number in value if self.many else (value,):
                problem = self.bound_problem(number)
                if problem is not None:
                    shown = f"[{', '.join(map(_shown, value))}]" if self.many else _shown(value)
                    raise SteelError(f"{self.name} {problem}, not {shown}")
        elif self.choices is not None and str(value).lower() not in self.choices:
            raise SteelError(f"unknown {self.name} {value!r}; use one of {', '.join(self.choices)}")
        elif self.pattern is not None and not re.fullmatch(self.pattern, str(value)):
            raise SteelError(f"unknown {self.name} {value!r}; use {self.help}")
        return value

    def from_text(self, text: str) -> Any:
        """The command's text as the row's value (a ValueError's message is the user's one line)."""
        kind = self.kind
        try:
            parts = [kind(part) for part in text.split(",")] if self.many else [kind(text)]
        except ValueError:
            what = "whole number" if kind is int else "number"
            raise ValueError(
                f"{text!r} is not a comma-separated list of {what}s"
                if self.many
                else f"{text!r} is not a {what}"
            ) from None
        for part in parts:
            problem = self.bound_problem(part)
            if problem is not None:
                raise ValueError(f"{_shown(part)} {problem}")
        return tuple(parts) if self.many else parts[0]
