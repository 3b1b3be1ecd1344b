"""One stage of a run: its targets, loss, pixels and optimiser, and the step that moves them (Adam's,
L-BFGS's, or Adam's captured as a CUDA graph and replayed)."""

from __future__ import annotations

import torch

from steel.transfer import cuda_graphs
from steel.transfer.losses import luminance
from steel.transfer.stages import Stage, at_scale, inward_clamp, resized, target_loss


class StageOptimiser:
    """One stage of a run: its targets, loss, pixels and optimiser, and the step that moves them."""

    def __init__(self, run, stage: Stage, start: torch.Tensor):
        """``run``: the run this stage is part of (its network, full-size targets, cells, device)."""
        s = self.settings = run.settings
        self.run, self.stage, self.device = run, stage, run.device
        style = run.full_style.map(lambda image: at_scale(image, stage.scale))
        self.content = resized(run.full_content, stage.height, stage.width)
        self.loss = target_loss(run.extractor, style, self.content, run.cells, s, stage.scale)
        self.loss.to(self.device)
        self.x = start.contiguous(memory_format=run.memory_format).requires_grad_(True)
        scheduled = s.lr_schedule != "constant"
        # a graph replays the learning rate it was captured with: a scheduled one lives in a tensor
        lr = torch.tensor(s.lr, device=self.device) if scheduled and run.use_graph else s.lr
        if s.optimizer == "adam":
            self.optimizer = torch.optim.Adam([self.x], lr=lr, capturable=run.use_graph)
        else:
            self.optimizer = torch.optim.LBFGS([self.x], lr=s.lr, max_iter=1, history_size=50)
        self.scheduler = (
            torch.optim.lr_scheduler.CosineAnnealingLR(self.optimizer, stage.iterations, s.lr_final)
            if scheduled
            else None
        )
        self.graphed: cuda_graphs.GraphedStep | None = None

    def losses(self) -> dict[str, torch.Tensor]:
        # L-BFGS is not clamped between steps (that breaks its curvature pairs): it minimises the
        # loss of the clamped image instead, which the final clamp then returns exactly; the clamp
        # passes inward gradients at the bounds, or pixels at exactly 0 or 255 could never move
        x = self.run.image(inward_clamp(self.x) if self.settings.optimizer == "lbfgs" else self.x)
        with torch.autocast(
            self.device.type,
            dtype=torch.bfloat16,
            enabled=self.settings.amp and self.device.type in ("cuda", "cpu"),
            cache_enabled=not self.run.use_graph,  # no cast cache across graph replays
        ):
            features = self.run.extractor(x)
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

    def adam_step(self) -> dict[str, torch.Tensor]:
        """One whole Adam step, clamp included; no value is read back (it may be captured)."""
        self.closure()
        self.optimizer.step()
        with torch.no_grad():
            self.x.clamp_(0, 255)
        return self.parts

    def capture(self) -> None:
        """The step as a CUDA graph (``graphed``), or the eager step (saying why) when capture fails."""
        run = self.run
        try:
            cuda_graphs.init_adam_state(self.optimizer)
            preserve = [self.x, *cuda_graphs.adam_tensors(self.optimizer)]
            self.graphed = cuda_graphs.GraphedStep(self.adam_step, preserve, self.device)
        except Exception as error:  # any failure means: run eagerly
            first_line = (str(error).strip().splitlines() or [""])[0][:200]
            run.fallback = f"CUDA graph capture failed ({type(error).__name__}: {first_line})"
            cuda_graphs.say_why(run.fallback)
            run.use_graph = False
            self.optimizer.zero_grad(set_to_none=True)
            cuda_graphs.set_capturable(self.optimizer, False)
            return
        self.parts = self.graphed.outputs

    def step(self) -> None:
        """One optimiser step (the graph's replay updates ``parts``, its static outputs)."""
        if self.graphed is not None:
            self.graphed.replay()
        elif self.settings.optimizer == "adam":
            self.adam_step()
        else:
            self.optimizer.step(self.closure)
        if self.scheduler:
            self.scheduler.step()

    def restore(self, state: dict) -> None:
        """Pixels, optimiser and schedule from a checkpoint's ``state``."""
        with torch.no_grad():
            self.x.copy_(state["x"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler and state.get("scheduler"):
            self.scheduler.load_state_dict(state["scheduler"])
        if self.settings.optimizer == "adam":  # the checkpoint may come from the other path
            cuda_graphs.set_capturable(self.optimizer, self.run.use_graph)


def luminance_or_channel(start: torch.Tensor, init: str) -> torch.Tensor:
    """A grey run's one optimised channel: the luminance of a random start, else its first channel
    (a grey content's channels are equal)."""
    return luminance(start) if init == "random" else start[:, :1]
