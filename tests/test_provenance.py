"""What the runs recorded, against the config: the report's "Runs" page (steel.evaluate.provenance)."""

from __future__ import annotations

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
            "schedule": "cosine",
            "lr_final": 0.1,
            "iterations": 300,
            "width": 256,
            "device": "cpu",
            "runs": 2,
        }
    ]
    assert "Every run used the same settings" in summary_html(summary)


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
