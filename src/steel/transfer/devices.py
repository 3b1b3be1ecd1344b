"""Choosing the device of a run: ``auto`` (CUDA, then Apple MPS, then CPU), ``cpu``, ``cuda[:N]``, ``mps``."""

from __future__ import annotations

import re

import torch

from steel.errors import SteelError


def resolve_device(spec: str = "auto") -> torch.device:
    spec = str(spec).strip().lower()
    if spec == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if spec == "cpu":
        return torch.device("cpu")
    if spec == "mps":
        if not torch.backends.mps.is_available():
            raise SteelError(
                "device mps was asked for but Apple MPS is not available; use --device auto or cpu"
            )
        return torch.device("mps")
    match = re.fullmatch(r"cuda(?::(\d+))?", spec)
    if match:
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        index = int(match.group(1) or 0)
        if index >= count:
            raise SteelError(
                f"device {spec} was asked for but this machine has {count} usable CUDA device(s); "
                "use --device auto or cpu, or check CUDA_VISIBLE_DEVICES"
            )
        return torch.device("cuda", index)
    raise SteelError(f"unknown device {spec!r}; use auto, cpu, cuda, cuda:N or mps")


def out_of_memory(error: BaseException) -> bool:
    """Whether ``error`` is an allocator refusing memory: CUDA's has a class of its own, the CPU's
    (and MPS's) is a plain RuntimeError that says so, Python's own a MemoryError."""
    if isinstance(error, torch.OutOfMemoryError | MemoryError):
        return True
    text = str(error)
    return isinstance(error, RuntimeError) and ("DefaultCPUAllocator" in text or "out of memory" in text)
