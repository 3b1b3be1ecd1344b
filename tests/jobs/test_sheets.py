"""The sheet jobs (steel.jobs.sheets), called directly: contact sheets, the methods sheet, the overview and
their notes, the drawing replaced where a job only passes its panels on."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from job_helpers import _files, _json, _png
from PIL import Image

from steel.io.outputs import read_json, read_table, write_table
from steel.jobs.sheets import _metrics_note, methods_sheet_job, metrics_note, overview_job, sheet_job
from steel.plan.sweeps import Sweep

# ---- sheets -------------------------------------------------------------------------------------


def test_metrics_note_variants(tmp_path):
    assert metrics_note({"cer": 1.005, "artefacts": 0.125, "style_strength": 0.3}) == (
        "CER 1.00 · art 0.12 · style 0.30"
    )
    assert metrics_note({"cer": None, "artefacts": 0.5}) == "art 0.50"
    assert metrics_note({"cer": 0.0, "artefact_note": "grey ground (level 100) here"}) == (
        "CER 0.00 · art n/a: grey ground"
    )
    assert (
        metrics_note({"cer": 0.0, "artefact_note": "", "style_strength": None})
        == "CER 0.00 · art n/a: not measured"
    )
    assert metrics_note({}) == "art n/a: not measured"
    assert metrics_note({"artefacts": 0.0, "style_strength": 0.0}) == "art 0.00 · style 0.00"
    path = _json(tmp_path / "metrics.json", {"cer": 0.5, "artefacts": 0.25})
    assert _metrics_note(path) == "CER 0.50 · art 0.25"
    assert _metrics_note(tmp_path) is None  # a folder is no metrics file


@pytest.fixture
def captured_sheet(monkeypatch):
    import steel.render.sheets

    calls = []

    def contact_sheet_with_layout(*args, **kwargs):
        calls.append((args, kwargs))
        return Image.new("RGB", (5, 3), (1, 2, 3)), "layout"

    monkeypatch.setattr(steel.render.sheets, "contact_sheet_with_layout", contact_sheet_with_layout)
    return calls


def _sweep_dirs(tmp_path: Path, sweep: Sweep, with_metrics=True) -> dict[str, str]:
    run_dirs = {}
    for i, cell in enumerate(sweep.cell_ids):
        folder = tmp_path / "runs" / cell
        _png(folder / "stylized.png")
        if with_metrics and i != 1:
            _json(folder / "metrics.json", {"cer": i / 10, "artefacts": 0.0, "style_strength": 0.5})
        run_dirs[cell] = str(folder)
    return run_dirs


def test_sheet_job_passes_the_grid_in_table_order_with_notes_labels_and_the_sweeps_loss(
    tmp_path, captured_sheet
):
    sweep = Sweep.from_config(
        "deep",
        {
            "rows": {"layers": ["conv1_2"], "values": [0, 2000]},
            "cols": {"layers": ["conv4_3"], "values": [20, 200, 2000]},
            "loss": {"normalise": "gatys", "content_weight": 100},
        },
        base_loss={"normalise": "paper", "content_weight": 1.0, "tv_weight": 0.001},
    )
    run_dirs = _sweep_dirs(tmp_path, sweep)
    out = tmp_path / "sheets" / "deep.png"
    assert sheet_job(sweep, run_dirs, "s.png", "c.png", out, ("metal", "corp")) == "layout"
    ((args, kwargs),) = captured_sheet
    cells = [[Path(run_dirs[cell]) / "stylized.png" for cell in row] for row in sweep.id_grid]
    assert args == (cells, (0.0, 2000.0), (20.0, 200.0, 2000.0), ("conv1_2",), ("conv4_3",), "s.png", "c.png")
    assert kwargs["title"] == "deep (loss: content_weight 100, normalise gatys)"
    assert (kwargs["style_label"], kwargs["content_label"], kwargs["alpha"]) == (
        "style: metal",
        "content: corp",
        None,
    )
    ids = sweep.id_grid
    assert kwargs["notes"] == [
        [
            f"CER {sweep.cell_ids.index(cell) / 10:.2f} · art 0.00 · style 0.50"
            if cell != sweep.cell_ids[1]
            else None
            for cell in row
        ]
        for row in ids
    ]
    assert np.asarray(Image.open(out)).tolist() == [[[1, 2, 3]] * 5] * 3
    assert _files(tmp_path / "sheets") == ["deep.png"]


def test_sheet_job_titles_and_alpha_paths(tmp_path, captured_sheet):
    sweep = Sweep.from_config(
        "wide",
        {"title": "Its title", "cols": {"layers": ["conv4_3"], "values": [20, 200]}},
        base_loss={"tv_weight": 0.001},
    )
    run_dirs = _sweep_dirs(tmp_path, sweep)
    sheet_job(sweep, run_dirs, "s.png", "c.png", tmp_path / "a.png", ("s", "c"), with_notes=False, alpha=True)
    sheet_job(sweep, run_dirs, "s.png", "c.png", tmp_path / "b.png", ("s", "c"), title="Given")
    untitled = Sweep.from_config("plain", {"cols": {"layers": ["conv4_3"], "values": [20, 200]}})
    sheet_job(untitled, run_dirs, "s.png", "c.png", tmp_path / "c.png", ("s", "c"))
    (first, second, third) = [kwargs for _, kwargs in captured_sheet]
    assert (first["title"], second["title"], third["title"]) == ("Its title", "Given", "plain")
    assert first["notes"] is None and second["notes"] is not None
    assert first["alpha"] == [[Path(run_dirs[cell]) / "stylized_alpha.png" for cell in sweep.cell_ids]]
    assert second["alpha"] is None


def _methods_files(tmp_path: Path):
    runs = tmp_path / "runs"
    values = {
        "relu1_2-200": {
            "cer": 0.0,
            "ocr_text": "Quorix",
            "artefacts": 0.01,
            "colour_share": 0.2,
            "style_strength": 0.4,
        },
        "conv4_3-20": {
            "cer": 0.25,
            "ocr_text": "Quørix",
            "artefacts": 0.02,
            "colour_share": 0.1,
            "style_strength": 0.3,
        },
        "msgnet": {"cer": 1.0, "ocr_text": "", "artefacts": None, "style_strength": 0.05, "seconds": 3},
    }
    for cell, row in values.items():
        _png(runs / cell / "stylized.png")
        _json(runs / cell / "metrics.json", {"cell": cell, **row})
    best = _json(tmp_path / "best.json", {"cell": "conv4_3-20"})
    reference = _json(tmp_path / "reference.json", {"cer": 0.0, "ocr_text": "Quorix", "artefacts": 0.0})
    return runs, best, reference


def test_methods_sheet_job_panels_notes_and_table(tmp_path, monkeypatch):
    import steel.render.methods
    import steel.render.sheets

    runs, best, reference = _methods_files(tmp_path)
    calls = []

    def methods_sheet(panels, title):
        calls.append((panels, title))
        return Image.new("RGB", (4, 2), (9, 9, 9))

    monkeypatch.setattr(steel.render.methods, "methods_sheet", methods_sheet)
    out = tmp_path / "out"
    rows = methods_sheet_job(
        runs,
        best,
        "c.png",
        "s.png",
        reference,
        gatys="relu1_2-200",
        msgnet="msgnet",
        title="a on b",
        sheet_out=out / "m.png",
        table_out=out / "m.tsv",
    )
    ((panels, title),) = calls
    assert title == "Methods: a on b"
    assert panels == [
        ("content", "c.png", "CER 0.00 · art 0.00"),
        ("style", "s.png", None),
        ("Gatys (table 1)", str(runs / "relu1_2-200" / "stylized.png"), "CER 0.00 · art 0.01 · style 0.40"),
        (
            "Network of Steel",
            str(runs / "conv4_3-20" / "stylized.png"),
            "CER 0.25 · art 0.02 · style 0.30 · conv4_3-20",
        ),
        ("MSG-Net", str(runs / "msgnet" / "stylized.png"), "CER 1.00 · art n/a: not measured · style 0.05"),
    ]
    assert (out / "m.tsv").read_bytes().decode("utf-8").splitlines() == [
        "method\tcell\tcer\tocr_text\tartefacts\tcolour_share\tstyle_strength",
        "content\t\t0.0\tQuorix\t0.0\t\t",
        "Gatys (table 1)\trelu1_2-200\t0.0\tQuorix\t0.01\t0.2\t0.4",
        "Network of Steel\tconv4_3-20\t0.25\tQuørix\t0.02\t0.1\t0.3",
        "MSG-Net\tmsgnet\t1.0\t\t\t\t0.05",
    ]
    assert b"\r" not in (out / "m.tsv").read_bytes()
    assert rows[0] == {
        "method": "content",
        "cell": "",
        "cer": 0.0,
        "ocr_text": "Quorix",
        "artefacts": 0.0,
        "colour_share": None,
        "style_strength": None,
    }
    assert [row["method"] for row in rows] == ["content", "Gatys (table 1)", "Network of Steel", "MSG-Net"]
    assert np.asarray(Image.open(out / "m.png")).tolist() == [[[9, 9, 9]] * 4] * 2
    assert _files(out) == ["m.png", "m.tsv"]


def test_methods_sheet_job_without_metrics_names_the_recommended_cell(tmp_path, monkeypatch):
    import steel.render.methods
    import steel.render.sheets

    runs, best, _ = _methods_files(tmp_path)
    (runs / "conv4_3-20" / "metrics.json").unlink()
    panels = []
    monkeypatch.setattr(
        steel.render.methods, "methods_sheet", lambda p, title: panels.extend(p) or Image.new("RGB", (1, 1))
    )
    rows = methods_sheet_job(
        runs,
        best,
        "c.png",
        "s.png",
        tmp_path / "none.json",
        gatys=None,
        msgnet="msgnet",
        title="t",
        sheet_out=tmp_path / "m.png",
        table_out=tmp_path / "m.tsv",
    )
    assert [(label, note) for label, _, note in panels] == [
        ("content", None),
        ("style", None),
        ("Network of Steel", "conv4_3-20"),
        ("MSG-Net", "CER 1.00 · art n/a: not measured · style 0.05"),
    ]
    assert [row["method"] for row in rows] == ["MSG-Net"]


def test_methods_sheet_job_sets_the_outline_method_beside_the_pixel_method(tmp_path, monkeypatch):
    """With outline cells, each method shows the cell the pair's rule picks among its own cells
    (under best.json's limits), and the recommended one says so; without MSG-Net, no panel of it."""
    import steel.render.methods

    runs, _, reference = _methods_files(tmp_path)
    outline_root = tmp_path / "outline"
    outlines = []
    for cell, strength in (("conv4_3-20", 0.5), ("relu1_2-200", 0.9)):
        _png(outline_root / cell / "stylized.png")
        row = {"cell": cell, "cer": 0.0, "ocr_text": "Quorix", "artefacts": 0.0, "style_strength": strength}
        outlines.append(str(_json(outline_root / cell / "metrics.json", row)))
    pixels = [str(runs / cell / "metrics.json") for cell in ("relu1_2-200", "conv4_3-20")]
    panels = []
    monkeypatch.setattr(
        steel.render.methods, "methods_sheet", lambda p, title: panels.extend(p) or Image.new("RGB", (1, 1))
    )

    def sheet(choice: dict) -> dict[str, tuple[str, str]]:
        panels.clear()
        limits = {"cer_limit": 0.25, "artefact_limit": 0.1}
        methods_sheet_job(
            runs, _json(tmp_path / "best.json", choice | limits), "c.png", "s.png", reference,
            gatys=None, msgnet=None, title="t", sheet_out=tmp_path / "m.png", table_out=tmp_path / "m.tsv",
            outlines=outlines, pixels=pixels,
        )  # fmt: skip
        return {label: (image, note) for label, image, note in panels}

    # an outline cell recommended: the pixel method's own pick is the strongest readable pixel cell
    found = sheet(
        {
            "cell": "relu1_2-200",
            "method": "outline",
            "image": str(outline_root / "relu1_2-200" / "stylized.png"),
        }
    )
    assert list(found) == ["content", "style", "Network of Steel", "Network of Steel, outlines"]
    assert found["Network of Steel"] == (
        str(runs / "relu1_2-200" / "stylized.png"),
        "CER 0.00 · art 0.01 · style 0.40 · relu1_2-200",
    )
    assert found["Network of Steel, outlines"][1].endswith("· relu1_2-200 · recommended")
    # a pixel cell recommended: the outline method's pick is its strongest cell, not recommended
    found = sheet(
        {"cell": "conv4_3-20", "method": "pixel", "image": str(runs / "conv4_3-20" / "stylized.png")}
    )
    assert found["Network of Steel"][1].endswith("· conv4_3-20 · recommended")
    assert found["Network of Steel, outlines"] == (
        str(outline_root / "relu1_2-200" / "stylized.png"),
        "CER 0.00 · art 0.00 · style 0.90 · relu1_2-200",
    )


# ---- overview ----------------------------------------------------------------------------------


def test_overview_job_saves_the_overview(tmp_path, monkeypatch):
    import steel.render.sheets

    calls = []
    monkeypatch.setattr(
        steel.render.sheets,
        "overview",
        lambda sheets, title: calls.append((sheets, title)) or Image.new("RGB", (3, 2), (7, 7, 7)),
    )
    overview_job([("a", "a.png")], "All", tmp_path / "o" / "overview.png")
    assert calls == [([("a", "a.png")], "All")]
    assert np.asarray(Image.open(tmp_path / "o" / "overview.png")).tolist() == [[[7, 7, 7]] * 3] * 2
    assert _files(tmp_path / "o") == ["overview.png"]


@pytest.fixture
def ascii_locale():
    """An ASCII locale in this process: a file opened without an explicit encoding is ASCII here
    (the subprocess test in tests/evaluate/test_selection.py checks the same of a fresh interpreter)."""
    import locale

    old = locale.setlocale(locale.LC_CTYPE)
    try:
        locale.setlocale(locale.LC_CTYPE, "C")
        if sys.flags.utf8_mode or "utf" in locale.getpreferredencoding(False).lower():
            pytest.skip("this Python uses UTF-8 under the C locale")
        yield
    finally:
        locale.setlocale(locale.LC_CTYPE, old)


def test_tables_and_metrics_files_are_utf8_under_an_ascii_locale(tmp_path, monkeypatch, ascii_locale):
    import steel.render.methods
    import steel.render.sheets

    path = tmp_path / "t.tsv"
    rows = [{"cell": "conv4_3-20", "ocr_text": "Quørix"}]
    write_table(rows)(path)
    assert path.read_bytes().decode("utf-8") == "cell\tocr_text\nconv4_3-20\tQuørix\n"
    assert read_table(path) == rows
    assert read_json(_json(tmp_path / "m.json", {"ocr_text": "Quørix"})) == {"ocr_text": "Quørix"}
    runs, best, reference = _methods_files(tmp_path)
    monkeypatch.setattr(steel.render.methods, "methods_sheet", lambda panels, title: Image.new("RGB", (1, 1)))
    methods_sheet_job(
        runs,
        best,
        "c.png",
        "s.png",
        reference,
        gatys=None,
        msgnet="msgnet",
        title="t",
        sheet_out=tmp_path / "m.png",
        table_out=tmp_path / "m.tsv",
    )
    assert "Network of Steel\tconv4_3-20\t0.25\tQuørix\t" in (tmp_path / "m.tsv").read_bytes().decode("utf-8")


def test_a_traced_cells_note_gives_its_ink_overlap_size_and_cer():
    from steel.jobs.sheets import vector_note

    trace = {"vector_iou": 0.934, "vector_paths": 12, "vector_bytes": 2048, "vector_cer": 0.1}
    assert vector_note(trace) == "IoU 0.93 · 12 paths · 2 KB · CER 0.10"
    assert vector_note(trace | {"vector_iou": None, "vector_cer": None}) == "IoU - · 12 paths · 2 KB"


def test_methods_sheet_job_names_msgnets_training_budget_from_its_run_json(tmp_path):
    runs, best, reference = _methods_files(tmp_path)
    record = {"training": {"steps": 300, "width": 128}, "weights": "hed"}
    (runs / "msgnet" / "run.json").write_text(json.dumps(record))
    rows = methods_sheet_job(
        runs, best, str(runs / "msgnet" / "stylized.png"), str(runs / "msgnet" / "stylized.png"), reference,
        gatys=None, msgnet="msgnet", title="t", sheet_out=tmp_path / "m.png", table_out=tmp_path / "m.tsv",
    )  # fmt: skip
    label = "MSG-Net (300 steps at 128 px, hed weights)"
    assert rows[-1]["method"] == label
    assert (tmp_path / "m.tsv").read_text(encoding="utf-8").splitlines()[-1].startswith(f"{label}\tmsgnet\t")
    assert (tmp_path / "m.png").is_file()
