"""The runs jobs: what every run recorded, for the report (steel.evaluate.provenance), and the note
that a run folder's record was found damaged (the workflow then makes it again)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from steel.evaluate.provenance import logo_paths, summarise, summary_html
from steel.io.hashes import file_sha256
from steel.io.outputs import StagedFiles, read_json
from steel.plan.run_folder import damaged_record

#: how much of a damaged record its note keeps
NOTE_BYTES = 1024


def runs_summary_job(records: Sequence[str], config: Mapping, out: str | Path) -> dict:
    """The runs page, its logos checked against the files as they are now."""
    read = [read_json(path) for path in records]
    now = {path: file_sha256(path) if Path(path).is_file() else None for path in logo_paths(read)}
    summary = summarise(read, config, now)
    page = summary_html(summary)
    with StagedFiles() as staged:
        staged.stage(Path(out), lambda tmp: Path(tmp).write_text(page, encoding="utf-8"))
    for note in summary["notes"]:
        print(note, flush=True)
    return summary


def damage_note_job(note: str | Path) -> Path:
    """A note beside a damaged record (``NAME.damaged-STAMP``, :data:`steel.plan.run_folder.DAMAGE_NOTE`):
    when it was found and the record's first bytes then, since its maker is about to replace it."""
    from datetime import UTC, datetime

    note = Path(note)
    record = note.with_name(damaged_record(note.name))
    try:
        head = record.read_bytes()[:NOTE_BYTES].decode("utf-8", errors="replace")
    except OSError as error:
        head = f"(unreadable: {error.strerror or error})"
    found = datetime.now(UTC).isoformat(timespec="seconds")
    text = (
        f"{record.name} was found damaged (not a JSON object) on {found} and made again. It began:\n{head}\n"
    )
    with StagedFiles() as staged:
        staged.stage(note, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    print(f"{record} is damaged: made again (noted in {note.name})", flush=True)
    return note
