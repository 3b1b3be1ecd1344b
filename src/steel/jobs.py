"""What the workflow's jobs do, called by the thin scripts under workflow/scripts/.

Config sections map onto library settings here, so the scripts hold no logic and tests reach it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path

import torch

from steel.errors import SteelError
from steel.optimise import Settings


def settings_from_config(optimizer: Mapping, loss: Mapping, seed: int) -> Settings:
    """Library settings from the workflow config's ``optimizer`` and ``loss`` sections."""
    return Settings(
        iterations=int(optimizer["iterations"]),
        optimizer=optimizer["name"],
        lr=float(optimizer["lr"]),
        init=optimizer["init"],
        log_every=int(optimizer["log_every"]),
        amp=bool(optimizer["amp"]),
        channels_last=bool(optimizer["channels_last"]),
        seed=int(seed),
        content_layer=loss["content_layer"],
        content_weight=float(loss["content_weight"]),
        tv_weight=float(loss["tv_weight"]),
    )


@contextlib.contextmanager
def job_log(path: str | Path) -> Iterator[None]:
    """Send a job's output to its log file; a user error becomes one line there and a failed job."""
    with (
        open(path, "w", buffering=1) as log,
        contextlib.redirect_stdout(log),
        contextlib.redirect_stderr(log),
    ):
        try:
            yield
        except SteelError as error:
            print(f"steel: error: {error}", file=log)
            raise SystemExit(f"steel: error: {error}") from None


def stylize_cell(
    style: str,
    content: str,
    out_dir: str | Path,
    layers: Mapping[str, float],
    *,
    optimizer: Mapping,
    loss: Mapping,
    image: Mapping,
    seed: int,
    weights: str,
    device: str,
    threads: int,
    checkpoint_every: int = 0,
) -> dict:
    """Run one cell of a sweep into ``out_dir``, printing progress lines for the job's log."""
    from steel.run import run

    torch.set_num_threads(max(1, int(threads)))
    settings = settings_from_config(optimizer, loss, seed)

    def progress(step: int, rows: list[dict[str, float]]) -> None:
        row = rows[0]
        print(
            f"iteration {step:>7}  total {row['total']:.6g}  style {row['style']:.6g}  "
            f"content {row['content']:.6g}",
            flush=True,
        )

    print(f"stylize {Path(content).name} with {Path(style).name}: {dict(layers)}", flush=True)
    records = run(
        style,
        content,
        [layers],
        [out_dir],
        settings=settings,
        weights=weights,
        device=device,
        width=image.get("width"),
        style_width=image.get("style_width"),
        checkpoint_every=checkpoint_every,
        progress=False,
        on_log=progress,
    )
    record = records[0]
    print(
        f"done on {record['device']}: {record['seconds_per_iteration']:.4f} s/step, "
        f"{record['wall_seconds']:.1f} s in all",
        flush=True,
    )
    return record
