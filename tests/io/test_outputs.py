"""Files of a run folder as they are written and read back (steel.io.outputs)."""

from __future__ import annotations

import numpy as np
import torch

from steel.io.outputs import read_losses, write_gif, write_tsv


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
