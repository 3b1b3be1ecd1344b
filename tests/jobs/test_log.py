"""A job's log (steel.jobs.log): every line to every log as it is printed, a user error as one line."""

from __future__ import annotations

import sys

import pytest
from job_helpers import EXECUTION, LOSS, PARAMS

from steel.errors import SteelError
from steel.jobs.log import _Tee, job_log
from steel.jobs.metrics import (
    cell_metrics_job,
)
from steel.jobs.stylize import stylize_job

# ---- job_log ---------------------------------------------------------------------------------


def test_job_log_writes_each_line_to_every_log_as_it_is_printed(tmp_path):
    a, b = tmp_path / "a.log", tmp_path / "b.log"
    a.write_text("an old run's log\n", encoding="utf-8")
    with job_log(a, b):
        print("étape 1")
        # line-buffered: the line is in both files before the job ends (a killed job keeps it)
        assert a.read_text(encoding="utf-8") == b.read_text(encoding="utf-8") == "étape 1\n"
        print("warning", file=sys.stderr)
        sys.stderr.flush()
    assert a.read_bytes().decode("utf-8") == b.read_bytes().decode("utf-8") == "étape 1\nwarning\n"
    print("after the job")  # stdout is restored
    assert "after" not in a.read_text(encoding="utf-8")


def test_job_log_makes_a_user_error_one_line_and_a_failed_job(tmp_path):
    log = tmp_path / "job.log"
    with pytest.raises(SystemExit) as exit_info, job_log(log):
        print("working")
        raise SteelError("the style image is missing")
    assert exit_info.value.code == "steel: error: the style image is missing"
    assert exit_info.value.__cause__ is None and exit_info.value.__suppress_context__
    assert log.read_text(encoding="utf-8") == "working\nsteel: error: the style image is missing\n"
    # other errors are bugs: they propagate as they are, with their traceback
    with pytest.raises(KeyError), job_log(log):
        raise KeyError("x")
    assert log.read_text(encoding="utf-8") == ""


def test_tee_writes_to_every_handle_and_returns_the_length(tmp_path):
    import io

    handles = [io.StringIO(), io.StringIO()]
    flushed = []
    for handle in handles:
        handle.flush = lambda handle=handle: flushed.append(handle)
    tee = _Tee(handles)
    assert tee.write("abc\n") == 4
    tee.flush()
    assert [h.getvalue() for h in handles] == ["abc\n", "abc\n"] and flushed == handles


class _Stream:
    """A block-buffered stdout (a pipe to Snakemake's log): what was written when it was flushed."""

    def __init__(self):
        self.text, self.flushed = "", []

    def write(self, text):
        self.text += text
        return len(text)

    def flush(self):
        self.flushed.append(self.text)


def test_job_progress_lines_are_flushed_as_they_are_printed(tmp_path, fake_run, monkeypatch):
    import torch

    import steel.cells.measure
    import steel.transfer.weights

    stream = _Stream()
    monkeypatch.setattr(sys, "stdout", stream)
    threads = torch.get_num_threads()
    try:
        stylize_job(
            "s.png", "c.png", [str(tmp_path / "conv4_3-20" / "x.png")], PARAMS | {"loss": LOSS}, EXECUTION
        )
    finally:
        torch.set_num_threads(threads)
    lines = stream.text.splitlines(keepends=True)
    assert len(lines) == 3
    assert stream.flushed == ["".join(lines[: i + 1]) for i in range(3)]  # each line as soon as printed
    monkeypatch.setattr(steel.transfer.weights, "load_weights", lambda name: name)
    monkeypatch.setattr(steel.cells.measure, "measure_cell", lambda *a, **k: {"seconds": 1.0})
    stream.text, stream.flushed = "", []
    cell_metrics_job("r", None, "random", tmp_path / "m.json")
    assert stream.flushed == ["metrics of r: 1.00 s\n"]
