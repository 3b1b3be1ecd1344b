"""The optimisation: only the pixels move; one batch element per cell of coefficients.

At its centre is a plain step loop (:func:`step_loop`): one step, then whatever is due after it.
Everything else wraps it. :class:`StageOptimiser` is one stage's pixels, loss and optimiser, whose
step is Adam's, L-BFGS's or, with Adam on CUDA, the same step captured once as a CUDA graph and
replayed (:mod:`steel.transfer.cuda_graphs`; ``fast``). :func:`stylize` runs the stages coarse to
fine (:mod:`steel.transfer.stages`), each from the previous one's result, and after each step
logs (a :class:`steel.transfer.progress.StepLog` for the bar and the caller), snapshots (to disk as
it goes, :mod:`steel.transfer.snapshots`) and checkpoints (:mod:`steel.transfer.checkpoints`) every
so many steps. Style and content targets are computed once per stage; nothing that reads values
back runs at every step.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from steel.errors import Interrupted, SteelError
from steel.layers import check_coefficients, ordered
from steel.plan.run_folder import SNAPSHOT_SPOOL, checkpoint_part
from steel.settings import DEFAULT_SETTINGS, Settings
from steel.transfer import cuda_graphs
from steel.transfer.checkpoints import (
    Unusable,
    check_optimizer_state,
    fingerprint,
    read_checkpoint,
    write_checkpoint,
)
from steel.transfer.devices import out_of_memory
from steel.transfer.features import VGGFeatures
from steel.transfer.progress import OnLog, ProgressBar, StepLog
from steel.transfer.snapshots import JoinedSnapshots, Snapshots
from steel.transfer.stage_step import StageOptimiser, luminance_or_channel
from steel.transfer.stages import (
    Stage,
    at_scale,
    initial_image,
    network_targets,
    resized,
    stages,
)
from steel.transfer.styles import StyleBlend, as_blend
from steel.transfer.weights import Weights

_SUMMARY = ("total", "content", "style", "tv", "shape")


@dataclass
class Result:
    images: torch.Tensor  # (B, 3, H, W), 0-255, on the CPU
    logs: list[list[dict[str, float]]]  # per cell: one row per logged iteration
    #: (step, uint8 batch) one at a time, read from disk (None: no snapshots were asked for)
    snapshots: Snapshots | JoinedSnapshots | None = None
    seconds: float = 0.0  # optimisation wall time in this process
    steps_run: int = 0  # steps run in this process (fewer than iterations after a resume)
    resumed_from: int = 0
    step_mode: str = "eager"  # "cuda graph" when the fast path ran
    fallback: str | None = None  # why the fast path did not run, where it was asked for or failed


def step_loop(step: Callable[[], None], steps: range, after_step: Callable[[int], None]) -> None:
    """The optimisation itself: ``step()`` once for each of ``steps``, then ``after_step(done)``
    with the number of steps done."""
    for done in steps:
        step()
        after_step(done + 1)


def stylize(
    weights: Weights,
    style: torch.Tensor | StyleBlend,
    content: torch.Tensor,
    cells: Sequence[Mapping[str, float]],
    *,
    settings: Settings = DEFAULT_SETTINGS,
    device: torch.device | str = "cpu",
    progress: bool | None = None,
    checkpoint: Path | None = None,
    checkpoint_every: int = 0,
    on_log: OnLog | None = None,
    fast: bool | None = None,
    snapshots: Path | None = None,
) -> Result:
    """Optimise one image per cell, all from one style (an image, or a blend of several:
    :class:`steel.transfer.styles.StyleBlend`) and one content image.

    ``cells`` are layer -> coefficient mappings. With Adam they are optimised together as one
    batch (Adam is element-wise and the network frozen, so each image is what a run of its own
    would give); L-BFGS couples all pixels, so its cells run one after the other.
    ``progress=None`` shows a bar only on a terminal; ``on_log`` sees each logged step's
    :class:`StepLog`. With ``checkpoint`` set, state is saved there every ``checkpoint_every`` steps
    and a matching checkpoint is resumed. ``snapshots``: the folder the snapshots
    (``settings.snapshot_every``) are written to as the run goes (None: beside the checkpoint, or a
    temporary one); a resumed run keeps those taken before its checkpoint.
    ``fast`` (an execution choice, not a setting: results equal the eager loop's within float
    rounding) replays each Adam step as a CUDA graph; ``None`` uses it where it can run (Adam on
    CUDA), ``True`` also says why when it cannot, ``False`` runs the eager loop. A failed capture
    falls back to the eager loop with a warning.
    """
    cells = [check_coefficients(c) for c in cells]
    if not cells:
        raise SteelError("no cells to optimise")
    for c in cells:
        if not c:
            raise SteelError("a cell has no active style layer; give at least one layer a coefficient > 0")
    device = torch.device(device)
    reason = cuda_graphs.refusal(device, settings.optimizer) if fast is not False else None
    if reason and fast:
        cuda_graphs.say_why(reason)  # once, also for L-BFGS's one-cell parts below
    if snapshots is None and checkpoint is not None:  # kept with the checkpoint, for a resume
        snapshots = checkpoint.parent / SNAPSHOT_SPOOL
    if settings.optimizer == "lbfgs" and len(cells) > 1:
        return _one_cell_after_the_other(
            weights, style, content, cells, settings, device, progress, checkpoint, checkpoint_every,
            on_log, snapshots, reason if fast else None,
        )  # fmt: skip
    run = Run(weights, style, content, cells, settings, device, checkpoint, checkpoint_every)
    run.use_graph = fast is not False and reason is None
    result = run.run(progress, on_log, Snapshots(snapshots) if settings.snapshot_every else None)
    if result.fallback is None and reason and fast:
        result.fallback = reason
    return result


def _one_cell_after_the_other(
    weights, style, content, cells, settings, device, progress, checkpoint, checkpoint_every, on_log,
    snapshots, fallback,
) -> Result:  # fmt: skip
    """L-BFGS's cells as runs of one cell each (its own checkpoint and snapshot folder), joined."""

    def part(path: Path | None, i: int) -> Path | None:
        return path.with_name(checkpoint_part(path.name, i)) if path else None

    parts = [
        stylize(
            weights,
            style,
            content,
            [c],
            settings=settings,
            device=device,
            progress=progress,
            checkpoint=part(checkpoint, i),
            checkpoint_every=checkpoint_every,
            on_log=on_log,
            fast=False,  # L-BFGS: the eager loop (said by the caller when the fast path was asked for)
            snapshots=part(snapshots, i),
        )
        for i, c in enumerate(cells)
    ]
    for i in range(len(cells)):  # all cells done: their checkpoints are no longer needed
        if checkpoint:
            part(checkpoint, i).unlink(missing_ok=True)
    return Result(
        images=torch.cat([p.images for p in parts]),
        logs=[p.logs[0] for p in parts],
        snapshots=JoinedSnapshots([p.snapshots for p in parts]) if settings.snapshot_every else None,
        seconds=sum(p.seconds for p in parts),
        steps_run=sum(p.steps_run for p in parts),
        resumed_from=min(p.resumed_from for p in parts),
        fallback=fallback,
    )


