"""The GPU fast path: one optimisation step captured as a CUDA graph and replayed.

On a GPU a step of a small logo is launch-bound: a few hundred small kernels, each launched from
Python. Captured once as a CUDA graph (forward, losses, backward, Adam with ``capturable=True``,
clamp), a step is one launch. The graph works on static tensors: the pixels, their gradient, the
Adam state and the loss outputs keep their addresses, and anything that reads values back
(logging, snapshots, checkpoints) reads those tensors between replays, every so many steps.

The warm-up steps that capture needs (on a side stream) and the capture itself move the pixels and
the Adam state; both are put back afterwards, so the first replay is the run's first step.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import torch

#: warm-up steps before capture (lazy initialisations, cuDNN/cuBLAS algorithm choice, allocator)
WARMUP_STEPS = 3


def refusal(device: torch.device, optimizer: str) -> str | None:
    """Why the fast path cannot run here, or ``None`` when it can."""
    if device.type != "cuda":
        return f"the fast path (CUDA graphs) needs a CUDA device, not {device.type}"
    if optimizer != "adam":
        return (
            f"the fast path (CUDA graphs) covers Adam only, not {optimizer} "
            "(its closure runs a varying number of times per step)"
        )
    return None


def say_why(reason: str) -> None:
    """Tell the user, once per run, that the eager loop runs instead of the fast path."""
    warnings.warn(f"steel: {reason}; running the eager loop", RuntimeWarning, stacklevel=3)


def init_adam_state(optimizer: torch.optim.Adam) -> None:
    """Create the state Adam would create lazily at its first step, so that it exists before capture.

    Same values as ``Adam._init_group`` with ``capturable=True``: step 0 as a float32 tensor on the
    parameter's device, zero first and second moments.
    """
    for group in optimizer.param_groups:
        if group.get("amsgrad"):
            raise RuntimeError("amsgrad is not supported by the fast path")
        for p in group["params"]:
            state = optimizer.state[p]
            if not state:
                state["step"] = torch.zeros((), dtype=torch.float32, device=p.device)
                state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)


def adam_tensors(optimizer: torch.optim.Optimizer) -> list[torch.Tensor]:
    return [v for state in optimizer.state.values() for v in state.values() if isinstance(v, torch.Tensor)]


def set_capturable(optimizer: torch.optim.Optimizer, capturable: bool) -> None:
    """After ``load_state_dict``: the flag and the step's device as this run needs them (a checkpoint
    may come from the other path)."""
    for group in optimizer.param_groups:
        group["capturable"] = capturable
        for p in group["params"]:
            state = optimizer.state.get(p)
            if state and isinstance(state.get("step"), torch.Tensor):
                device = p.device if capturable else torch.device("cpu")
                state["step"] = state["step"].to(device=device, dtype=torch.float32)


class GraphedStep:
    """``step()`` captured once; :meth:`replay` runs it again on the same tensors.

    ``preserve`` are the tensors whose values the warm-up and capture must not change (the pixels
    and the optimiser state); ``outputs`` is whatever ``step()`` returned during capture, the
    static tensors each replay overwrites.
    """

    def __init__(
        self,
        step: Callable[[], object],
        preserve: Sequence[torch.Tensor],
        device: torch.device,
        warmup: int = WARMUP_STEPS,
    ):
        saved = [t.detach().clone() for t in preserve]
        try:
            side = torch.cuda.Stream(device)
            side.wait_stream(torch.cuda.current_stream(device))
            with warnings.catch_warnings():
                # Adam warns when a capturable instance steps outside a capture: that is the warm-up
                warnings.filterwarnings("ignore", message=".*capturable=True.*")
                with torch.cuda.stream(side):
                    for _ in range(warmup):
                        step()
                torch.cuda.current_stream(device).wait_stream(side)
                self.graph = torch.cuda.CUDAGraph()
                with torch.cuda.graph(self.graph):
                    self.outputs = step()
        finally:
            with torch.no_grad():
                for tensor, value in zip(preserve, saved, strict=True):
                    tensor.copy_(value)

    def replay(self) -> None:
        self.graph.replay()
