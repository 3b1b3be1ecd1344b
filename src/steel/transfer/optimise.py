"""The optimisation loop: only the pixels move; one batch element per cell of coefficients.

Style and content targets are computed once. Per step the loop does one forward pass of the
truncated VGG16, the Gram matrices of the active layers, one backward pass, the optimiser step
and a clamp to 0-255; anything that reads values back (logging, snapshots, checkpoints) runs only
every so many steps. With Adam on CUDA the step is captured once as a CUDA graph and replayed
(steel.transfer.cuda_graphs; ``fast``), elsewhere it runs eagerly.

Schedules: ``scales`` optimises coarse to fine, each stage at a fraction of the width
with its own targets; a stage starts from the content at its size plus the previous stage's
change from the content, upsampled, so the content's sharp edges are never blurred by the
upsampling, only the added strokes are. The optimiser starts afresh at each stage (a pixel's
gradient and its moments do not carry over between sizes). ``lr_schedule`` anneals the learning
rate within each stage.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from steel.errors import Interrupted, SteelError
from steel.io.images import fit_on_white, to_pil, to_tensor
from steel.io.outputs import StagedFiles
from steel.layers import check_coefficients, ordered
from steel.plan.run_folder import checkpoint_part
from steel.result_version import RESULT_VERSION
from steel.settings import DEFAULT_SETTINGS, Settings, fingerprint_fields
from steel.transfer import cuda_graphs
from steel.transfer.devices import out_of_memory
from steel.transfer.features import VGGFeatures
from steel.transfer.losses import StyleTransferLoss, luminance
from steel.transfer.weights import Weights

_SUMMARY = ("total", "content", "style", "tv", "shape")
#: a coarse stage's shorter side may not fall below this (four poolings of the network)
MIN_STAGE_SIDE = 16


@dataclass(frozen=True)
class Stage:
    """One scale of a run: its size and its steps, counted over the whole run."""

    scale: float
    height: int
    width: int
    iterations: int
    first_step: int

    @property
    def end_step(self) -> int:
        return self.first_step + self.iterations


def stages(settings: Settings, height: int, width: int) -> list[Stage]:
    """The stages of a run on a ``height`` x ``width`` image: one per scale, the last full size."""
    found, first = [], 0
    for scale, iterations in zip(settings.scales, settings.stage_iterations, strict=True):
        size = (height, width) if scale == 1.0 else (round(height * scale), round(width * scale))
        if min(size) < MIN_STAGE_SIDE:
            raise SteelError(
                f"scale {scale:g} makes the {width}x{height} px image {size[1]}x{size[0]} px, smaller "
                f"than the network's {MIN_STAGE_SIDE} px; use a larger width or a larger first scale"
            )
        found.append(Stage(scale, *size, iterations, first))
        first += iterations
    return found


def resized(images: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """``images`` (B, C, H, W) at another size: antialiased bilinear (none at the same size)."""
    if tuple(images.shape[2:]) == (height, width):
        return images
    return F.interpolate(images, size=(height, width), mode="bilinear", antialias=True, align_corners=False)


def network_targets(style: torch.Tensor, content: torch.Tensor, settings: Settings) -> tuple:
    """The style and content images as the targets are computed from: grey logos for a grey run
    (a grey image cannot match colour Grams), else as they are."""
    if settings.colour == "grey":
        return luminance(style).expand(-1, 3, -1, -1), luminance(content).expand(-1, 3, -1, -1)
    return style, content


def target_loss(
    extractor: VGGFeatures,
    style: torch.Tensor,
    content: torch.Tensor,
    cells: Sequence[Mapping[str, float]],
    settings: Settings,
    scale: float = 1.0,
) -> StyleTransferLoss:
    """The loss of ``cells`` against the targets of ``style`` and ``content`` (already at a stage's
    size, as :func:`network_targets` gives them); ``scale``: the stage's fraction of the width."""
    style_layers = ordered({name for c in cells for name in c})
    with torch.no_grad():
        style_features = {k: v for k, v in extractor(style).items() if k in style_layers}
        content_features = extractor(content)
    return StyleTransferLoss(
        style_features,
        content_features,
        cells,
        content_layer=settings.content_layer,
        content_weight=settings.content_weight,
        tv_weight=settings.tv_weight,
        target_size={name: tuple(content_features[name].shape[2:]) for name in style_layers},
        normalise=settings.normalise,
        style_weight=settings.style_weight,
        shape_content=content if settings.shape_weight > 0 else None,
        shape_weight=settings.shape_weight,
        shape_reach=settings.shape_reach * scale,  # px at the working width
    )


