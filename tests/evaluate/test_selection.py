"""The workflow's choice of the best cell, recomputed from its own files: metrics JSON -> sweep TSV ->
best.json, with the limits set from the unstyled reference; every file UTF-8."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from steel.errors import SteelError
from steel.evaluate.selection import choose_best, selection_limits
from steel.io.outputs import read_table
from steel.jobs.metrics import best_job, metrics_table_job

#: the first row is a poor choice on purpose: taking the first row instead of choosing fails
ROWS = [
    {"cell": "conv4_3-20", "cer": 0.0, "ocr_text": "Quorix", "style_strength": 0.10, "artefacts": 0.01},
    {"cell": "conv4_3-200", "cer": 0.25, "ocr_text": "Quorlx", "style_strength": 0.40, "artefacts": 0.05},
    {
        "cell": "conv4_3-2000",
        "cer": 0.5,
        "ocr_text": "Qu\u00f6r\u00efx\u2020",
        "style_strength": 0.90,
        "artefacts": 0.0,
    },
    {
        "cell": "conv1_2-2000__conv4_3-2000",
        "cer": 0.25,
        "ocr_text": "Quorix",
        "style_strength": 0.7,
        "artefacts": 0.2,
    },
]
REFERENCE = {
    "cell": "reference",
    "cer": 0.0,
    "ocr_text": "Quorix",
    "style_strength": 0.0,
    "artefacts": 0.0,
    "artefact_note": None,
}


def _write(tmp_path: Path, rows=ROWS, reference=REFERENCE):
    paths = []
    run_root = tmp_path / "runs"
    for row in rows:
        folder = run_root / row["cell"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "metrics.json").write_text(json.dumps(row, ensure_ascii=False), encoding="utf-8")
        value = int(255 * row["style_strength"])
        Image.fromarray(np.full((8, 16, 3), value, np.uint8)).save(folder / "stylized.png")
        paths.append(str(folder / "metrics.json"))
    reference_path = tmp_path / "reference.json"
    reference_path.write_text(json.dumps(reference), encoding="utf-8")
    return paths, str(reference_path), run_root


@pytest.mark.parametrize(("max_cer", "max_artefacts"), [(0.25, 0.1), (0.25, None), (0.0, 0.1), (0.6, 0.0)])
def test_best_is_recomputed_from_its_own_table(tmp_path, max_cer, max_artefacts):
    metrics, reference, run_root = _write(tmp_path)
    table, plot = tmp_path / "sweep.tsv", tmp_path / "sweep.png"
    sweep_best = metrics_table_job(
        metrics, reference, "sweep", max_cer, table, plot, max_artefacts=max_artefacts
    )
    out_json, out_png = tmp_path / "best.json", tmp_path / "best.png"
    choice = best_job([str(table)], str(run_root), max_cer, out_json, out_png, reference, max_artefacts)
    rows = read_table(table)
    assert [row["cell"] for row in rows] == [row["cell"] for row in ROWS]
    limits = selection_limits(REFERENCE, max_cer, max_artefacts)
    expected = choose_best(rows, limits["cer_limit"], limits["artefact_limit"])["cell"]
    written = json.loads(out_json.read_text(encoding="utf-8"))
    assert written == choice
    assert written["cell"] == expected == sweep_best
    assert written["rule"] == limits["rule"]
    assert (written["cer_limit"], written["artefact_limit"]) == (
        limits["cer_limit"],
        limits["artefact_limit"],
    )
    assert written["metrics"]["cell"] == expected and written["candidates"] == len(ROWS)
    assert out_png.read_bytes() == (run_root / expected / "stylized.png").read_bytes()


def test_best_choices_by_hand(tmp_path):
    metrics, reference, run_root = _write(tmp_path)
    table = tmp_path / "sweep.tsv"
    metrics_table_job(metrics, reference, "sweep", 0.25, table, tmp_path / "plot.png", max_artefacts=0.1)

    def best(max_cer, max_artefacts, reference=reference):
        return best_job(
            [str(table)],
            str(run_root),
            max_cer,
            tmp_path / "b.json",
            tmp_path / "b.png",
            reference,
            max_artefacts,
        )

    choice = best(0.25, 0.1)
    assert choice["cell"] == "conv4_3-200"  # exactly at the CER limit; the 0.7 one is too dirty
    assert choice["qualified"] and choice["readable"] and choice["clean"]
    assert "CER <= 0.25" in choice["rule"] and "artefacts <= 0.1" in choice["rule"]
    assert best(0.25, None)["cell"] == "conv1_2-2000__conv4_3-2000"
    assert best(0.0, 0.1)["cell"] == "conv4_3-20"
    # judged against the reference: a reference read with CER 0.25 moves the CER limit to 0.5
    worse = tmp_path / "worse.json"
    worse.write_text(json.dumps(dict(REFERENCE, cer=0.25)))
    choice = best(0.25, 0.1, str(worse))
    assert choice["cell"] == "conv4_3-2000" and choice["cer_limit"] == 0.5
    assert choice["reference"]["cer"] == 0.25
    # nothing qualifies: reported as such
    choice = best(0.0, 0.0)
    assert choice["cell"] == "conv4_3-20" and not choice["qualified"] and choice["readable"]


def test_tables_and_json_are_utf8_whatever_the_locale(tmp_path):
    """Under an ASCII locale, writing the OCR text without an explicit encoding would fail."""
    metrics, reference, run_root = _write(tmp_path)
    script = f"""
