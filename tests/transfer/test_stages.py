"""Schedules: coarse to fine over image scales, and a cosine learning rate."""

from __future__ import annotations

import dataclasses

import pytest
import torch

import steel.transfer.stage_step
from steel.errors import SteelError
from steel.settings import Settings
from steel.transfer.optimise import Run, stylize
from steel.transfer.stages import Stage, stages

#: block 1 only, so steps are cheap; 64 x 40 px so that half of it is still 32 x 20
CHEAP = Settings(iterations=4, log_every=1, content_layer="conv1_2")
CELLS = [{"conv1_2": 200.0}, {"conv1_1": 20.0, "relu1_2": 2000.0}]
COARSE = dataclasses.replace(CHEAP, scales=(0.5, 1.0), coarse_iterations=(3,))


@pytest.fixture(scope="module")
def images(make_logo_tensor):
    return {"style": make_logo_tensor(64, 40, seed=1), "content": make_logo_tensor(64, 40, seed=2)}


def _run(weights, images, settings, **kwargs):
    return stylize(weights, images["style"], images["content"], CELLS, settings=settings, **kwargs)


def test_stages_count_steps_over_the_whole_run():
    settings = Settings(iterations=10, scales=(0.25, 0.5, 1), coarse_iterations=(30, 20))
    found = stages(settings, 100, 400)
    assert [(s.scale, s.height, s.width, s.iterations, s.first_step) for s in found] == [
        (0.25, 25, 100, 30, 0),
        (0.5, 50, 200, 20, 30),
        (1.0, 100, 400, 10, 50),
    ]
    assert settings.total_iterations == 60
    # without coarse_iterations every scale runs `iterations` steps
    assert Settings(iterations=7, scales=[0.5, 1]).stage_iterations == (7, 7)
    assert stages(Settings(), 33, 77) == [Stage(1.0, 33, 77, 50_000, 0)]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"scales": (0.5,)}, "^scales must end at 1 .*not \\[0.5\\]"),
        ({"scales": ()}, "^scales must end at 1"),
        ({"scales": (0.5, 0.25, 1.0)}, "^scales must increase from above 0 to 1"),
        ({"scales": (0.5, 0.5, 1.0)}, "^scales must increase"),
        ({"scales": (0.0, 1.0)}, "^scales must be above 0, not \\[0, 1\\]$"),
        ({"scales": ("half", 1)}, "^scales must be numbers"),
        ({"scales": (0.5, 1), "coarse_iterations": (3, 3)}, "gives 2 step counts for 1 scale"),
        (
            {"scales": (0.5, 1), "coarse_iterations": (0,)},
            "^coarse_iterations must be at least 1, not \\[0\\]$",
        ),
        ({"lr_schedule": "step"}, "^unknown lr_schedule 'step'; use one of constant, cosine$"),
        ({"lr_final": -0.1}, "^lr_final must be at least 0, not -0.1$"),
    ],
)
def test_bad_schedules_are_one_line_errors(change, words):
    with pytest.raises(SteelError, match=words) as error:
        Settings(**change)
    assert "\n" not in str(error.value)


def test_a_scale_too_small_for_the_network_is_refused(random_weights, images):
    with pytest.raises(SteelError, match=r"scale 0\.25 makes the 64x40 px image 16x10 px"):
        _run(random_weights, images, dataclasses.replace(CHEAP, scales=(0.25, 1)))


def test_coarse_to_fine_ends_at_full_size_and_lowers_the_full_size_loss(random_weights, images):
    plain = _run(random_weights, images, CHEAP)
    result = _run(random_weights, images, dataclasses.replace(COARSE, snapshot_every=2))
    assert result.images.shape == (2, 3, 40, 64)  # the content's size and aspect
    assert [step for step, _ in result.snapshots] == [0, 2, 4, 6, 7]
    assert all(frames.shape == (2, 3, 40, 64) for _, frames in result.snapshots)  # full size throughout
    assert result.steps_run == 7
    for log, plain_log in zip(result.logs, plain.logs, strict=True):
        assert [row["iteration"] for row in log] == list(range(8))
        assert [row["scale"] for row in log] == [0.5] * 3 + [1.0] * 5
        # the last row is at full size: below the content's own loss at full size (plain's step 0)
        assert log[-1]["total"] < plain_log[0]["total"]
    assert "scale" not in plain.logs[0][0]  # one scale: losses.tsv as it always was


def test_a_coarse_stage_carries_only_its_change_so_the_content_stays_sharp(random_weights, images):
    run = Run(random_weights, images["style"], images["content"], CELLS, COARSE, torch.device("cpu"), None, 0)
    coarse = run.enter(run.stages[0], None)
    assert coarse.x.shape == (2, 3, 20, 32)
    # an unchanged coarse image carries to exactly the full-size content, not a blurred upsampling
    torch.testing.assert_close(run.full_image(), images["content"].expand(2, -1, -1, -1), rtol=0, atol=1e-4)
    with torch.no_grad():
        coarse.x[:, :, 8:12, 14:18] = 0.0  # ink added at the coarse size ...
    fine = run.enter(run.stages[1], coarse)
    assert fine.x.shape == (2, 3, 40, 64)
    assert (
        fine.x[:, :, 16:24, 28:36].mean() < images["content"][:, :, 16:24, 28:36].mean() - 30
    )  # ... is carried
    far = (slice(None), slice(None), slice(0, 6), slice(0, 10))  # away from it: the content itself
    torch.testing.assert_close(fine.x[far], images["content"].expand(2, -1, -1, -1)[far], rtol=0, atol=1e-4)