@dataclass
class Result:
    images: torch.Tensor  # (B, 3, H, W), 0-255, on the CPU
    logs: list[list[dict[str, float]]]  # per cell: one row per logged iteration
    snapshots: list[tuple[int, torch.Tensor]] = field(default_factory=list)  # (step, uint8 batch)
    seconds: float = 0.0  # optimisation wall time in this process
    steps_run: int = 0  # steps run in this process (fewer than iterations after a resume)
    resumed_from: int = 0
    step_mode: str = "eager"  # "cuda graph" when the fast path ran
    fallback: str | None = None  # why the fast path did not run, where it was asked for or failed


def initial_image(init: str, content: torch.Tensor, style: torch.Tensor, seed: int) -> torch.Tensor:
    if init == "content":
        return content.clone()
    if init == "style":
        size = (content.shape[3], content.shape[2])
        return to_tensor(fit_on_white(to_pil(style), size)).to(content.device)
    generator = torch.Generator().manual_seed(seed)
    return (torch.rand(content.shape, generator=generator) * 255).to(content.device)


def _fingerprint(weights: Weights, style, content, cells, settings: Settings) -> str:
    """What a checkpoint must match to be resumed: code version, weights, cells, settings, images."""
    digest = hashlib.sha256()
    digest.update(
        json.dumps(
            [RESULT_VERSION, weights.spec, weights.sha256, cells, fingerprint_fields(settings)],
            sort_keys=True,
        ).encode()
    )
    for image in (style, content):
        digest.update(image.detach().cpu().numpy().tobytes())
    return digest.hexdigest()