class Run:
    """One run's state across its stages: the network, the full-size targets, the logs, the
    current stage and step; checkpoints saved and resumed."""

    def __init__(self, weights, style, content, cells, settings: Settings, device, checkpoint, every: int):
        self.settings, self.device, self.cells = settings, device, cells
        self.use_graph, self.fallback = False, None
        self.checkpoint, self.checkpoint_every = checkpoint, every
        self.fingerprint = fingerprint(weights, style, content, cells, settings) if checkpoint else None
        self.stages = stages(settings, content.shape[2], content.shape[3])
        style_layers = ordered({name for c in cells for name in c})
        self.extractor = VGGFeatures(weights, [*style_layers, settings.content_layer]).to(device)
        self.cuda = device.type == "cuda"
        self.memory_format = (
            torch.channels_last if settings.channels_last and self.cuda else torch.contiguous_format
        )
        self.extractor.to(memory_format=self.memory_format)
        style, content = as_blend(style).map(lambda image: image.to(device)), content.to(device)
        self.grey = settings.colour == "grey"
        self.full_style, self.full_content = network_targets(style, content, settings)
        self.logs: list[list[dict[str, float]]] = [[] for _ in cells]
        self.snapshots: Snapshots | None = None
        self.step = 0
        self.stage: StageOptimiser | None = None

    # --- the pixels between stages

    def enter(self, stage: Stage, previous: StageOptimiser | None) -> StageOptimiser:
        """``stage``'s optimiser; its pixels carry ``previous``'s change (none: the start image)."""
        if previous is None:
            style = at_scale(self.full_style.leading, stage.scale)
            content = resized(self.full_content, stage.height, stage.width)
            start = initial_image(self.settings.init, content, style, self.settings.seed)
            if self.grey:
                start = luminance_or_channel(start, self.settings.init)
            start = start.repeat(len(self.cells), 1, 1, 1)
        else:  # before the content changes size: the change is from the content
            start = self.carried(previous, stage.height, stage.width)
        self.stage = StageOptimiser(self, stage, start)
        return self.stage

    def carried(self, stage: StageOptimiser, height: int, width: int) -> torch.Tensor:
        """``stage``'s pixels at another size: the content at that size plus their change from the content."""
        x = stage.x
        if tuple(x.shape[2:]) == (height, width):
            return x.detach().clone()
        channels = x.shape[1]
        with torch.no_grad():
            change = x.detach() - stage.content[:, :channels]
            target = resized(self.full_content, height, width)[:, :channels]
            return (target + resized(change, height, width)).clamp_(0, 255)

    def image(self, x: torch.Tensor | None = None) -> torch.Tensor:
        """The (B, 3, H, W) image the network sees: the pixels, a grey channel replicated (a view)."""
        x = self.stage.x if x is None else x
        return x.expand(-1, 3, -1, -1) if self.grey else x

    def full_image(self) -> torch.Tensor:
        """What the run would return if it stopped now: the pixels carried to the full size."""
        return self.image(self.carried(self.stage, *self.full_content.shape[2:]))

    # --- what is due after a step

    def record(self, step: int, parts: dict[str, torch.Tensor]) -> StepLog:
        names = list(parts)
        values = torch.stack([parts[n].detach().float() for n in names]).cpu().tolist()
        rows = []
        for b, log in enumerate(self.logs):
            row = {"iteration": step} | {
                n: values[i][b] for i, n in enumerate(names) if n in _SUMMARY or n in self.cells[b]
            }
            if not all(map(lambda v: v == v and abs(v) != float("inf"), row.values())):
                raise SteelError(
                    f"the loss became {row['total']} at iteration {step}; lower the learning rate "
                    "or the coefficients (or switch off amp)"
                )
            if len(self.stages) > 1:  # losses of a coarse stage are at its size: say which
                row["scale"] = self.stage.stage.scale
            log.append(row)
            rows.append(row)
        return StepLog(step, self.settings.total_iterations, tuple(rows))

    def snapshot(self, step: int) -> None:
        self.snapshots.add(step, self.full_image().detach().round().clamp(0, 255).byte().cpu())

    def save_checkpoint(self) -> None:
        x = self.stage.x
        if not bool(torch.isfinite(x).all()):
            raise SteelError(
                f"the image has non-finite pixels at iteration {self.step}; lower the learning rate "
                "or the coefficients (or switch off amp)"
            )
        state = {
            "fingerprint": self.fingerprint,
            "step": self.step,
            "x": x.detach().cpu(),
            "optimizer": self.stage.optimizer.state_dict(),
            "scheduler": self.stage.scheduler.state_dict() if self.stage.scheduler else None,
            "logs": self.logs,
            "snapshots": [],  # on disk, in the run's snapshot folder
        }
        try:
            write_checkpoint(state, self.checkpoint)
        except OSError as error:  # a full disk, a folder made read-only mid-run
            raise SteelError(
                f"cannot write the checkpoint {self.checkpoint} ({error.strerror or error}); free some "
                "space, or checkpoint less often (--checkpoint-every, execution.checkpoint_every; 0: none)"
            ) from None

    # --- resuming

    def stage_at(self, step: int) -> Stage:
        """The stage whose pixels a checkpoint taken after ``step`` steps holds."""
        return next(stage for stage in self.stages if stage.first_step < step <= stage.end_step)

    def resume(self) -> bool:
        """Resume this run's checkpoint, if there is one: its stage entered, its state restored.

        Another run's checkpoint (another fingerprint) is passed over; one that is damaged, forged
        or does not fit is passed over too, saying so: the run starts over and overwrites it.
        """
        if not (self.checkpoint and self.checkpoint.is_file()):
            return False
        try:
            state = read_checkpoint(self.checkpoint, self.device)
            found = state["fingerprint"]
            if not (isinstance(found, str) and found == self.fingerprint):
                return False
            self._check(state)
        except Unusable as unusable:
            return self._start_over(str(unusable))
        stage = self.enter(self.stage_at(state["step"]), None)
        try:
            stage.restore(state)
        except (AttributeError, KeyError, TypeError, ValueError, IndexError, RuntimeError) as error:  # forged
            if out_of_memory(error):
                raise
            return self._start_over(f"does not fit this run ({type(error).__name__}: {error})")
        self.logs, self.step = state["logs"], state["step"]
        if self.snapshots is not None:
            for step, images in state["snapshots"]:  # a checkpoint that carried them in memory
                self.snapshots.add(step, images)
            self.snapshots.keep_until(self.step)  # those after the checkpoint are taken again
        return True

    def _start_over(self, why: str) -> bool:
        warnings.warn(f"steel: the checkpoint {self.checkpoint} {why}; starting over", RuntimeWarning, 3)
        self.logs, self.step = [[] for _ in self.cells], 0
        return False

    def _check(self, state: dict) -> None:
        """A checkpoint of this run's fingerprint holds what this run can go on from."""
        step, x, total = state["step"], state["x"], self.settings.total_iterations
        if type(step) is not int or not 0 < step <= total:
            raise Unusable(f"stopped at step {step!r}, not within this run's 1-{total}")
        stage = self.stage_at(step)
        shape = (len(self.cells), 1 if self.grey else 3, stage.height, stage.width)
        if not (isinstance(x, torch.Tensor) and x.is_floating_point() and tuple(x.shape) == shape):
            raise Unusable(f"holds no float image of shape {shape}")
        if not bool(torch.isfinite(x).all()):
            raise Unusable("holds non-finite pixels")
        logs, snapshots = state["logs"], state["snapshots"]
        if not (isinstance(logs, list) and len(logs) == len(self.cells)) or not all(
            isinstance(log, list) and all(isinstance(row, dict) for row in log) for log in logs
        ):
            raise Unusable(f"holds no logs of {len(self.cells)} cell(s)")
        if not isinstance(snapshots, list) or not all(
            isinstance(s, list | tuple) and len(s) == 2 and type(s[0]) is int for s in snapshots
        ):
            raise Unusable("holds snapshots that are not (step, images) pairs")
        check_optimizer_state(state["optimizer"], x)

    # --- the run

    def run(self, progress: bool | None, on_log: OnLog | None, snapshots: Snapshots | None) -> Result:
        self.snapshots = snapshots
        total = self.settings.total_iterations
        resumed = self.step if self.resume() else 0
        if snapshots is not None and not resumed:
            snapshots.keep_until(-1)  # an earlier, unfinished run's
        bar = ProgressBar(total, resumed, progress)
        listeners = [bar, *([on_log] if on_log else [])]
        self.step = resumed
        try:
            result = self._stages(resumed, bar, listeners)
        except KeyboardInterrupt:
            bar.close()
            with torch.no_grad():
                images = self.image().detach().clamp(0, 255).contiguous().cpu()
            raise Interrupted(self.step, total, images, self.logs) from None
        bar.close()
        return result

    def _stages(self, resumed: int, bar: ProgressBar, listeners: list[OnLog]) -> Result:
        """The stages coarse to fine around :func:`step_loop`, logging, snapshots and checkpoints
        due after each step."""
        s = self.settings
        total = s.total_iterations
        seconds, graphed, previous = 0.0, False, None
        first = self.stages.index(self.stage.stage) if resumed else 0

        def after_step(done: int) -> None:
            if (done - 1) % s.log_every == 0:
                event = self.record(done - 1, self.stage.parts)
                for listener in listeners:
                    listener(event)
            self.step = done
            bar.tick()
            if s.snapshot_every and done % s.snapshot_every == 0:
                self.snapshot(done)
            if self.checkpoint_every and self.checkpoint and done % self.checkpoint_every == 0:
                self.save_checkpoint()

        for stage in self.stages[first:]:
            optimiser = self.stage
            if not (resumed and stage is self.stages[first]):  # that one resume() entered and restored
                optimiser = self.enter(stage, previous)
                self.step = stage.first_step
            if s.snapshot_every and self.step == 0:
                self.snapshot(0)
            # capture (a few warm-up steps, undone) is setup, like the targets: not in Result.seconds
            if self.use_graph and self.step < stage.end_step:
                optimiser.capture()
            graphed = optimiser.graphed is not None
            started = time.perf_counter()
            step_loop(optimiser.step, range(self.step, stage.end_step), after_step)
            if self.cuda:
                torch.cuda.synchronize(self.device)
            seconds += time.perf_counter() - started
            with torch.no_grad():
                optimiser.x.clamp_(0, 255)
            previous = optimiser
        if not self.logs[0] or self.logs[0][-1]["iteration"] != total:
            with torch.no_grad():
                event = self.record(total, self.stage.losses())
            for listener in listeners[1:]:  # the bar is done
                listener(event)
        if s.snapshot_every and self.snapshots.steps()[-1:] != [total]:
            self.snapshot(total)
        return Result(
            self.image().detach().contiguous().cpu(),
            self.logs,
            self.snapshots,
            seconds,
            total - resumed,
            resumed,
            "cuda graph" if graphed else "eager",
            self.fallback,
        )
