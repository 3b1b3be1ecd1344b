"""The convergence study: what each optimisation schedule reaches, against what it costs.

A *schedule* is one setting of the optimiser (Adam at a learning-rate schedule, coarse to fine over
``image.scales``, L-BFGS); the *reference* is the config's own settings (the paper's Adam). For one
style x content pair and a few cells, :func:`trace` runs a schedule with snapshots every so many
global steps and scores each snapshot at the full working size: the style and content loss against
the full-size targets (:class:`FullSizeLoss`, the optimiser's own
:class:`steel.transfer.losses.StyleTransferLoss`) and the metrics of :mod:`steel.evaluate.metrics`
(style strength, CER, artefacts), against the network FLOPs
spent so far (:func:`flops_at`). :func:`summarise` finds where each schedule first reaches the
reference's final look; :func:`steel.jobs.convergence.trace_job` and
:func:`steel.jobs.convergence.pair_job` are the workflow's two jobs.

FLOPs, the counting convention (:func:`step_flops`): one optimisation step is one forward pass of
the VGG16 truncated after the deepest layer the cell needs (its style layers and the content
layer) plus the backward pass to the input pixels only: the weights are frozen, so no weight
gradient is computed. A 3x3 convolution of C_in to C_out maps on an H x W map costs
2 * 9 * C_in * C_out * H * W FLOPs (a multiply-add is 2), forward; its backward to the input is
the same count again (a transposed convolution). Only convolutions are counted: biases, ReLUs,
max-pooling, the input normalisation, the Gram matrices and the losses are left out (the Gram
matrices, the largest of them, add under 10 % for the paper's best cell), and so is the optimiser's
own arithmetic (element-wise for Adam; L-BFGS's two-loop recursion over its 50 pairs is a few
hundred operations per pixel, against hundreds of thousands for the network). This is what
``torch.utils.flop_counter.FlopCounterMode`` counts for the convolutions and their backward
(tests/evaluate/test_convergence.py). A max-pooling halves H and W, rounding down, as VGG16's does.

A step at a coarse scale costs :func:`step_flops` at that stage's size, so coarse steps are cheaper.
An Adam step evaluates the network once; an L-BFGS step too (torch's L-BFGS with ``max_iter=1``
and no line search calls its closure once per step: :data:`EVALUATIONS_PER_STEP`). Targets (one
forward pass each of style and content, per stage) and the final re-evaluation are set-up and not
counted. Each cell of a batch counts its own network pass.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from steel.errors import SteelError
from steel.layers import LAYER_INDEX, LAYERS, block_of, cell_id, ordered
from steel.plan.schedules import REFERENCE

if TYPE_CHECKING:
    import torch

    from steel.settings import Settings
    from steel.transfer.stages import Stage
    from steel.transfer.weights import Weights

#: output maps of the convolutions of each VGG16 block (configuration "D")
BLOCK_CHANNELS = (64, 128, 256, 512, 512)
#: network evaluations (forward + backward to the pixels) per optimiser step
EVALUATIONS_PER_STEP = {"adam": 1, "lbfgs": 1}
#: the goal band of style strength around the reference's final value
STRENGTH_BAND = 0.02
#: the study's goal: the reference's look in at most this share of its FLOPs
GOAL_RATIO = 0.1
#: the columns of a trace, in order (``cell`` and ``schedule`` name the line)
TRACE_COLUMNS = (
    "schedule",
    "settings",
    "cell",
    "step",
    "scale",
    "flops",
    "style_loss",
    "content_loss",
    "total_loss",
    "style_strength",
    "cer",
    "artefacts",
    "colour_share",
    "run_seconds",
)


# --- FLOPs ------------------------------------------------------------------------------------


def step_flops(height: int, width: int, layers: Sequence[str]) -> int:
    """Network FLOPs of one optimisation step of one image of ``height`` x ``width`` px whose
    network is cut after the deepest of ``layers`` (module docstring: convolutions only, forward
    plus backward to the input)."""
    names = ordered(layers)
    if not names:
        raise SteelError("no layers given; name the cell's style layers and the content layer")
    if int(height) < 1 or int(width) < 1:
        raise SteelError(f"an image of {width}x{height} px has no pixels; give a positive size")
    deepest = LAYER_INDEX[names[-1]]
    h, w, maps, forward = int(height), int(width), 3, 0
    for name in LAYERS[: deepest + 1]:
        if name.startswith("conv"):
            out = BLOCK_CHANNELS[block_of(name) - 1]
            forward += 2 * 9 * maps * out * h * w
            maps = out
        elif name.startswith("pool"):
            h, w = h // 2, w // 2
    return 2 * forward


def cell_layers(cell: Mapping[str, float], content_layer: str) -> list[str]:
    """The layers a cell's network must reach: its active style layers and the content layer."""
    return ordered([*(name for name, value in cell.items() if value), content_layer])