class _InwardClamp(torch.autograd.Function):
    """Forward: clamp to 0-255. Backward: the gradient wherever descent moves the pixel into the
    range or along it, 0 where it would push a pixel at or beyond a bound further out.

    torch's clamp has a zero gradient *at* the bounds too, which froze every pixel that starts at
    exactly 0 or 255 under L-BFGS (most pixels of a clean logo). A plain straight-through gradient
    lets L-BFGS push pixels ever further past a bound where the loss no longer changes, which
    breaks its curvature pairs.
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(0, 255)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        # descent moves x by -grad: at the lower bound only grad < 0 moves it inward, at the upper grad > 0
        blocked = ((x <= 0) & (grad > 0)) | ((x >= 255) & (grad < 0))
        return grad.masked_fill(blocked, 0.0)


def inward_clamp(x: torch.Tensor) -> torch.Tensor:
    return _InwardClamp.apply(x)


#: a checkpoint file's first line: this and the sha256 of the rest of the file, the state as
#: ``torch.save`` wrote it, so that a damaged checkpoint is never resumed (torch's own format checks
#: no content); files without it were written before and are checked by their fingerprint alone
CHECKSUM_HEADER = b"steel checkpoint sha256 "
_HEADER_SIZE = len(CHECKSUM_HEADER) + 64 + 1
#: what a checkpoint holds (:meth:`_Loop.save_checkpoint`)
_CHECKPOINT_KEYS = frozenset({"fingerprint", "step", "x", "optimizer", "scheduler", "logs", "snapshots"})


def _checksum_line(digest) -> bytes:
    return CHECKSUM_HEADER + digest.hexdigest().encode() + b"\n"


def write_checkpoint(state: dict, path: Path) -> None:
    # serialised in memory first: torch's writer turns a failed write to a file (a full disk) into
    # a RuntimeError of its own; a plain write raises the OSError that says what happened
    buffer = io.BytesIO()
    torch.save(state, buffer)
    payload = buffer.getbuffer()
    line = _checksum_line(hashlib.sha256(payload))

    def write(tmp: Path) -> None:
        with tmp.open("wb") as handle:
            handle.write(line)
            handle.write(payload)

    with StagedFiles() as staged:
        staged.stage(path, write)


class _Unusable(Exception):
    """A checkpoint that cannot be resumed, and why."""


def read_checkpoint(path: Path, device: torch.device | str = "cpu") -> dict:
    """The state in a checkpoint file, its checksum checked where it has one (:class:`_Unusable`)."""
    with path.open("rb") as handle:
        head = handle.read(_HEADER_SIZE)
        if head.startswith(CHECKSUM_HEADER):
            if _checksum_line(hashlib.file_digest(handle, "sha256")) != head:
                raise _Unusable("is damaged: its content does not match its checksum")
            handle.seek(_HEADER_SIZE)
        else:
            handle.seek(0)
        try:
            state = torch.load(handle, map_location=device, weights_only=True)
        except Exception as error:
            raise _Unusable(f"cannot be read ({type(error).__name__})") from None
    if not isinstance(state, dict) or not state.keys() >= _CHECKPOINT_KEYS:
        raise _Unusable("is not a checkpoint of this program")
    return state


def _check_optimizer_state(optimizer, x: torch.Tensor) -> None:
    """Every tensor of the optimiser's state that is more than one number is a float tensor of the
    pixels' shape (Adam's moments) or as many numbers (L-BFGS's flat directions): anything else
    would fail in the middle of a step."""
    if not isinstance(optimizer, dict) or not isinstance(optimizer.get("state"), dict):
        raise _Unusable("has no optimiser state")
    pending = list(optimizer["state"].values())
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending += value.values()
        elif isinstance(value, list | tuple):
            pending += value
        elif isinstance(value, torch.Tensor) and value.dim() > 0:
            fits = value.shape == x.shape or (value.dim() == 1 and value.numel() == x.numel())
            if not (fits and value.is_floating_point()):
                raise _Unusable(f"holds an optimiser tensor of shape {tuple(value.shape)}")


def stylize(
    weights: Weights,
    style: torch.Tensor,
    content: torch.Tensor,
    cells: Sequence[Mapping[str, float]],
    *,
    settings: Settings = DEFAULT_SETTINGS,
    device: torch.device | str = "cpu",
    progress: bool | None = None,
    checkpoint: Path | None = None,
    checkpoint_every: int = 0,
    on_log: Callable[[int, list[dict[str, float]]], None] | None = None,
    fast: bool | None = None,
) -> Result:
    """Optimise one image per cell, all from one style and one content image.

    ``cells`` are layer -> coefficient mappings. With Adam they are optimised together as one
    batch (Adam is element-wise and the network frozen, so each image is what a run of its own
    would give); L-BFGS couples all pixels, so its cells run one after the other.
    ``progress=None`` shows a bar only on a terminal. With ``checkpoint`` set, state is saved
    there every ``checkpoint_every`` steps and a matching checkpoint is resumed.
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
    use_graph = fast is not False and reason is None
    if settings.optimizer == "lbfgs" and len(cells) > 1:
        part_checkpoints = [
            checkpoint.with_name(checkpoint_part(checkpoint.name, i)) if checkpoint else None
            for i in range(len(cells))
        ]
        parts = [
            stylize(
                weights,
                style,
                content,
                [c],
                settings=settings,
                device=device,
                progress=progress,
                checkpoint=part_checkpoints[i],
                checkpoint_every=checkpoint_every,
                on_log=on_log,
                fast=False,  # L-BFGS: the eager loop (said above when the fast path was asked for)
            )
            for i, c in enumerate(cells)
        ]
        for path in part_checkpoints:  # all cells done: their checkpoints are no longer needed
            if path:
                path.unlink(missing_ok=True)
        return Result(
            images=torch.cat([p.images for p in parts]),
            logs=[p.logs[0] for p in parts],
            snapshots=[
                (s, torch.cat([p.snapshots[k][1] for p in parts]))
                for k, (s, _) in enumerate(parts[0].snapshots)
            ],
            seconds=sum(p.seconds for p in parts),
            steps_run=sum(p.steps_run for p in parts),
            resumed_from=min(p.resumed_from for p in parts),
            fallback=reason if fast else None,
        )
    loop = _Loop(weights, style, content, cells, settings, device, checkpoint, checkpoint_every, use_graph)
    result = loop.run(progress, on_log)
    if result.fallback is None and reason and fast:
        result.fallback = reason
    return result


class _Loop:
    """One run: its stages one after the other, each with its own targets, pixels and optimiser."""

    def __init__(
        self,
        weights,
        style,
        content,
        cells,
        settings: Settings,
        device,
        checkpoint: Path | None,
        checkpoint_every: int,
        use_graph: bool = False,
    ):
        self.settings, self.device, self.cells = settings, device, cells
        self.use_graph, self.fallback = use_graph, None
        self.checkpoint, self.checkpoint_every = checkpoint, checkpoint_every
        self.fingerprint = _fingerprint(weights, style, content, cells, settings) if checkpoint else None
        self.stages = stages(settings, content.shape[2], content.shape[3])
        style_layers = ordered({name for c in cells for name in c})
        self.extractor = VGGFeatures(weights, [*style_layers, settings.content_layer]).to(device)
        self.cuda = device.type == "cuda"
        self.memory_format = (
            torch.channels_last if settings.channels_last and self.cuda else torch.contiguous_format
        )
        self.extractor.to(memory_format=self.memory_format)
        style, content = style.to(device), content.to(device)
        self.grey = settings.colour == "grey"
        self.full_style, self.full_content = network_targets(style, content, settings)
        self.logs: list[list[dict[str, float]]] = [[] for _ in cells]
        self.snapshots: list[tuple[int, torch.Tensor]] = []
        self.step = 0
        self.stage: Stage | None = None

    def enter(self, stage: Stage, previous: torch.Tensor | None) -> None:
        """Targets, loss, pixels and optimiser of ``stage``; the pixels carry ``previous``'s change."""
        s = self.settings
        self.stage = stage
        if previous is not None:  # before the content changes size: the change is from the content
            carried = self.carried(previous, stage.height, stage.width)
        style = self.full_style
        if stage.scale != 1.0:
            style = resized(style, round(style.shape[2] * stage.scale), round(style.shape[3] * stage.scale))
        self.content = resized(self.full_content, stage.height, stage.width)
        self.loss = target_loss(self.extractor, style, self.content, self.cells, s, stage.scale)
        self.loss.to(self.device)
        if previous is None:
            start = initial_image(s.init, self.content, style, s.seed)
            if self.grey:  # the optimised pixels: one channel, fed to the network as three
                start = luminance(start) if s.init == "random" else start[:, :1]
            start = start.repeat(len(self.cells), 1, 1, 1)
        else:
            start = carried
        self.x = start.contiguous(memory_format=self.memory_format).requires_grad_(True)
        scheduled = s.lr_schedule != "constant"
        # a graph replays the learning rate it was captured with: a scheduled one lives in a tensor
        lr = torch.tensor(s.lr, device=self.device) if scheduled and self.use_graph else s.lr
        if s.optimizer == "adam":
            self.optimizer = torch.optim.Adam([self.x], lr=lr, capturable=self.use_graph)
        else:
            self.optimizer = torch.optim.LBFGS([self.x], lr=s.lr, max_iter=1, history_size=50)
        self.scheduler = (
            torch.optim.lr_scheduler.CosineAnnealingLR(self.optimizer, stage.iterations, s.lr_final)
            if scheduled
            else None
        )

    def carried(self, x: torch.Tensor, height: int, width: int) -> torch.Tensor:
        """``x`` at another size: the content at that size plus ``x``'s change from the content."""
        if tuple(x.shape[2:]) == (height, width):
            return x.detach().clone()
        channels = x.shape[1]
        with torch.no_grad():
            change = x.detach() - self.content[:, :channels]
            target = resized(self.full_content, height, width)[:, :channels]
            return (target + resized(change, height, width)).clamp_(0, 255)

    def image(self, x: torch.Tensor | None = None) -> torch.Tensor:
        """The (B, 3, H, W) image the network sees: the pixels, a grey channel replicated (a view)."""
        x = self.x if x is None else x
        return x.expand(-1, 3, -1, -1) if self.grey else x

    def full_image(self) -> torch.Tensor:
        """What the run would return if it stopped now: the pixels carried to the full size."""
        return self.image(self.carried(self.x, *self.full_content.shape[2:]))

    def losses(self) -> dict[str, torch.Tensor]:
        # L-BFGS is not clamped between steps (that breaks its curvature pairs): it minimises the
        # loss of the clamped image instead, which the final clamp then returns exactly; the clamp
        # passes inward gradients at the bounds, or pixels at exactly 0 or 255 could never move
        x = self.image(inward_clamp(self.x) if self.settings.optimizer == "lbfgs" else self.x)
        with torch.autocast(
            self.device.type,
            dtype=torch.bfloat16,
            enabled=self.settings.amp and self.device.type in ("cuda", "cpu"),
            cache_enabled=not self.use_graph,  # no cast cache across graph replays
        ):
            features = self.extractor(x)
        return self.loss(features, x)

    def closure(self) -> torch.Tensor:
        self.optimizer.zero_grad(set_to_none=True)
        parts = self.losses()
        total = parts["total"].sum()
        total.backward()
        # detached: kept for logging, they must not keep the autograd graph (and the pixels'
        # gradient accumulator) alive into the next step, or CUDA graph capture on another stream
        # warns of an AccumulateGrad stream mismatch
        self.parts = {name: value.detach() for name, value in parts.items()}
        return total

    def record(self, step: int, parts: dict[str, torch.Tensor]) -> list[dict[str, float]]:
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
                row["scale"] = self.stage.scale
            log.append(row)
            rows.append(row)
        return rows

    def snapshot(self, step: int) -> None:
        self.snapshots.append((step, self.full_image().detach().round().clamp(0, 255).byte().cpu()))

    def save_checkpoint(self) -> None:
        if not bool(torch.isfinite(self.x).all()):
            raise SteelError(
                f"the image has non-finite pixels at iteration {self.step}; lower the learning rate "
                "or the coefficients (or switch off amp)"
            )
        state = {
            "fingerprint": self.fingerprint,
            "step": self.step,
            "x": self.x.detach().cpu(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict() if self.scheduler else None,
            "logs": self.logs,
            "snapshots": self.snapshots,
        }
        try:
            write_checkpoint(state, self.checkpoint)
        except OSError as error:  # a full disk, a folder made read-only mid-run
            raise SteelError(
                f"cannot write the checkpoint {self.checkpoint} ({error.strerror or error}); free some "
                "space, or checkpoint less often (--checkpoint-every, execution.checkpoint_every; 0: none)"
            ) from None

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
            fingerprint = state["fingerprint"]
            if not (isinstance(fingerprint, str) and fingerprint == self.fingerprint):
                return False
            self._check(state)
        except _Unusable as unusable:
            return self._start_over(str(unusable))
        self.enter(self.stage_at(state["step"]), None)
        try:
            self.restore(state)
        except (AttributeError, KeyError, TypeError, ValueError, IndexError, RuntimeError) as error:  # forged
            if out_of_memory(error):
                raise
            return self._start_over(f"does not fit this run ({type(error).__name__}: {error})")
        return True

    def _start_over(self, why: str) -> bool:
        warnings.warn(f"steel: the checkpoint {self.checkpoint} {why}; starting over", RuntimeWarning, 3)
        self.logs, self.snapshots, self.step = [[] for _ in self.cells], [], 0
        return False

    def _check(self, state: dict) -> None:
        """A checkpoint of this run's fingerprint holds what this run can go on from."""
        step, x, total = state["step"], state["x"], self.settings.total_iterations
        if type(step) is not int or not 0 < step <= total:
            raise _Unusable(f"stopped at step {step!r}, not within this run's 1-{total}")
        stage = self.stage_at(step)
        shape = (len(self.cells), 1 if self.grey else 3, stage.height, stage.width)
        if not (isinstance(x, torch.Tensor) and x.is_floating_point() and tuple(x.shape) == shape):
            raise _Unusable(f"holds no float image of shape {shape}")
        if not bool(torch.isfinite(x).all()):
            raise _Unusable("holds non-finite pixels")
        logs, snapshots = state["logs"], state["snapshots"]
        if not (isinstance(logs, list) and len(logs) == len(self.cells)) or not all(
            isinstance(log, list) and all(isinstance(row, dict) for row in log) for log in logs
        ):
            raise _Unusable(f"holds no logs of {len(self.cells)} cell(s)")
        if not isinstance(snapshots, list) or not all(
            isinstance(s, list | tuple) and len(s) == 2 and type(s[0]) is int for s in snapshots
        ):
            raise _Unusable("holds snapshots that are not (step, images) pairs")
        _check_optimizer_state(state["optimizer"], x)

    def restore(self, state: dict) -> None:
        """The current stage's pixels, optimiser and schedule from ``state``."""
        with torch.no_grad():
            self.x.copy_(state["x"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler and state.get("scheduler"):
            self.scheduler.load_state_dict(state["scheduler"])
        if self.settings.optimizer == "adam":  # the checkpoint may come from the other path
            cuda_graphs.set_capturable(self.optimizer, self.use_graph)
        self.logs, self.snapshots = state["logs"], state["snapshots"]
        self.step = state["step"]

    def adam_step(self) -> dict[str, torch.Tensor]:
        """One whole Adam step, clamp included; no value is read back (it may be captured)."""
        self.closure()
        self.optimizer.step()
        with torch.no_grad():
            self.x.clamp_(0, 255)
        return self.parts

    def capture(self) -> cuda_graphs.GraphedStep | None:
        """The step as a CUDA graph, or ``None`` (saying why) when capture fails."""
        try:
            cuda_graphs.init_adam_state(self.optimizer)
            preserve = [self.x, *cuda_graphs.adam_tensors(self.optimizer)]
            graphed = cuda_graphs.GraphedStep(self.adam_step, preserve, self.device)
        except Exception as error:  # any failure means: run eagerly
            first_line = (str(error).strip().splitlines() or [""])[0][:200]
            self.fallback = f"CUDA graph capture failed ({type(error).__name__}: {first_line})"
            cuda_graphs.say_why(self.fallback)
            self.use_graph = False
            self.optimizer.zero_grad(set_to_none=True)
            cuda_graphs.set_capturable(self.optimizer, False)
            return None
        self.parts = graphed.outputs
        return graphed

    def run(self, progress, on_log) -> Result:
        s = self.settings
        total = s.total_iterations
        resumed = self.step if self.resume() else 0
        bar = tqdm(
            total=total,
            initial=resumed,
            disable=None if progress is None else not progress,
            unit="step",
            desc="stylize",
            dynamic_ncols=True,
        )
        self.step = resumed
        try:
            return self._stages(resumed, bar, on_log)
        except KeyboardInterrupt:
            bar.close()
            with torch.no_grad():
                images = self.image().detach().clamp(0, 255).contiguous().cpu()
            raise Interrupted(self.step, total, images, self.logs) from None

    def _stages(self, resumed: int, bar, on_log) -> Result:
        s = self.settings
        total = s.total_iterations
        seconds, graphed, previous = 0.0, None, None
        first = self.stages.index(self.stage) if resumed else 0
        for stage in self.stages[first:]:
            if not (resumed and stage is self.stages[first]):  # that one resume() entered and restored
                self.enter(stage, previous)
                self.step = stage.first_step
            if s.snapshot_every and self.step == 0:
                self.snapshot(0)
            # capture (a few warm-up steps, undone) is setup, like the targets: not in Result.seconds
            graphed = self.capture() if self.use_graph and self.step < stage.end_step else None
            started = time.perf_counter()
            while self.step < stage.end_step:
                if graphed is not None:
                    graphed.replay()  # updates self.parts, the graph's static outputs
                elif s.optimizer == "adam":
                    self.adam_step()
                else:
                    self.optimizer.step(self.closure)
                if self.scheduler:
                    self.scheduler.step()
                if self.step % s.log_every == 0:
                    rows = self.record(self.step, self.parts)
                    bar.set_postfix(
                        total=f"{rows[0]['total']:.4g}",
                        style=f"{rows[0]['style']:.4g}",
                        content=f"{rows[0]['content']:.4g}",
                        refresh=False,
                    )
                    if on_log:
                        on_log(self.step, rows)
                self.step += 1
                bar.update()
                if s.snapshot_every and self.step % s.snapshot_every == 0:
                    self.snapshot(self.step)
                if self.checkpoint_every and self.checkpoint and self.step % self.checkpoint_every == 0:
                    self.save_checkpoint()
            if self.cuda:
                torch.cuda.synchronize(self.device)
            seconds += time.perf_counter() - started
            with torch.no_grad():
                self.x.clamp_(0, 255)
            previous = self.x
        bar.close()
        if not self.logs[0] or self.logs[0][-1]["iteration"] != total:
            with torch.no_grad():
                rows = self.record(total, self.losses())
            if on_log:
                on_log(total, rows)
        if s.snapshot_every and self.snapshots[-1][0] != total:
            self.snapshot(total)
        return Result(
            self.image().detach().contiguous().cpu(),
            self.logs,
            self.snapshots,
            seconds,
            total - resumed,
            resumed,
            "cuda graph" if graphed is not None else "eager",
            self.fallback,
        )
