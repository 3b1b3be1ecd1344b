"""What the runs recorded, against the config: the report's "Runs" page (steel.evaluate.provenance)."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest

from steel.evaluate.provenance import summarise, summary_html


def record(weights="hed", lr=8.0, iterations=300, width=256, schedule="cosine") -> dict:
    return {
        "weights": {"spec": weights},
        "settings": {
            "optimizer": "adam",
            "lr": lr,
            "lr_schedule": schedule,
            "lr_final": 0.1,
            "iterations": iterations,
        },
        "content": {"width": width},
        "device": "cpu",
    }


CONFIG = {
    "weights": "hed",
    "optimizer": {"name": "adam", "lr": 8.0, "lr_schedule": "cosine", "lr_final": 0.1, "iterations": 300},
    "image": {"width": 256},
}


def test_runs_that_agree_with_the_config_say_so():
    summary = summarise([record(), record()], CONFIG)
    assert summary["notes"] == [] and summary["runs"] == 2
    assert summary["groups"] == [
        {
            "weights": "hed",
            "optimizer": "adam",
            "lr": 8.0,
            "lr_schedule": "cosine",
            "lr_final": 0.1,
            "iterations": 300,
            "width": 256,
            "device": "cpu",
            "runs": 2,
        }
    ]
    assert (
        "</h2><p>Every run used the same settings, and the config asks for them.</p><table"
        in summary_html(summary)
    )


def test_runs_made_with_other_weights_than_the_config_at_report_time_are_named():
    summary = summarise([record(weights="caffe:/w.pth"), record(weights="caffe:/w.pth")], CONFIG)
    assert summary["notes"] == ["2 run(s) differ from the config: weights caffe:/w.pth (config: hed)."]
    assert "<b>2 run(s) differ from the config" in summary_html(summary)


def test_runs_that_disagree_with_each_other_are_named():
    summary = summarise([record(), record(lr=1.0, iterations=50_000)], CONFIG)
    assert (
        summary["notes"][0] == "The runs disagree with each other in lr, iterations: compare like with like."
    )
    assert (
        "1 run(s) differ from the config: lr 1.0 (config: 8.0); iterations 50000 (config: 300)."
        in summary["notes"]
    )
    assert [g["runs"] for g in summary["groups"]] == [1, 1]


def test_the_page_escapes_what_it_shows():
    assert "&lt;x&gt;" in summary_html(summarise([record(weights="<x>")], CONFIG))


@pytest.mark.parametrize(
    ("run", "named"),
    [
        ({"lr_final": 0.0}, "lr_final 0.0 (config: 0.1)"),
        ({"schedule": "constant"}, "lr_schedule constant (config: cosine)"),
        ({"optimizer": "lbfgs"}, "optimizer lbfgs (config: adam)"),
        ({"width": 128}, "width 128 (config: 256)"),
    ],
)
def test_each_recorded_setting_is_set_against_the_configs(run, named):
    made = record(width=run.get("width", 256), schedule=run.get("schedule", "cosine"))
    made["settings"].update({k: v for k, v in run.items() if k in ("lr_final", "optimizer")})
    summary = summarise([made], CONFIG)
    assert summary["notes"] == [f"1 run(s) differ from the config: {named}."]


class Table(HTMLParser):
    """The page's title and its table, cell by cell."""

    def __init__(self, page: str):
        super().__init__()
        self.title, self.rows, self._in = "", [], None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        self._in = tag

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in in ("th", "td"):
            self.rows[-1].append(data)


def test_the_page_is_a_table_of_the_settings_with_a_row_per_group():
    summary = summarise([record(), record(), record(lr=1.0)], CONFIG)
    page = summary_html(summary)
    assert page.startswith("<!DOCTYPE html>") and page.count("<tr>") == page.count("</tr>") == 3
    table = Table(page)
    assert table.title == "What the runs used"
    assert table.rows == [
        ["weights", "optimizer", "lr", "lr_schedule", "lr_final", "iterations", "width", "device", "runs"],
        ["hed", "adam", "8.0", "cosine", "0.1", "300", "256", "cpu", "2"],
        ["hed", "adam", "1.0", "cosine", "0.1", "300", "256", "cpu", "1"],
    ]
    assert "What the 3 runs used (from their run.json)" in page


def test_the_runs_job_writes_the_page_and_says_each_note(tmp_path, capsys):
    from steel.jobs.runs import runs_summary_job

    paths = []
    for i, made in enumerate([record(), record(weights="caffe:/w.pth")]):
        paths.append(tmp_path / f"run{i}.json")
        paths[-1].write_text(json.dumps(made))
    summary = runs_summary_job([str(p) for p in paths], CONFIG, tmp_path / "report" / "runs.html")
    assert summary["runs"] == 2 and len(summary["notes"]) == 2
    assert (tmp_path / "report" / "runs.html").read_text(encoding="utf-8") == summary_html(summary)
    assert capsys.readouterr().out.splitlines() == summary["notes"]


def test_runs_whose_logos_changed_since_are_named_and_only_checked_logos_are_called_unchanged(tmp_path):
    from steel.io.hashes import file_sha256
    from steel.jobs.runs import runs_summary_job

    logo, other = tmp_path / "logo.png", tmp_path / "other.png"
    logo.write_bytes(b"first")
    other.write_bytes(b"kept")
    made = record() | {
        "style": {"path": str(other), "sha256": file_sha256(other)},
        "content": {"path": str(logo), "sha256": file_sha256(logo), "width": 256},
    }
    paths = [tmp_path / "run.json"]
    paths[0].write_text(json.dumps(made))
    page = tmp_path / "runs.html"
    summary = runs_summary_job([str(p) for p in paths], CONFIG, page)
    assert summary["notes"] == []
    assert "the config asks for them, and the logo files they read are unchanged." in page.read_text()
    logo.write_bytes(b"replaced")
    summary = runs_summary_job([str(p) for p in paths], CONFIG, page)
    changed = f"1 run(s) read logo files that have changed or gone since: {logo}; "
    assert summary["notes"] == [changed + "rerun the workflow to remake them."]
    logo.unlink()
    assert summarise([made], CONFIG, {str(other): file_sha256(other), str(logo): None})["notes"]
    # without the files' digests nothing is said of the logos
    assert "logo" not in summary_html(summarise([made], CONFIG))