from steel.jobs.metrics import best_job, metrics_table_job
metrics_table_job({metrics!r}, {reference!r}, "t\\u00eftle", 0.25, {str(tmp_path / "t.tsv")!r},
                  {str(tmp_path / "t.png")!r}, max_artefacts=0.1)
best_job([{str(tmp_path / "t.tsv")!r}], {str(run_root)!r}, 0.6, {str(tmp_path / "b.json")!r},
         {str(tmp_path / "b.png")!r}, {reference!r}, 0.1)
"""
    env = dict(
        os.environ, LC_ALL="C", LANG="C", PYTHONUTF8="0", PYTHONCOERCECLOCALE="0", PYTHONIOENCODING="utf-8"
    )
    check = subprocess.run(
        [sys.executable, "-c", "import locale; print(locale.getpreferredencoding())"],
        env=env,
        capture_output=True,
        text=True,
    )
    if "utf" in check.stdout.lower():
        pytest.skip("this Python uses UTF-8 even under the C locale")
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    text = (tmp_path / "t.tsv").read_bytes().decode("utf-8")
    assert "Qu\u00f6r\u00efx\u2020" in text
    choice = json.loads((tmp_path / "b.json").read_bytes().decode("utf-8"))
    assert choice["metrics"]["ocr_text"] == "Qu\u00f6r\u00efx\u2020"


def _torch_after(code: str) -> bool:
    script = f"import sys\n{code}\nprint('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip().splitlines()[-1] == "True"


def test_cheap_modules_import_without_torch():
    """The workflow's cheap rules (tables, best, sheets, plots) must not pay torch's import."""
    assert not _torch_after(
        "import steel.jobs.metrics, steel.jobs.sheets, steel.jobs.plots, steel.evaluate.metrics, "
        "steel.evaluate.ocr, "
        "steel.render.plots, steel.render.tradeoff, steel.render.sheets"
    )


def test_best_job_runs_without_torch(tmp_path):
    metrics, reference, run_root = _write(tmp_path)
    code = f"""
from steel.jobs.metrics import best_job, metrics_table_job
metrics_table_job({metrics!r}, {reference!r}, "t", 0.25, {str(tmp_path / "t.tsv")!r},
                  {str(tmp_path / "t.png")!r}, max_artefacts=0.1)
best_job([{str(tmp_path / "t.tsv")!r}], {str(run_root)!r}, 0.25, {str(tmp_path / "b.json")!r},
         {str(tmp_path / "b.png")!r}, {reference!r}, 0.1)