def run_stages(settings: Settings, height: int, width: int) -> list[Stage]:
    """The stages of a run at full size ``height`` x ``width`` (:func:`steel.transfer.stages.stages`)."""
    from steel.transfer.stages import stages

    return stages(settings, int(height), int(width))


def flops_at(step: int, stages: Sequence[Stage], layers: Sequence[str], optimizer: str = "adam") -> int:
    """Network FLOPs spent by one cell after ``step`` global steps of a run made of ``stages``."""
    evaluations = EVALUATIONS_PER_STEP[optimizer]
    spent = 0
    for stage in stages:
        done = min(max(int(step) - stage.first_step, 0), stage.iterations)
        spent += done * evaluations * step_flops(stage.height, stage.width, layers)
    return spent


def run_flops(settings: Settings, cell: Mapping[str, float], height: int, width: int) -> int:
    """Network FLOPs of a whole run of one cell at ``height`` x ``width`` px (its full size)."""
    stages = run_stages(settings, height, width)
    return flops_at(
        settings.total_iterations, stages, cell_layers(cell, settings.content_layer), settings.optimizer
    )


def _stage_scale(step: int, stages: Sequence[Stage]) -> float:
    """The scale of the stage that produced the image after ``step`` global steps."""
    for stage in stages:
        if step <= stage.first_step + stage.iterations:
            return float(stage.scale)
    return float(stages[-1].scale)


def describe(settings: Settings) -> str:
    """A schedule in a few words: optimiser, learning rate (and its schedule), scales, steps."""
    words = [settings.optimizer, f"lr {settings.lr:g}"]
    if settings.lr_schedule != "constant":
        words.append(f"{settings.lr_schedule} to {settings.lr_final:g}")
    scales = settings.scales
    if scales != (1.0,):
        steps = settings.stage_iterations
        words.append(
            "scales " + ",".join(f"{s:g}" for s in scales) + " x " + "+".join(map(str, steps)) + " steps"
        )
    else:
        words.append(f"{settings.iterations} steps")
    return " ".join(words)


# --- the loss at full size --------------------------------------------------------------------


class FullSizeLoss:
    """The optimiser's loss of given full-size images against the full-size targets.

    Built as :class:`steel.transfer.optimise.stylize` builds its own at full size (the same
    :class:`steel.transfer.features.VGGFeatures` and :class:`steel.transfer.losses.StyleTransferLoss`, grey
    targets
    for ``colour: grey``, the shape term when it is on), so that for a run without a schedule it
    gives the loss the optimiser logs; for a coarse-to-fine run it scores the coarse stages'
    images at the size they will end at, where their own logged losses are at the coarse size.
    """

    def __init__(
        self,
        weights: Weights,
        style: torch.Tensor,
        content: torch.Tensor,
        cells: Sequence[Mapping[str, float]],
        settings: Settings,
        device: torch.device | str = "cpu",
    ):
        import torch

        from steel.transfer.features import VGGFeatures
        from steel.transfer.stages import network_targets, target_loss
        from steel.transfer.styles import as_blend

        self.device = torch.device(device)
        style_layers = ordered({name for cell in cells for name in cell})
        self.extractor = VGGFeatures(weights, [*style_layers, settings.content_layer]).to(self.device)
        style = as_blend(style).map(lambda image: image.to(self.device))
        style, content = network_targets(style, content.to(self.device), settings)
        self.loss = target_loss(self.extractor, style, content, cells, settings).to(self.device)
        self.size = tuple(content.shape[2:])
        self.cells = len(cells)

    def __call__(self, images: torch.Tensor) -> dict[str, list[float]]:
        """Per-image losses (``total``, ``content``, ``style``, ...) of a (B, 3, H, W) batch on
        0-255, one image per cell, at the full size."""
        import torch

        if tuple(images.shape[2:]) != self.size or images.shape[0] != self.cells:
            raise SteelError(
                f"images of {tuple(images.shape)} given for {self.cells} cell(s) at "
                f"{self.size[1]}x{self.size[0]} px; pass one full-size image per cell"
            )
        with torch.no_grad():
            x = images.to(self.device, torch.float32)
            parts = self.loss(self.extractor(x), x)
        return {name: value.float().cpu().tolist() for name, value in parts.items()}


