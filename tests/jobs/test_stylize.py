"""The stylize job (steel.jobs.stylize), called directly: steel.cells.stylize.run replaced by a fake, the job
only maps its params and reports."""

from __future__ import annotations

from pathlib import Path

import pytest
from job_helpers import EXECUTION, LOSS, PARAMS

from steel.config import settings_from_config
from steel.errors import SteelError
from steel.jobs.stylize import stylize_job


def test_stylize_job_runs_the_batch_with_the_params_and_reports(tmp_path, fake_run, capsys):
    import torch

    threads = torch.get_num_threads()
    try:
        images = [
            str(tmp_path / "conv4_3-20__normalise-gatys" / "stylized.png"),
            str(tmp_path / "conv1_2-200__conv4_3-20__normalise-gatys" / "stylized.png"),
        ]
        records = stylize_job("styles/metal.png", "contents/corp.png", images, PARAMS, EXECUTION, threads=0)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(threads)
    assert records[0]["device"] == "cpu" and len(records) == 2
    (call,) = fake_run
    assert (call["style"], call["content"]) == ("styles/metal.png", "contents/corp.png")
    assert call["cells"] == [{"conv4_3": 20.0}, {"conv1_2": 200.0, "conv4_3": 20.0}]
    assert call["out_dirs"] == [Path(image).parent for image in images]
    assert call["ids"] == ["conv4_3-20__normalise-gatys", "conv1_2-200__conv4_3-20__normalise-gatys"]
    assert call["settings"] == settings_from_config(
        {
            "optimizer": PARAMS["optimizer"],
            "loss": PARAMS["loss"],
            "seed": 3,
            "execution": EXECUTION,
            "image": PARAMS["image"],
        }
    )
    assert call["settings"].normalise == "gatys" and call["settings"].seed == 3
    assert (call["settings"].colour, call["settings"].scales) == ("grey", (0.5, 1))  # image settings
    assert (call["weights"], call["device"], call["width"], call["style_width"]) == ("random", "cpu", 40, 32)
    assert (call["invert"], call["alpha"], call["checkpoint_every"], call["progress"]) == (
        False,
        True,
        5,
        False,
    )
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "stylize corp.png with metal.png: conv4_3-20__normalise-gatys, "
        "conv1_2-200__conv4_3-20__normalise-gatys",
        "iteration      10  total 1.23457e+06  style 0.5  content 2",
        "done on cpu: 0.1235 s/step for 2 cell(s), 7.2 s in all",
    ]


def test_stylize_job_defaults_and_one_image_as_a_string(tmp_path, fake_run, capsys):
    import torch

    threads = torch.get_num_threads()
    try:
        params = PARAMS | {"image": {}, "loss": LOSS}
        stylize_job("s.png", "c.png", str(tmp_path / "conv4_3-20" / "stylized.png"), params, EXECUTION, 2)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(threads)
    (call,) = fake_run
    assert call["cells"] == [{"conv4_3": 20.0}] and call["out_dirs"] == [tmp_path / "conv4_3-20"]
    # a section the schema did not fill takes the library's defaults (steel.settings)
    assert (call["width"], call["style_width"], call["invert"], call["alpha"]) == (384, None, "auto", False)
    assert (
        capsys.readouterr().out.splitlines()[-1] == "done on cpu: 0.1235 s/step for 1 cell(s), 7.2 s in all"
    )


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (
            "conv4_3-20__normalise-rrmina",
            "cell conv4_3-20__normalise-rrmina names loss setting normalise = rrmina "
            "but its job's loss has gatys; plan the job again",
        ),
        (
            "conv4_3-20__shape_weight-2",
            "cell conv4_3-20__shape_weight-2 names loss setting shape_weight = 2.0 "
            "but its job's loss has no such setting; plan the job again",
        ),
    ],
)
def test_stylize_job_refuses_a_cell_whose_id_names_another_loss(tmp_path, fake_run, cell, message):
    with pytest.raises(SteelError) as error:
        stylize_job("s.png", "c.png", [str(tmp_path / cell / "stylized.png")], PARAMS, EXECUTION)
    assert str(error.value) == message and not fake_run


def test_stylize_job_accepts_the_same_value_written_otherwise(tmp_path, fake_run):
    params = PARAMS | {"loss": LOSS | {"content_weight": 100}}
    stylize_job(
        "s.png", "c.png", [str(tmp_path / "conv4_3-20__content_weight-100" / "x.png")], params, EXECUTION
    )
    assert len(fake_run) == 1


def test_stylize_job_names_the_batch_of_a_failed_run(tmp_path, monkeypatch):
    import steel.cells.stylize

    def fail(*args, **kwargs):
        raise SteelError("out of memory")

    monkeypatch.setattr(steel.cells.stylize, "run", fail)
    one = [str(tmp_path / "conv4_3-20" / "stylized.png")]
    two = [*one, str(tmp_path / "conv4_3-200" / "stylized.png")]
    params = PARAMS | {"loss": LOSS}
    with pytest.raises(SteelError) as error:
        stylize_job("s.png", "c.png", one, params, EXECUTION)
    assert str(error.value) == "out of memory"
    with pytest.raises(SteelError) as error:
        stylize_job("s.png", "c.png", two, params, EXECUTION)
    assert str(error.value) == "out of memory (in a batch of 2 cells: conv4_3-20, conv4_3-200)"
    assert error.value.__cause__ is None and error.value.__suppress_context__


def test_stylize_job_runs_on_one_thread_unless_told(tmp_path, fake_run):
    import torch

    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        stylize_job(
            "s.png", "c.png", [str(tmp_path / "conv4_3-20" / "x.png")], PARAMS | {"loss": LOSS}, EXECUTION
        )
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(threads)
