"""What the runs of a results folder recorded (their ``run.json``), set against the config: the
report states this instead of the config at report time, which may not be what made the results."""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Mapping, Sequence

from steel.config import config_value
from steel.plan.run_folder import RECORD
from steel.settings import BY_NAME

#: the settings a reader must know to judge a run's look, by their names in the settings table
COMPARED = ("weights", "optimizer", "lr", "lr_schedule", "lr_final", "iterations", "width")
#: where ``run.json`` records a setting that its ``settings`` section does not hold
RECORDED_AT = {
    "weights": lambda r: r["weights"]["spec"],
    "width": lambda r: r["content"]["width"],
}
#: what each run recorded: the compared settings, then where it ran (shown, never compared)
FIELDS = (*COMPARED, "device")


def run_settings(record: Mapping) -> dict:
    """The :data:`FIELDS` of one ``run.json``; a setting an older run did not record is its default."""
    found = {
        name: RECORDED_AT[name](record)
        if name in RECORDED_AT
        else record["settings"].get(name, BY_NAME[name].default)
        for name in COMPARED
    }
    return found | {"device": record["device"]}


def expected_settings(config: Mapping) -> dict:
    """The :data:`COMPARED` settings as a config asks for them, read through the table."""
    return {name: config_value(config, BY_NAME[name]) for name in COMPARED}


#: the logos a run read, by their record's keys
LOGOS = ("style", "content")


def _logos_of(record: Mapping) -> list[Mapping]:
    """The file records of the logos a run read (a blended style's: each member's)."""
    logos = []
    for role in LOGOS:
        logo = record.get(role, {})
        logos += logo.get("blend", []) if "blend" in logo else [logo] if "path" in logo else []
    return logos


def logo_paths(records: Sequence[Mapping]) -> list[str]:
    """Every logo file the runs read, once each, in order."""
    return list(dict.fromkeys(logo["path"] for record in records for logo in _logos_of(record)))


def changed_logos(records: Sequence[Mapping], now: Mapping[str, str | None]) -> tuple[int, list[str]]:
    """How many runs read a logo file whose sha256 ``now`` (path -> digest, None: gone) is not the
    one they recorded, and those files."""
    runs, files = 0, {}
    for record in records:
        stale = [logo["path"] for logo in _logos_of(record) if now.get(logo["path"]) != logo.get("sha256")]
        runs += bool(stale)
        files |= dict.fromkeys(stale)
    return runs, list(files)


def summarise(
    records: Sequence[Mapping], config: Mapping, logos: Mapping[str, str | None] | None = None
) -> dict:
    """The distinct settings the runs used (with how many runs each), and in words where the runs
    disagree with each other or with ``config``, and, given ``logos`` (the sha256 of every file of
    :func:`logo_paths` now, None where it is gone), which runs read logos that have changed since."""
    counts = Counter(tuple(run_settings(record).items()) for record in records)
    groups = [dict(key) | {"runs": n} for key, n in counts.most_common()]
    notes = []
    if len(groups) > 1:
        varying = [name for name in FIELDS if len({g[name] for g in groups}) > 1]
        notes.append(f"The runs disagree with each other in {', '.join(varying)}: compare like with like.")
    expected = expected_settings(config)
    for group in groups:
        differs = [
            f"{name} {group[name]} (config: {expected[name]})"
            for name in expected
            if expected[name] is not None and group[name] != expected[name]
        ]
        if differs:
            notes.append(f"{group['runs']} run(s) differ from the config: {'; '.join(differs)}.")
    if logos is not None:
        runs, files = changed_logos(records, logos)
        if runs:
            notes.append(
                f"{runs} run(s) read logo files that have changed or gone since: {', '.join(files)}; "
                "rerun the workflow to remake them."
            )
    checked = (
        "and the config asks for them"
        if logos is None
        else "the config asks for them, and the logo files they read are unchanged"
    )
    return {"groups": groups, "notes": notes, "runs": len(records), "checked": checked}


def summary_html(summary: Mapping) -> str:
    """The summary as a small HTML page for the report."""
    columns = [*FIELDS, "runs"]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(group[c]))}</td>" for c in columns) + "</tr>"
        for group in summary["groups"]
    )
    notes = "".join(f"<p><b>{html.escape(note)}</b></p>" for note in summary["notes"]) or (
        f"<p>Every run used the same settings, {html.escape(summary['checked'])}.</p>"
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>What the runs used</title></head><body>"
        f"<h2>What the {summary['runs']} runs used (from their {RECORD})</h2>{notes}"
        f"<table border='1' cellpadding='4'><tr>{head}</tr>{rows}</table></body></html>\n"
    )
