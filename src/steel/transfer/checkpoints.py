"""A run's resumable state on disk: written with a checksum, read back only when it is intact, of this
run (its fingerprint) and of a shape this run can go on from."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import torch

from steel.io.outputs import StagedFiles
from steel.result_version import RESULT_VERSION
from steel.settings import Settings, fingerprint_fields
from steel.transfer.styles import StyleBlend, as_blend
from steel.transfer.weights import Weights

#: a checkpoint file's first line: this and the sha256 of the rest of the file, the state as
#: ``torch.save`` wrote it, so that a damaged checkpoint is never resumed (torch's own format checks
#: no content); files without it were written before and are checked by their fingerprint alone
CHECKSUM_HEADER = b"steel checkpoint sha256 "
_HEADER_SIZE = len(CHECKSUM_HEADER) + 64 + 1
#: what a checkpoint holds; ``snapshots``: (step, images) pairs in checkpoints written before
#: snapshots went to disk as the run goes, an empty list since
CHECKPOINT_KEYS = frozenset({"fingerprint", "step", "x", "optimizer", "scheduler", "logs", "snapshots"})


class Unusable(Exception):
    """A checkpoint that cannot be resumed, and why."""


def fingerprint(
    weights: Weights, style: torch.Tensor | StyleBlend, content, cells, settings: Settings
) -> str:
    """What a checkpoint must match to be resumed: code version, weights, cells, settings, images."""
    digest = hashlib.sha256()
    digest.update(
        json.dumps(
            [RESULT_VERSION, weights.spec, weights.sha256, cells, fingerprint_fields(settings)],
            sort_keys=True,
        ).encode()
    )
    style = as_blend(style)
    if len(style.images) > 1:  # a plain style's fingerprint is what it always was
        digest.update(json.dumps(style.weights).encode())
    for image in (*style.images, content):
        digest.update(image.detach().cpu().numpy().tobytes())
    return digest.hexdigest()


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


def read_checkpoint(path: Path, device: torch.device | str = "cpu") -> dict:
    """The state in a checkpoint file, its checksum checked where it has one (:class:`Unusable`)."""
    with path.open("rb") as handle:
        head = handle.read(_HEADER_SIZE)
        if head.startswith(CHECKSUM_HEADER):
            if _checksum_line(hashlib.file_digest(handle, "sha256")) != head:
                raise Unusable("is damaged: its content does not match its checksum")
            handle.seek(_HEADER_SIZE)
        else:
            handle.seek(0)
        try:
            state = torch.load(handle, map_location=device, weights_only=True)
        except Exception as error:
            raise Unusable(f"cannot be read ({type(error).__name__})") from None
    if not isinstance(state, dict) or not state.keys() >= CHECKPOINT_KEYS:
        raise Unusable("is not a checkpoint of this program")
    return state


def check_optimizer_state(optimizer, x: torch.Tensor) -> None:
    """Every tensor of the optimiser's state that is more than one number is a float tensor of the
    pixels' shape (Adam's moments) or as many numbers (L-BFGS's flat directions): anything else
    would fail in the middle of a step."""
    if not isinstance(optimizer, dict) or not isinstance(optimizer.get("state"), dict):
        raise Unusable("has no optimiser state")
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
                raise Unusable(f"holds an optimiser tensor of shape {tuple(value.shape)}")
