"""The runs job: what every run recorded, for the report (steel.evaluate.provenance)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from steel.evaluate.provenance import summarise, summary_html
from steel.io.outputs import StagedFiles, read_json


def runs_summary_job(records: Sequence[str], config: Mapping, out: str | Path) -> dict:
    summary = summarise([read_json(path) for path in records], config)
    page = summary_html(summary)
    with StagedFiles() as staged:
        staged.stage(Path(out), lambda tmp: Path(tmp).write_text(page, encoding="utf-8"))
    for note in summary["notes"]:
        print(note, flush=True)
    return summary
