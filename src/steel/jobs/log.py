"""A job's log: everything a job prints goes to its log file(s); a user error is one line there."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from steel.errors import SteelError

if TYPE_CHECKING:
    from steel.transfer.progress import StepLog


class _Tee:
    """A text stream that writes to several files (a batch job's lines go to each cell's log)."""

    def __init__(self, handles):
        self.handles = handles

    def write(self, text: str) -> int:
        for handle in self.handles:
            handle.write(text)
        return len(text)

    def flush(self) -> None:
        for handle in self.handles:
            handle.flush()


@contextlib.contextmanager
def job_log(*paths: str | Path) -> Iterator[None]:
    """Send a job's output to its log file(s); a user error becomes one line there and a failed job."""
    with contextlib.ExitStack() as stack:
        log = _Tee([stack.enter_context(open(path, "w", buffering=1, encoding="utf-8")) for path in paths])
        stack.enter_context(contextlib.redirect_stdout(log))
        stack.enter_context(contextlib.redirect_stderr(log))
        try:
            yield
        except SteelError as error:
            print(f"steel: error: {error}", file=log)
            raise SystemExit(f"steel: error: {error}") from None


def print_step(event: StepLog) -> None:
    """A job log's line for one logged step of a run (the first cell's losses)."""
    print(
        f"iteration {event.step:>7}  total {event.total_loss:.6g}  style {event.style_loss:.6g}  "
        f"content {event.content_loss:.6g}",
        flush=True,
    )