# --- one schedule -------------------------------------------------------------------------------


def trace(
    weights: Weights,
    style: torch.Tensor,
    content: torch.Tensor,
    cells: Sequence[Mapping[str, float]],
    settings: Settings,
    every: int,
    text: str | None = None,
    *,
    schedule: str = REFERENCE,
    device: torch.device | str = "cpu",
    progress: bool | None = None,
    on_log=None,
) -> list[dict]:
    """Run one schedule and score it every ``every`` global steps: one row per snapshot and cell
    (:data:`TRACE_COLUMNS`: step, scale of the stage, network FLOPs spent, full-size style,
    content and total loss, style strength, CER, artefacts, colour share, the run's wall time).

    ``style`` and ``content`` are (1, 3, H, W) on 0-255 as the optimiser takes them (inverted
    already where the logo is light on dark; the style may be a blend of such,
    :class:`steel.transfer.styles.StyleBlend`); the snapshots are scored in that space.
    """
    from steel.evaluate.metrics import cell_metrics
    from steel.io.images import to_pil
    from steel.transfer.optimise import stylize
    from steel.transfer.styles import as_pictures

    if int(every) < 1:
        raise SteelError(f"convergence.every must be at least 1, not {every}")
    settings = dataclasses.replace(settings, snapshot_every=int(every))
    started = time.perf_counter()
    result = stylize(
        weights, style, content, cells, settings=settings, device=device, progress=progress, on_log=on_log
    )
    seconds = round(time.perf_counter() - started, 3)
    height, width = content.shape[2:]
    stages = run_stages(settings, height, width)
    evaluate = FullSizeLoss(weights, style, content, cells, settings, device)
    content_image, style_image = to_pil(content), as_pictures(style)
    description = describe(settings)
    ids = [cell_id(cell) for cell in cells]
    layers = [cell_layers(cell, settings.content_layer) for cell in cells]
    rows = []
    for step, frames in result.snapshots:
        losses = evaluate(frames.float())
        for i, cell in enumerate(ids):
            metrics = cell_metrics(
                to_pil(frames[i].float()), content_image, style_image, text, weights, threads=1
            )
            rows.append(
                {
                    "schedule": schedule,
                    "settings": description,
                    "cell": cell,
                    "step": int(step),
                    "scale": _stage_scale(step, stages),
                    "flops": flops_at(step, stages, layers[i], settings.optimizer),
                    "style_loss": losses["style"][i],
                    "content_loss": losses["content"][i],
                    "total_loss": losses["total"][i],
                    "style_strength": metrics["style_strength"],
                    "cer": metrics["cer"],
                    "artefacts": metrics["artefacts"],
                    "colour_share": metrics["colour_share"],
                    "run_seconds": seconds,
                }
            )
    return rows


# --- the summary ------------------------------------------------------------------------------


def _cer_ok(cer, limit) -> bool:
    return limit is None or (cer is not None and cer <= limit)