@pytest.mark.parametrize("stop", [2, 3, 5])  # in the coarse stage, at its end, in the fine one
def test_resume_across_stages_equals_an_uninterrupted_run(random_weights, images, tmp_path, stop):
    settings = dataclasses.replace(COARSE, lr_schedule="cosine", lr_final=0.1)
    whole = _run(random_weights, images, settings)
    checkpoint = tmp_path / "checkpoint.pt"

    def interrupt(event):
        if event.step == stop:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _run(random_weights, images, settings, checkpoint=checkpoint, checkpoint_every=1, on_log=interrupt)
    resumed = _run(random_weights, images, settings, checkpoint=checkpoint, checkpoint_every=1)
    assert resumed.resumed_from == stop
    torch.testing.assert_close(resumed.images, whole.images, rtol=0, atol=1e-4)
    assert resumed.logs == whole.logs


def test_cosine_schedule_anneals_within_each_stage(random_weights, images):
    constant = _run(random_weights, images, CHEAP)
    # from lr to lr: the schedule is wired in and changes nothing else
    flat = _run(random_weights, images, dataclasses.replace(CHEAP, lr_schedule="cosine", lr_final=CHEAP.lr))
    assert torch.equal(flat.images, constant.images)
    cosine = _run(
        random_weights, images, dataclasses.replace(CHEAP, lr=4.0, lr_final=0.0, lr_schedule="cosine")
    )
    assert not torch.equal(cosine.images, constant.images)
    assert cosine.logs[0][-1]["total"] < cosine.logs[0][0]["total"]
    lrs = []
    real_step = torch.optim.Adam.step

    def spy(optimizer, *args, **kwargs):
        lrs.append(optimizer.param_groups[0]["lr"])
        return real_step(optimizer, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(torch.optim.Adam, "step", spy)
        _run(random_weights, images, dataclasses.replace(COARSE, lr=4.0, lr_final=0.0, lr_schedule="cosine"))
    # each stage starts at lr and falls towards lr_final: 3 coarse steps, then 4 at full size
    assert lrs[0] == lrs[3] == 4.0
    assert lrs[0] > lrs[1] > lrs[2] and lrs[3] > lrs[4] > lrs[5] > lrs[6] > 0.0


def test_lbfgs_runs_coarse_to_fine(random_weights, images):
    settings = dataclasses.replace(COARSE, optimizer="lbfgs")
    result = _run(random_weights, images, settings)
    assert result.images.shape == (2, 3, 40, 64)
    assert all(log[-1]["total"] < log[3]["total"] for log in result.logs)  # falls in the fine stage


def test_loss_plot_marks_where_a_new_scale_starts(random_weights, images, tmp_path):
    from steel.io.outputs import write_tsv
    from steel.render.plots import sweep_loss_plot

    logs = _run(random_weights, images, COARSE).logs
    path = tmp_path / "losses.tsv"
    write_tsv(logs[0])(path)
    figure = sweep_loss_plot([("cell", path)], "coarse to fine")
    style_ax = figure.subfigs[0].axes[0]
    verticals = [line.get_xdata() for line in style_ax.get_lines() if len(set(line.get_xdata())) == 1]
    assert [list(x) for x in verticals] == [[0.003, 0.003]]  # the full-size stage starts at step 3
    assert any("new image scale" in text.get_text() for text in figure.texts)


def test_a_coarse_stage_takes_its_style_target_at_the_same_fraction_of_the_styles_own_size(
    random_weights, make_logo_tensor, monkeypatch
):
    """The style keeps its own size and aspect (here 80 x 36 px against a 64 x 40 content): at
    scale 0.5 the Grams come from the style at 40 x 18, not at the content's coarse size. The
    targets' sizes are read where the loss is built: the run's results do not show them."""
    seen = []
    real = steel.transfer.stage_step.target_loss

    def spy(extractor, style, content, *args, **kwargs):
        (image,) = style.images  # one style: a blend of one
        seen.append((tuple(image.shape[2:]), tuple(content.shape[2:])))
        return real(extractor, style, content, *args, **kwargs)

    monkeypatch.setattr(steel.transfer.stage_step, "target_loss", spy)
    style, content = make_logo_tensor(80, 36, seed=1), make_logo_tensor(64, 40, seed=2)
    stylize(random_weights, style, content, CELLS[:1], settings=COARSE)
    assert seen == [((18, 40), (20, 32)), ((36, 80), (40, 64))]
