"""The metrics jobs (steel.jobs.metrics), called directly: a cell's and the reference's metrics, the table
and the best cell, on fake runs and metrics where a job only passes them on."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from job_helpers import _files, _json, _png
from PIL import Image

from steel.errors import SteelError
from steel.evaluate.selection import COMPARISON_CELLS, METHOD, candidates, choose_best, selection_limits
from steel.io.outputs import read_table, write_table
from steel.jobs.metrics import (
    _with_method,
    best_job,
    cell_metrics_job,
    metrics_table_job,
    reference_metrics_job,
)

# ---- cell and reference metrics (the measuring replaced by fakes) ----------------------------


def test_cell_metrics_job_writes_the_metrics_atomically(tmp_path, monkeypatch, capsys):
    import steel.cells.measure
    import steel.transfer.weights

    calls = []
    monkeypatch.setattr(steel.transfer.weights, "load_weights", lambda name: f"weights:{name}")

    def run_metrics(run_dir, text, weights, threads):
        calls.append((run_dir, text, weights, threads))
        return {"cell": "conv4_3-20", "cer": 0.25, "ocr_text": "Quørix", "seconds": 1.234}

    monkeypatch.setattr(steel.cells.measure, "measure_cell", run_metrics)
    out = tmp_path / "m" / "metrics.json"
    metrics = cell_metrics_job("runs/x", "Quorix", "random", out)
    assert calls == [("runs/x", "Quorix", "weights:random", 1)]
    assert json.loads(out.read_text(encoding="utf-8")) == metrics and metrics["ocr_text"] == "Quørix"
    assert _files(tmp_path / "m") == ["metrics.json"]
    assert capsys.readouterr().out == "metrics of runs/x: 1.23 s\n"


@pytest.mark.parametrize(
    ("image", "sizes"),
    [
        ({"width": 64}, ((64, 32), (64, 64))),
        ({"width": 64, "style_width": 48}, ((64, 32), (48, 48))),
        ({"width": 64, "style_width": None}, ((64, 32), (64, 64))),
        ({}, ((96, 48), (96, 96))),
    ],
)
def test_reference_metrics_job_measures_the_content_at_the_runs_size(tmp_path, monkeypatch, image, sizes):
    import steel.evaluate.metrics
    import steel.transfer.weights

    content = _png(tmp_path / "c.png", (96, 48), (200, 200, 200))
    style = _png(tmp_path / "s.png", (96, 96), (5, 5, 5))
    calls = []
    monkeypatch.setattr(steel.transfer.weights, "load_weights", lambda name: f"weights:{name}")

    def reference_metrics(content_image, style_image, text, weights, threads):
        calls.append(
            (content_image.size, style_image.size, content_image.getpixel((0, 0)), text, weights, threads)
        )
        return {"cell": "reference", "cer": 0.0}

    monkeypatch.setattr(steel.evaluate.metrics, "reference_metrics", reference_metrics)
    out = tmp_path / "reference.json"
    assert reference_metrics_job(str(content), str(style), "Quorix", "random", image, out) == {
        "cell": "reference",
        "cer": 0.0,
    }
    assert calls == [(*sizes, (200, 200, 200), "Quorix", "weights:random", 1)]
    assert json.loads(out.read_text(encoding="utf-8")) == {"cell": "reference", "cer": 0.0}


def test_candidates_and_method_names():
    rows = [{"cell": "conv4_3-20", "cer": 0.0}, {"cell": "msgnet", "cer": 0.1}, {"cer": 0.2}]
    assert candidates(rows) == [rows[0], rows[2]]
    assert COMPARISON_CELLS == {"msgnet": "MSG-Net"} and METHOD == "Network of Steel"
    assert list(_with_method(rows[1]).items()) == [
        ("cell", "msgnet"),
        ("method", "MSG-Net"),
        ("cer", 0.1),
    ]
    assert list(_with_method(rows[0]).items()) == [
        ("cell", "conv4_3-20"),
        ("method", "Network of Steel"),
        ("cer", 0.0),
    ]
    assert _with_method({"cer": 0.2}) == {"cell": None, "method": "Network of Steel", "cer": 0.2}


ROWS = [
    {"cell": "conv4_3-20", "cer": 0.0, "ocr_text": "Quorix", "style_strength": 0.1, "artefacts": 0.01},
    {"cell": "conv4_3-200", "cer": 0.25, "ocr_text": "Quorlx", "style_strength": 0.4, "artefacts": 0.05},
    {"cell": "conv4_3-2000", "cer": 0.5, "ocr_text": "Qu", "style_strength": 0.9, "artefacts": 0.0},
]
MSGNET = {
    "cell": "msgnet",
    "cer": 0.0,
    "ocr_text": "Quorix",
    "style_strength": 0.95,
    "artefacts": 0.0,
    "extra": 1,
}
REFERENCE = {"cell": "reference", "cer": 0.0, "ocr_text": "Quorix", "artefacts": 0.0, "artefact_note": None}


def _metrics_files(tmp_path: Path, rows=ROWS) -> list[str]:
    return [str(_json(tmp_path / "runs" / row["cell"] / "metrics.json", row)) for row in rows]


@pytest.fixture
def captured_plot(monkeypatch):
    """tradeoff_plot and save_figure replaced: what the table job asks of the plot."""
    import steel.render.plots
    import steel.render.tradeoff

    calls = {}

    def tradeoff_plot(rows, title, **kwargs):
        calls["plot"] = (rows, title, kwargs)
        return "figure"

    def save_figure(figure, path, **kwargs):
        calls["save"] = (figure, path, kwargs)
        Path(path).write_bytes(b"png")

    monkeypatch.setattr(steel.render.tradeoff, "tradeoff_plot", tradeoff_plot)
    monkeypatch.setattr(steel.render.plots, "save_figure", save_figure)
    return calls


def test_metrics_table_job_writes_rows_and_asks_the_plot_for_the_choice(tmp_path, captured_plot):
    metrics = _metrics_files(tmp_path)
    comparison = _metrics_files(tmp_path, [MSGNET])
    reference = str(_json(tmp_path / "reference.json", dict(REFERENCE, cer=0.25, artefacts=0.5)))
    table, plot = tmp_path / "out" / "sweep.tsv", tmp_path / "out" / "sweep.png"
    best = metrics_table_job(metrics, reference, "a on b", 0.0, table, plot, 0.0, comparisons=comparison)
    # limits from the reference: CER 0.25 + 0, artefacts 0.5 + 0; the strongest style within them
    assert best == "conv4_3-200"
    assert table.read_text(encoding="utf-8").splitlines() == [
        "cell\tmethod\tcer\tocr_text\tstyle_strength\tartefacts\textra",
        "conv4_3-20\tNetwork of Steel\t0.0\tQuorix\t0.1\t0.01\t",
        "conv4_3-200\tNetwork of Steel\t0.25\tQuorlx\t0.4\t0.05\t",
        "conv4_3-2000\tNetwork of Steel\t0.5\tQu\t0.9\t0.0\t",
        "msgnet\tMSG-Net\t0.0\tQuorix\t0.95\t0.0\t1",
    ]
    rows, title, kwargs = captured_plot["plot"]
    limits = selection_limits(json.loads(Path(reference).read_text()), 0.0, 0.0)
    assert rows == ROWS and title == "a on b"
    assert kwargs == {
        "reference": json.loads(Path(reference).read_text()),
        "max_cer": 0.25,
        "max_artefacts": 0.5,
        "best": "conv4_3-200",
        "rule": limits["rule"],
        "others": [("MSG-Net", MSGNET)],
        "outlines": [],
    }
    assert captured_plot["save"] == ("figure", plot, {})
    assert _files(tmp_path / "out") == ["sweep.png", "sweep.tsv"]  # no partial file left


def test_metrics_table_job_lists_the_outline_cells_as_rows_of_their_method(tmp_path, captured_plot):
    metrics = _metrics_files(tmp_path)
    outline = dict(ROWS[0], style_strength=0.99)  # strongest, yet never the sweep's choice
    outlines = [str(_json(tmp_path / "outline" / outline["cell"] / "metrics.json", outline))]
    _json(tmp_path / "outline" / outline["cell"] / "run.json", {"method": "outline"})
    reference = str(_json(tmp_path / "reference.json", dict(REFERENCE, cer=0.25, artefacts=0.5)))
    table = tmp_path / "sweep.tsv"
    best = metrics_table_job(metrics, reference, "t", 0.0, table, tmp_path / "p.png", 0.0, outlines=outlines)
    assert best == "conv4_3-200"
    lines = table.read_text(encoding="utf-8").splitlines()
    assert lines[-1].split("\t")[:2] == [outline["cell"], "Network of Steel, outlines"]
    assert captured_plot["plot"][2]["outlines"] == [outline]
    # the pair's choice reads outline cells from their own metrics, never from a table's rows
    assert [row["cell"] for row in candidates(read_table(table))] == [row["cell"] for row in ROWS]


def test_metrics_table_job_without_an_artefact_limit(tmp_path, captured_plot):
    metrics = _metrics_files(tmp_path)
    reference = str(_json(tmp_path / "reference.json", REFERENCE))
    best = metrics_table_job(metrics, reference, "t", 0.5, tmp_path / "t.tsv", tmp_path / "t.png")
    assert best == choose_best(ROWS, 0.5)["cell"] == "conv4_3-2000"
    assert captured_plot["plot"][2]["max_artefacts"] is None and captured_plot["plot"][2]["others"] == []
    assert [row["method"] for row in read_table(tmp_path / "t.tsv")] == ["Network of Steel"] * 3


def test_metrics_table_job_refuses_a_sweep_cell_as_a_comparison(tmp_path, captured_plot):
    metrics = _metrics_files(tmp_path)
    reference = str(_json(tmp_path / "reference.json", REFERENCE))
    with pytest.raises(SteelError) as error:
        metrics_table_job(
            metrics[:2], reference, "t", 0.5, tmp_path / "t.tsv", tmp_path / "t.png", comparisons=metrics[2:]
        )
    assert str(error.value) == (
        "not a comparison method's cell: 'conv4_3-2000'; list its metrics.json as a sweep's cell"
    )
    assert not (tmp_path / "t.tsv").exists() and "plot" not in captured_plot


# ---- best_job ----------------------------------------------------------------------------------


def _tables(tmp_path: Path, *tables) -> tuple[list[str], Path]:
    run_root = tmp_path / "runs"
    paths = []
    for i, rows in enumerate(tables):
        for row in rows:
            pixels = np.full((4, 8, 3), int(255 * row.get("style_strength") or 0), np.uint8)
            (run_root / row["cell"]).mkdir(parents=True, exist_ok=True)
            Image.fromarray(pixels).save(run_root / row["cell"] / "stylized.png")
        path = tmp_path / f"table{i}.tsv"
        write_table([_with_method(row) for row in rows])(path)
        paths.append(str(path))
    return paths, run_root


def test_best_job_writes_the_choice_and_a_copy_of_its_image(tmp_path):
    tables, run_root = _tables(tmp_path, ROWS[:2], [ROWS[2], MSGNET])
    reference = str(_json(tmp_path / "reference.json", dict(REFERENCE, cer=0.25, style_strength=0.0)))
    out_json, out_png = tmp_path / "best" / "pair.json", tmp_path / "best" / "pair.png"
    choice = best_job(tables, str(run_root), 0.25, out_json, out_png, reference, 0.02)
    # MSG-Net is the strongest and clean, but never a candidate; CER limit 0.5, artefacts 0.02
    assert choice == {
        "cell": "conv4_3-2000",
        "method": "pixel",
        "source": f"sweep {tmp_path.name}",  # the folder of its metrics table: its sweep in the workflow
        "rule": selection_limits(REFERENCE | {"cer": 0.25}, 0.25, 0.02)["rule"],
        "max_cer": 0.25,
        "max_artefacts": 0.02,
        "cer_limit": 0.5,
        "artefact_limit": 0.02,
        "reference": {"cer": 0.25, "ocr_text": "Quorix", "artefacts": 0.0, "artefact_note": None},
        "qualified": True,
        "readable": True,
        "clean": True,
        "metrics": {"method": "Network of Steel", **ROWS[2], "extra": None},  # the tables' columns
        "image": str(run_root / "conv4_3-2000" / "stylized.png"),
        "svg": str(run_root / "conv4_3-2000" / "stylized.svg"),
        "candidates": 3,
    }
    assert json.loads(out_json.read_text(encoding="utf-8")) == choice
    assert out_png.read_bytes() == (run_root / "conv4_3-2000" / "stylized.png").read_bytes()
    assert _files(tmp_path / "best") == ["pair.json", "pair.png"]


def test_outline_cells_compete_with_their_pixel_twins_as_a_method_of_their_own(tmp_path):
    tables, run_root = _tables(tmp_path, ROWS[:3])
    outline_root = tmp_path / "outline"
    outlines = []
    for row, strength in ((ROWS[2], 0.99), (ROWS[0], 0.01)):  # the same cell ids as pixel cells
        folder = outline_root / row["cell"]
        folder.mkdir(parents=True)
        Image.new("RGB", (8, 4), "black").save(folder / "stylized.png")
        outlines.append(str(_json(folder / "metrics.json", dict(row, style_strength=strength))))
    reference = str(_json(tmp_path / "reference.json", dict(REFERENCE, cer=0.25, style_strength=0.0)))
    out_json, out_png = tmp_path / "best" / "pair.json", tmp_path / "best" / "pair.png"
    choice = best_job(tables, str(run_root), 0.25, out_json, out_png, reference, 0.02, outlines=outlines)
    assert (choice["method"], choice["cell"], choice["source"]) == (
        "outline",
        ROWS[2]["cell"],
        "outline cells",
    )
    assert choice["candidates"] == 5  # three pixel cells, two outline cells
    assert choice["image"] == str(outline_root / ROWS[2]["cell"] / "stylized.png")
    assert choice["svg"] == str(outline_root / ROWS[2]["cell"] / "stylized.svg")
    assert out_png.read_bytes() == (outline_root / ROWS[2]["cell"] / "stylized.png").read_bytes()
    # a weaker outline cell loses to its pixel twin under the same rule
    choice = best_job(tables, str(run_root), 0.25, out_json, out_png, reference, 0.02, outlines=outlines[1:])
    assert (choice["method"], choice["cell"]) == ("pixel", ROWS[2]["cell"])


def test_best_job_takes_a_cells_last_row_and_reports_why_nothing_qualifies(tmp_path):
    again = dict(ROWS[0], cer=0.75, artefacts=0.5)  # the same cell measured again in a later table
    tables, run_root = _tables(tmp_path, ROWS[:2], [again])
    choice = best_job(tables, str(run_root), 0.0, tmp_path / "b.json", tmp_path / "b.png", None, 0.0)
    # no reference: the limits are max_cer and no artefact limit (artefacts not measured)
    assert (choice["cer_limit"], choice["artefact_limit"], choice["reference"]) == (0.0, None, None)
    assert choice["candidates"] == 2
    # nothing is readable: the lowest CER, 0.25 > 0
    assert choice["cell"] == "conv4_3-200"
    assert (choice["qualified"], choice["readable"], choice["clean"]) == (False, False, True)


def test_best_job_lets_a_searchs_cells_compete_and_names_where_the_choice_came_from(tmp_path):
    tables, run_root = _tables(tmp_path, ROWS[:2])
    found = {"cell": "conv1_2-2000__conv4_3-1120", "cer": 0.0, "style_strength": 0.8, "artefacts": 0.0}
    Image.new("RGB", (8, 4)).save(run_root.parent / "found.png")
    (run_root / found["cell"]).mkdir()
    (run_root / found["cell"] / "stylized.png").write_bytes((run_root.parent / "found.png").read_bytes())
    weaker = {"cell": "conv1_2-2000__conv4_3-200", "cer": 0.0, "style_strength": 0.5, "artefacts": 0.0}
    again = dict(ROWS[0], style_strength=0.99)  # a sweep's cell the search also ran: the sweep's row counts
    search = _json(
        tmp_path / "search.json",
        {
            "search": "table9",
            "evaluated": [
                weaker | {"round": 1, "index": 0, "ratio": 0.1},
                found | {"round": 2, "index": 3, "ratio": 0.56},
                again | {"round": 1},
            ],
        },
    )
    choice = best_job(
        tables, str(run_root), 0.25, tmp_path / "b.json", tmp_path / "b.png", searches=[str(search)]
    )
    assert (choice["cell"], choice["source"], choice["candidates"]) == (found["cell"], "search table9", 4)
    assert choice["metrics"] == found  # without the search's round, index and ratio


def test_metrics_table_job_joins_each_traced_cells_vector_measures(tmp_path, captured_plot):
    metrics = _metrics_files(tmp_path)
    trace = {"mode": "binary", "filter_speckle": 4, "vector_iou": 0.93, "vector_cer": 0.0}
    vector = _json(tmp_path / "runs" / "conv4_3-200" / "vector.json", trace)
    reference = str(_json(tmp_path / "reference.json", REFERENCE))
    metrics_table_job(
        metrics, reference, "t", 0.5, tmp_path / "t.tsv", tmp_path / "t.png", vectors=[str(vector)]
    )
    rows = {row["cell"]: row for row in read_table(tmp_path / "t.tsv")}
    assert (rows["conv4_3-200"]["vector_mode"], rows["conv4_3-200"]["vector_iou"]) == ("binary", 0.93)
    assert "filter_speckle" not in rows["conv4_3-200"]
    assert rows["conv4_3-20"]["vector_mode"] is None  # not traced: empty


def test_best_job_readable_but_not_clean(tmp_path):
    tables, run_root = _tables(tmp_path, ROWS)
    reference = str(_json(tmp_path / "reference.json", REFERENCE))
    choice = best_job(tables, str(run_root), 0.5, tmp_path / "b.json", tmp_path / "b.png", reference, 0.001)
    # only conv4_3-2000 is clean (0.0 <= 0.001) and readable: chosen
    assert choice["cell"] == "conv4_3-2000" and choice["qualified"]
    choice = best_job(tables, str(run_root), 0.0, tmp_path / "b.json", tmp_path / "b.png", reference, 0.001)
    # readable: only conv4_3-20, with artefacts 0.01 > 0.001; the fewest artefacts among the readable
    assert choice["cell"] == "conv4_3-20"
    assert (choice["qualified"], choice["readable"], choice["clean"]) == (False, True, False)
    # at the limits exactly: qualified
    choice = best_job(tables, str(run_root), 0.0, tmp_path / "b.json", tmp_path / "b.png", reference, 0.01)
    assert choice["cell"] == "conv4_3-20" and (choice["readable"], choice["clean"]) == (True, True)


def test_best_job_without_measured_values_counts_them_as_within_the_limits(tmp_path):
    rows = [{"cell": "conv4_3-20", "cer": None, "style_strength": 0.3, "artefacts": None}]
    tables, run_root = _tables(tmp_path, rows)
    reference = str(_json(tmp_path / "reference.json", REFERENCE))
    choice = best_job(tables, str(run_root), 0.0, tmp_path / "b.json", tmp_path / "b.png", reference, 0.0)
    assert choice["cell"] == "conv4_3-20" and choice["artefact_limit"] == 0.0
    assert (choice["qualified"], choice["readable"], choice["clean"]) == (True, True, True)


def test_best_job_counts_a_missing_number_as_choose_best_does(tmp_path):
    """Among measured rows a row without a CER (OCR failed) or artefact share is not within the
    limits: the fallback that picks it must not call it readable or clean."""
    rows = [
        {"cell": "conv4_3-20", "cer": 0.75, "style_strength": 0.3, "artefacts": None},
        {"cell": "conv4_3-200", "cer": None, "style_strength": 0.9, "artefacts": 0.0},
    ]
    tables, run_root = _tables(tmp_path, rows)
    reference = str(_json(tmp_path / "reference.json", REFERENCE))
    choice = best_job(tables, str(run_root), 0.5, tmp_path / "b.json", tmp_path / "b.png", reference, 0.1)
    # nothing is readable: the lowest CER wins, and its missing artefact share is not clean
    assert choice["cell"] == "conv4_3-20"
    assert (choice["qualified"], choice["readable"], choice["clean"]) == (False, False, False)


@pytest.mark.parametrize("small", ["content", "style"])
def test_reference_metrics_job_names_the_image_that_is_too_small(tmp_path, small):
    paths = {
        name: _png(tmp_path / f"{name}.png", (8, 8) if name == small else (64, 64))
        for name in ("content", "style")
    }
    with pytest.raises(SteelError, match=rf"^{small} image {paths[small]} is 8x8 px"):
        reference_metrics_job(
            str(paths["content"]), str(paths["style"]), None, "random", {}, tmp_path / "r.json"
        )
    assert not (tmp_path / "r.json").exists()