def summarise(rows: Sequence[Mapping], reference: str = REFERENCE) -> list[dict]:
    """Per cell and schedule: where it first reaches the reference's final look.

    The goal: the reference's final full-size style loss or lower, style strength
    come to within :data:`STRENGTH_BAND` of the reference's final value (at least that value minus
    the band: a stronger style counts as reached; the plot shows by how much), and CER no worse
    than the reference's final CER (not judged where there is no CER). ``goal_flops`` is the network FLOPs
    of the first snapshot that meets all three (``None``: never), ``ratio`` that over the
    reference's FLOPs for its whole run, ``meets_goal`` whether the ratio is at most
    :data:`GOAL_RATIO`. ``look_ratio`` is the same for style loss and strength alone (CER not
    judged), and ``budget_*`` are the last snapshot within :data:`GOAL_RATIO` of the reference's
    FLOPs (step, style loss, style strength, CER, artefacts). The reference itself is summarised
    the same way.
    """
    by_line: dict[tuple[str, str], list[Mapping]] = {}
    for row in rows:
        by_line.setdefault((str(row["cell"]), str(row["schedule"])), []).append(row)
    summary = []
    for cell in dict.fromkeys(c for c, _ in by_line):
        if (cell, reference) not in by_line:
            raise SteelError(f"no {reference!r} trace for cell {cell}; the summary needs the reference line")
        final = max(by_line[(cell, reference)], key=lambda r: r["step"])
        budget = final["flops"]
        for (line_cell, schedule), line in by_line.items():
            if line_cell != cell:
                continue
            line = sorted(line, key=lambda r: r["step"])
            looks = [
                r
                for r in line
                if r["style_loss"] <= final["style_loss"]
                and r["style_strength"] is not None
                and final["style_strength"] is not None
                and r["style_strength"] >= final["style_strength"] - STRENGTH_BAND
            ]
            reached = next((r for r in looks if _cer_ok(r["cer"], final["cer"])), None)
            last = line[-1]
            ratio = None if reached is None or not budget else reached["flops"] / budget
            look_ratio = None if not looks or not budget else looks[0]["flops"] / budget
            within = [r for r in line if r["flops"] <= GOAL_RATIO * budget] or [{}]
            summary.append(
                {
                    "cell": cell,
                    "schedule": schedule,
                    "settings": last.get("settings"),
                    "steps": last["step"],
                    "flops": last["flops"],
                    "run_seconds": last.get("run_seconds"),
                    "style_loss": last["style_loss"],
                    "style_strength": last["style_strength"],
                    "cer": last["cer"],
                    "artefacts": last["artefacts"],
                    "goal_step": None if reached is None else reached["step"],
                    "goal_flops": None if reached is None else reached["flops"],
                    "ratio": None if ratio is None else round(ratio, 4),
                    "meets_goal": ratio is not None and ratio <= GOAL_RATIO,
                    "look_ratio": None if look_ratio is None else round(look_ratio, 4),
                    **{
                        f"budget_{key}": within[-1].get(key)
                        for key in ("step", "style_loss", "style_strength", "cer", "artefacts")
                    },
                }
            )
    return summary


def _number(value, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) and abs(value) < 10**6:
        return str(value)
    value = float(value)
    if value != 0 and (abs(value) >= 1e4 or abs(value) < 1e-2):
        return f"{value:.{digits - 1}e}"
    return f"{value:.{digits}g}"


def _table(rows: Sequence[Mapping], columns: Sequence[tuple[str, str]]) -> list[str]:
    lines = ["| " + " | ".join(h for _, h in columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [str(row[k] or "") if k in ("schedule", "settings") else _number(row[k]) for k, _ in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def summary_markdown(summary: Sequence[Mapping], title: str, reference: str = REFERENCE) -> str:
    """The summary as a short markdown page: two tables per cell (the runs' ends, the goal)."""
    lines = [
        f"# Convergence: {title}",
        "",
        f"Goal: the {reference}'s final full-size style loss or lower, style strength at least "
        f"its final value - {STRENGTH_BAND}, CER no worse, in at most {GOAL_RATIO:g} of its "
        "network FLOPs (steel.evaluate.convergence). Losses are evaluated at the full size; FLOPs count "
        "the convolutions forward and backward to the pixels.",
    ]
    ends = (
        ("schedule", "schedule"),
        ("settings", "settings"),
        ("steps", "steps"),
        ("flops", "FLOPs"),
        ("run_seconds", "s"),
        ("style_loss", "style loss"),
        ("style_strength", "style strength"),
        ("cer", "CER"),
        ("artefacts", "artefacts"),
    )
    goals = (
        ("schedule", "schedule"),
        ("goal_step", "goal at step"),
        ("goal_flops", "goal at FLOPs"),
        ("ratio", "ratio"),
        ("meets_goal", f"<= {GOAL_RATIO:g}"),
        ("look_ratio", "ratio, loss and strength only"),
        ("budget_step", f"step at {GOAL_RATIO:g} of the FLOPs"),
        ("budget_style_loss", "style loss there"),
        ("budget_style_strength", "style strength there"),
        ("budget_cer", "CER there"),
        ("budget_artefacts", "artefacts there"),
    )
    for cell in dict.fromkeys(row["cell"] for row in summary):
        rows = [r for r in summary if r["cell"] == cell]
        lines += ["", f"## {cell}", "", "At the end of each run:", "", *_table(rows, ends)]
        lines += ["", f"Against the {reference}'s final look:", "", *_table(rows, goals)]
    return "\n".join(lines) + "\n"


__all__ = [
    "BLOCK_CHANNELS",
    "EVALUATIONS_PER_STEP",
    "GOAL_RATIO",
    "REFERENCE",
    "STRENGTH_BAND",
    "TRACE_COLUMNS",
    "FullSizeLoss",
    "cell_layers",
    "flops_at",
    "run_flops",
    "run_stages",
    "step_flops",
    "summarise",
    "summary_markdown",
    "trace",
]
