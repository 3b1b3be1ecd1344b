"""A checkpoint as the tests read and damage it (tests/transfer/test_optimise.py, tests/io/)."""

from __future__ import annotations

import io

import torch


def state_in(checkpoint) -> dict:
    """A checkpoint's state as torch wrote it (after the checksum's line where there is one)."""
    data = checkpoint.read_bytes()
    start = data.index(b"\n") + 1 if data.startswith(b"steel checkpoint") else 0
    return torch.load(io.BytesIO(data[start:]), weights_only=True)


def flip_two_pixels(checkpoint) -> None:
    """Flip the lowest bit of two pixels of a checkpoint's image: still numbers, and torch reads them."""
    data = bytearray(checkpoint.read_bytes())
    pixels = data.find(state_in(checkpoint)["x"].numpy().tobytes())
    assert pixels > 0
    for offset in (0, 4):
        data[pixels + offset] ^= 1
    checkpoint.write_bytes(bytes(data))