"""
    assert not _torch_after(code)


def test_library_writers_are_utf8(tmp_path):
    from steel.io.outputs import write_json, write_tsv

    write_json({"text": "Ærø №1"})(tmp_path / "r.json")
    assert "Ærø №1" in (tmp_path / "r.json").read_bytes().decode("utf-8")
    write_tsv([{"iteration": 0, "total": 1.0}])(tmp_path / "l.tsv")
    assert (tmp_path / "l.tsv").read_bytes().decode("utf-8").startswith("iteration\ttotal")


#: MSG-Net's cell, better than every sweep cell by the rule (readable, clean, strongest style)
MSGNET_ROW = {"cell": "msgnet", "cer": 0.0, "ocr_text": "Quorix", "style_strength": 0.95, "artefacts": 0.0}


def test_msgnet_is_a_row_of_the_table_and_a_point_but_never_the_choice(tmp_path):
    from steel.evaluate.selection import COMPARISON_CELLS, candidates
    from steel.jobs.findings import findings_job
    from steel.msgnet.train import CELL

    assert CELL in COMPARISON_CELLS  # the workflow's MSG-Net cell is the one left out
    metrics, reference, run_root = _write(tmp_path, rows=[*ROWS, MSGNET_ROW])
    table, plot = tmp_path / "sweep.tsv", tmp_path / "sweep.png"
    sweep_best = metrics_table_job(
        metrics[:-1], reference, "sweep", 0.25, table, plot, max_artefacts=0.1, comparisons=metrics[-1:]
    )
    rows = read_table(table)
    assert [(row["cell"], row["method"]) for row in rows] == [
        *((row["cell"], "Network of Steel") for row in ROWS),
        ("msgnet", "MSG-Net"),
    ]
    assert rows[-1]["style_strength"] == 0.95 and rows[-1]["ocr_text"] == "Quorix"
    assert list(rows[0])[:2] == ["cell", "method"]
    assert [row["cell"] for row in candidates(rows)] == [row["cell"] for row in ROWS]
    # MSG-Net would win under the rule; the sweep's choice, best.json and the findings ignore it
    assert choose_best(rows, 0.25, 0.1)["cell"] == "msgnet"
    assert sweep_best == "conv4_3-200"
    choice = best_job(
        [str(table)], str(run_root), 0.25, tmp_path / "b.json", tmp_path / "b.png", reference, 0.1
    )
    assert choice["cell"] == "conv4_3-200" and choice["candidates"] == len(ROWS)
    config = {
        "t": {
            "rows": {"layers": ["conv1_2"], "values": [0, 2000]},
            "cols": {"layers": ["conv4_3"], "values": [20]},
        }
    }
    findings = findings_job(
        config, [str(table)], reference, [], [], 0.25, "a on b", tmp_path / "f.md", tmp_path / "f.json", 0.1
    )
    assert "msgnet" not in json.dumps(findings)
    # a comparison file that is not a comparison method's cell is refused in one line
    with pytest.raises(SteelError, match="not a comparison method's cell: 'conv4_3-20'") as error:
        metrics_table_job(metrics[1:], reference, "s", 0.25, table, plot, comparisons=metrics[:1])
    assert "\n" not in str(error.value)


def test_metrics_table_without_comparisons_names_every_row_network_of_steel(tmp_path):
    metrics, reference, _ = _write(tmp_path)
    table = tmp_path / "sweep.tsv"
    metrics_table_job(metrics, reference, "sweep", 0.25, table, tmp_path / "p.png")
    assert {row["method"] for row in read_table(table)} == {"Network of Steel"}


def test_another_methods_label_carries_its_training_budget():
    from steel.evaluate.selection import METHOD, method_label

    record = {"training": {"steps": 150, "width": 128}, "weights": "hed"}
    assert method_label("msgnet", record) == "MSG-Net (150 steps at 128 px, hed weights)"
    assert method_label("msgnet", None) == "MSG-Net"
    assert method_label("conv1_2-20", record) == METHOD


def test_a_searched_cell_that_beats_the_sweeps_is_recommended_and_says_where_it_came_from(tmp_path):
    from steel.io.outputs import write_table
    from steel.jobs.metrics import best_job

    rows = [
        {"cell": "a", "cer": 0.0, "artefacts": 0.0, "style_strength": 0.3},
        {"cell": "b", "cer": 0.0, "artefacts": 0.5, "style_strength": 0.6},  # too many artefacts
    ]
    table = tmp_path / "metrics" / "table9" / "pair.tsv"
    table.parent.mkdir(parents=True)
    write_table(rows)(table)
    search = {
        "search": "t9",
        "evaluated": [
            {
                "round": 2,
                "index": 7,
                "ratio": 0.3,
                "cell": "s",
                "cer": 0.0,
                "artefacts": 0.05,
                "style_strength": 0.4,
            },
            {
                "round": 1,
                "index": 0,
                "ratio": 0.01,
                "cell": "a",
                "cer": 0.0,
                "artefacts": 0.0,
                "style_strength": 0.3,
            },
        ],
    }
    found = tmp_path / "search.json"
    found.write_text(json.dumps(search))
    for cell in ("a", "b", "s"):
        (tmp_path / "runs" / cell).mkdir(parents=True)
        Image.new("RGB", (8, 8)).save(tmp_path / "runs" / cell / "stylized.png")
    reference = tmp_path / "reference.json"
    reference.write_text(json.dumps({"cer": 0.0, "artefacts": 0.0}))
    args = ([str(table)], str(tmp_path / "runs"), 0.25, tmp_path / "best.json", tmp_path / "best.png")
    choice = best_job(*args, reference=str(reference), max_artefacts=0.1, searches=[str(found)])
    assert (choice["cell"], choice["source"]) == ("s", "search t9")
    without = best_job(*args, reference=str(reference), max_artefacts=0.1)
    assert (without["cell"], without["source"]) == ("a", "sweep table9")
