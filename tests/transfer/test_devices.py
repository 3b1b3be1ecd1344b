"""Choosing a run's device. This machine has no GPU: CUDA and MPS are made to look present."""

from __future__ import annotations

import pytest
import torch

from steel.errors import SteelError
from steel.transfer.devices import resolve_device


@pytest.fixture
def machine(monkeypatch):
    """Set how many CUDA devices and whether Apple MPS this machine seems to have."""

    def have(cuda: int = 0, mps: bool = False):
        monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda > 0)
        monkeypatch.setattr(torch.cuda, "device_count", lambda: cuda)
        monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)

    return have


@pytest.mark.parametrize(
    ("cuda", "mps", "device"), [(0, False, "cpu"), (0, True, "mps"), (2, True, "cuda"), (1, False, "cuda")]
)
def test_auto_prefers_cuda_then_mps_then_the_cpu(machine, cuda, mps, device):
    machine(cuda=cuda, mps=mps)
    assert resolve_device() == resolve_device(" Auto ") == torch.device(device)


@pytest.mark.parametrize(
    ("spec", "device"), [("cuda", "cuda:0"), (" CUDA:1", "cuda:1"), ("cpu", "cpu"), ("mps", "mps")]
)
def test_a_device_asked_for_by_name(machine, spec, device):
    machine(cuda=2, mps=True)
    assert resolve_device(spec) == torch.device(device)


@pytest.mark.parametrize(("cuda", "spec"), [(2, "cuda:2"), (0, "cuda"), (0, "cuda:0")])
def test_a_cuda_device_the_machine_lacks_is_one_line_naming_the_count(machine, cuda, spec):
    machine(cuda=cuda, mps=True)
    with pytest.raises(SteelError) as error:
        resolve_device(spec)
    assert str(error.value) == (
        f"device {spec} was asked for but this machine has {cuda} usable CUDA device(s); "
        "use --device auto or cpu, or check CUDA_VISIBLE_DEVICES"
    )


def test_mps_where_there_is_none_and_an_unknown_device_are_one_line(machine):
    machine(cuda=1, mps=False)
    with pytest.raises(SteelError, match=r"^device mps was asked for but Apple MPS is not available"):
        resolve_device("mps")
    with pytest.raises(SteelError, match=r"^unknown device 'tpu'; use auto, cpu, cuda, cuda:N or mps$"):
        resolve_device("tpu")
    with pytest.raises(SteelError, match="unknown device 'cuda:x'"):
        resolve_device("cuda:x")
