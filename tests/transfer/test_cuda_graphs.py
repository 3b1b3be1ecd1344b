"""The GPU fast path's parts that run anywhere: why it cannot run, Adam's state made before
capture, the state moved between the paths, and the warm-up put back. CUDA itself is not here: the
capture is exercised with stand-ins for its stream and graph."""

from __future__ import annotations

import contextlib
import warnings

import pytest
import torch

from steel.transfer import cuda_graphs


@pytest.mark.parametrize(
    ("device", "optimizer", "reason"),
    [
        ("cpu", "adam", "the fast path (CUDA graphs) needs a CUDA device, not cpu"),
        ("mps", "lbfgs", "the fast path (CUDA graphs) needs a CUDA device, not mps"),
        (
            "cuda",
            "lbfgs",
            "the fast path (CUDA graphs) covers Adam only, not lbfgs "
            "(its closure runs a varying number of times per step)",
        ),
        ("cuda", "adam", None),
    ],
)
def test_why_the_fast_path_cannot_run(device, optimizer, reason):
    assert cuda_graphs.refusal(torch.device(device), optimizer) == reason


def test_adams_state_made_early_is_step_zero_and_zero_moments_and_keeps_a_state_it_has():
    x = torch.ones(2, 3, 4, 5).to(memory_format=torch.channels_last).requires_grad_(True)
    fresh = torch.zeros(3, requires_grad=True)
    optimizer = torch.optim.Adam([x, fresh], lr=0.5)
    x.grad = torch.ones_like(x)
    optimizer.step()  # x has a state of its own now; fresh (no gradient) has none
    before = {k: v.clone() for k, v in optimizer.state[x].items()}
    cuda_graphs.init_adam_state(optimizer)
    assert all(torch.equal(optimizer.state[x][k], v) for k, v in before.items())
    state = optimizer.state[fresh]
    assert state["step"].dtype == torch.float32 and state["step"].item() == 0 and state["step"].dim() == 0
    assert torch.equal(state["exp_avg"], torch.zeros(3)) and torch.equal(state["exp_avg_sq"], torch.zeros(3))


def test_amsgrad_is_refused_by_the_fast_path():
    optimizer = torch.optim.Adam([torch.zeros(2, requires_grad=True)], amsgrad=True)
    with pytest.raises(RuntimeError, match=r"^amsgrad is not supported by the fast path$"):
        cuda_graphs.init_adam_state(optimizer)


@pytest.mark.parametrize("capturable", [True, False])
def test_a_checkpoints_step_comes_back_as_this_paths_float32_tensor(capturable):
    x = torch.zeros(2, requires_grad=True)
    optimizer = torch.optim.Adam([x], lr=0.1)
    x.grad = torch.ones_like(x)
    optimizer.step()
    optimizer.state[x]["step"] = torch.tensor(7, dtype=torch.int64)  # as another path left it
    cuda_graphs.set_capturable(optimizer, capturable)
    assert optimizer.param_groups[0]["capturable"] is capturable
    step = optimizer.state[x]["step"]
    assert step.dtype == torch.float32 and step.item() == 7 and step.device == x.device


def test_graphed_step_puts_back_what_warm_up_changed(monkeypatch):
    """The warm-up and capture steps must not count as optimisation steps (CPU stand-in for CUDA)."""
    x = torch.zeros(3)
    calls = []

    def step():
        calls.append(1)
        x.add_(1)
        # what Adam says when a capturable instance steps outside a capture (the warm-up), and another
        warnings.warn("the step was made with capturable=True outside a graph", UserWarning, stacklevel=1)
        warnings.warn("something else", UserWarning, stacklevel=1)
        return {"x": x}

    side, used = _FakeStream(), {}
    monkeypatch.setattr(torch.cuda, "Stream", lambda device: side)
    monkeypatch.setattr(torch.cuda, "current_stream", lambda device: _FakeStream())
    monkeypatch.setattr(
        torch.cuda, "stream", lambda stream: used.setdefault("stream", stream) and contextlib.nullcontext()
    )
    monkeypatch.setattr(torch.cuda, "CUDAGraph", _FakeGraph)
    monkeypatch.setattr(
        torch.cuda, "graph", lambda graph: used.setdefault("graph", graph) and contextlib.nullcontext()
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        graphed = cuda_graphs.GraphedStep(step, [x], torch.device("cpu"), warmup=2)
    assert len(calls) == 3  # two warm-up steps and the capture
    assert torch.equal(x, torch.zeros(3))
    assert graphed.outputs["x"] is x
    assert used == {
        "stream": side,
        "graph": graphed.graph,
    }  # warm-up on the side stream, capture into the graph
    assert [str(w.message) for w in caught] == [
        "something else"
    ] * 3  # only Adam's capture warning is silenced


class _FakeStream:
    def wait_stream(self, other):
        pass


class _FakeGraph:
    def replay(self):
        pass


def test_adam_state_made_before_capture_equals_adams_own(make_logo_tensor):
    """Adam's state is created before capture (it must exist at fixed addresses); the first steps
    must be those of an Adam that created it itself."""
    start = make_logo_tensor(48, 32, seed=2)
    results = []
    for early in (False, True):
        x = start.clone().requires_grad_(True)
        optimizer = torch.optim.Adam([x], lr=1.0)
        if early:
            cuda_graphs.init_adam_state(optimizer)
            cuda_graphs.set_capturable(optimizer, False)
        for _ in range(3):
            optimizer.zero_grad()
            (x.sin() * x).sum().backward()
            optimizer.step()
        results.append(x.detach())
    assert torch.equal(results[0], results[1])
