"""Files of a run folder as they are written and read back (steel.io.outputs)."""

from __future__ import annotations

import numpy as np
import torch

from steel.io.outputs import _typed, read_losses, read_table, write_gif, write_table, write_tsv


def test_a_loss_table_reads_back_as_columns_to_six_significant_digits(tmp_path):
    rows = [
        {"iteration": 0, "total": 1234567.891, "conv1_2": 0.000123456789},
        {"iteration": 10, "total": 2.5, "conv1_2": 1e-9},
    ]
    path = tmp_path / "losses.tsv"
    write_tsv(rows)(path)
    assert path.read_text(encoding="utf-8").splitlines()[:2] == [
        "iteration\ttotal\tconv1_2",
        "0\t1.23457e+06\t0.000123457",
    ]
    columns = read_losses(path)
    assert list(columns) == ["iteration", "total", "conv1_2"]
    np.testing.assert_array_equal(columns["iteration"], [0, 10])
    np.testing.assert_allclose(columns["total"], [1234570, 2.5])
    np.testing.assert_allclose(columns["conv1_2"], [0.000123457, 1e-9])


def test_a_loss_table_of_a_header_only_reads_as_no_columns(tmp_path):
    path = tmp_path / "losses.tsv"
    path.write_text("iteration\ttotal\n", encoding="utf-8")
    assert read_losses(path) == {}


def test_an_optimisation_gif_plays_its_frames_at_ten_a_second_holds_the_last_and_loops(tmp_path):
    from PIL import Image

    frames = [torch.full((3, 8, 12), level, dtype=torch.uint8) for level in (0, 120, 240)]
    path = tmp_path / "optimisation.gif"
    write_gif(frames)(path)
    with Image.open(path) as gif:
        assert (gif.n_frames, gif.size, gif.info["loop"]) == (3, (12, 8), 0)
        durations, levels = [], []
        for index in range(gif.n_frames):
            gif.seek(index)
            durations.append(gif.info["duration"])
            levels.append(np.asarray(gif.convert("L"))[0, 0])
    assert durations == [100, 100, 1500]
    assert [abs(int(a) - b) <= 2 for a, b in zip(levels, (0, 120, 240), strict=True)] == [True] * 3


# ---- tables ------------------------------------------------------------------------------------


def test_write_tsv_takes_the_union_of_columns_and_leaves_missing_values_empty(tmp_path):
    path = tmp_path / "t.tsv"
    write_table([{"cell": "a", "cer": 0.5}, {"cell": "b", "ocr_text": "Qø", "cer": None}])(path)
    assert path.read_bytes().decode("utf-8") == "cell\tcer\tocr_text\na\t0.5\t\nb\t\tQø\n"
    assert read_table(path) == [
        {"cell": "a", "cer": 0.5, "ocr_text": None},
        {"cell": "b", "cer": None, "ocr_text": "Qø"},
    ]


def test_read_table_types_each_field(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("a\tb\tc\td\te\n3\t0.25\t1e-3\tconv4_3-20\t\n", encoding="utf-8")
    (row,) = read_table(path)
    assert row == {"a": 3, "b": 0.25, "c": 0.001, "d": "conv4_3-20", "e": None}
    assert type(row["a"]) is int and type(row["b"]) is float
    assert _typed("") is None and _typed("nan") != _typed("nan")  # float nan
    assert _typed("-2") == -2 and _typed("inf") == float("inf") and _typed("x1") == "x1"


def test_a_line_break_in_an_ocr_text_survives_the_table(tmp_path):
    """The OCR may read a logo as two lines: the text comes back exactly, CR LF included."""
    path = tmp_path / "t.tsv"
    rows = [{"cell": "a", "ocr_text": "Quo\r\nrix"}, {"cell": "b", "ocr_text": "Quo\nrix"}]
    write_table(rows)(path)
    assert read_table(path) == rows
