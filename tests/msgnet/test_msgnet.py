"""MSG-Net, the paper's feed-forward baseline: generator, training, resume, config, workflow plan."""

from __future__ import annotations

import dataclasses
import errno
import json
import os

import pytest
import torch
from workflow_helpers import CONTENTS, STYLES, Planted, planned_jobs, snakemake, tiny_config, write_config

from steel.errors import SteelError
from steel.msgnet.model import MSGNet, count_parameters, gram_matrix, load_public_checkpoint
from steel.msgnet.train import TRAIN_VERSION, MSGNetSettings, augment, canvas_batch, train
from steel.transfer.weights import load_weights

TINY = {"ngf": 4, "width": 32, "batch_size": 2, "steps": 4, "lr": 1e-3, "min_scale": 0.8}


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny tensors: more threads only wait on each other on a loaded machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def weights():
    return load_weights("random:0")


def logo(height: int, width: int, seed: int = 0) -> torch.Tensor:
    """A white image with a dark bar: enough structure for the losses."""
    g = torch.Generator().manual_seed(seed)
    image = torch.full((1, 3, height, width), 255.0)
    top, bottom, left, right = height // 4, 3 * height // 4, width // 8, 7 * width // 8
    image[:, :, top:bottom, left:right] = torch.rand(1, 3, bottom - top, right - left, generator=g) * 80
    return image


def save_logo(path, height: int, width: int, seed: int = 0):
    """:func:`logo` saved as an 8-bit PNG, as the workflow's jobs read their logos."""
    from PIL import Image

    Image.fromarray(logo(height, width, seed)[0].permute(1, 2, 0).byte().numpy()).save(path)
    return path


def test_the_public_size_has_about_2_4_million_parameters():
    assert 2.3e6 < count_parameters(MSGNet()) < 2.5e6


@pytest.mark.parametrize("size", [(48, 160), (37, 101), (33, 130)])
def test_forward_keeps_the_shape_of_wide_and_odd_logos(size):
    torch.manual_seed(0)
    model = MSGNet(ngf=4).eval()
    content = torch.rand(2, 3, *size) * 255
    with torch.no_grad():
        out = model(content, model.style_gram(torch.rand(1, 3, 40, 90) * 255))
    assert out.shape == content.shape
    assert torch.isfinite(out).all()


def test_the_styles_gram_changes_the_output():
    torch.manual_seed(0)
    model = MSGNet(ngf=4).eval()
    content = torch.rand(1, 3, 48, 160) * 255
    with torch.no_grad():
        a = model(content, model.style_gram(torch.rand(1, 3, 48, 160) * 255))
        b = model(content, model.style_gram(torch.zeros(1, 3, 48, 160)))
        model.set_target(torch.zeros(1, 3, 48, 160))
        c = model(content)
    assert (a - b).abs().max() > 1e-3
    assert torch.allclose(b, c)


def test_gram_is_normalised_by_c_h_w():
    f = torch.ones(1, 2, 3, 4)
    assert torch.allclose(gram_matrix(f), torch.full((1, 2, 2), 12 / 24))


def test_augmentation_without_scale_or_rotation_is_the_canvas_itself():
    canvas = canvas_batch([logo(13, 40), logo(10, 40, 1)])
    assert canvas.shape == (2, 3, 16, 40)  # 13 rows rounded up to a multiple of 4
    samples = augment(canvas, 8, torch.Generator().manual_seed(0), 1.0, 0.0)
    for sample in samples:  # each one of the canvases, untouched
        assert min((sample - one).abs().max().item() for one in canvas) < 1e-3
    with pytest.raises(ValueError, match=r"^canvas_batch needs images of one width$"):
        canvas_batch([logo(10, 40), logo(10, 32)])


def test_augmentation_rotates_about_the_centre_without_shearing_a_wide_canvas():
    # a disc in the middle of a wide canvas looks the same at any angle
    ys, xs = torch.meshgrid(torch.arange(32.0), torch.arange(96.0), indexing="ij")
    disc = ((ys - 15.5) ** 2 + (xs - 47.5) ** 2 <= 10**2).float()
    canvas = (255.0 * (1 - disc)).expand(1, 3, 32, 96).clone()
    samples = augment(canvas, 16, torch.Generator().manual_seed(0), 1.0, 45.0)
    for sample in samples[:, 0]:
        ink = (255.0 - sample) / 255.0
        mass = ink.sum().item()
        assert mass == pytest.approx(disc.sum().item(), rel=0.03)
        cy, cx = (ink * ys).sum() / mass, (ink * xs).sum() / mass
        assert abs(cy - 15.5) < 0.2 and abs(cx - 47.5) < 0.2
        # round still: as wide as high (a disc of radius r has variance r^2 / 4 along each axis)
        var_y, var_x = (
            ((ink * (ys - cy) ** 2).sum() / mass).item(),
            ((ink * (xs - cx) ** 2).sum() / mass).item(),
        )
        assert var_y == pytest.approx(25.0, rel=0.08) and var_x == pytest.approx(25.0, rel=0.08)


def test_augmentation_rotates_either_way_by_up_to_the_maximum():
    # a long thin bar: the angle of its long axis is the rotation
    ys, xs = torch.meshgrid(torch.arange(64.0), torch.arange(128.0), indexing="ij")
    bar = ((ys - 31.5).abs() <= 1.5) & ((xs - 63.5).abs() <= 30)
    canvas = (255.0 * (1 - bar.float())).expand(1, 3, 64, 128).clone()
    angles = []
    for sample in augment(canvas, 64, torch.Generator().manual_seed(0), 1.0, 10.0)[:, 0]:
        ink = (255.0 - sample) / 255.0
        mass = ink.sum()
        cy, cx = (ink * ys).sum() / mass, (ink * xs).sum() / mass
        vyy, vxx = (ink * (ys - cy) ** 2).sum(), (ink * (xs - cx) ** 2).sum()
        vxy = (ink * (xs - cx) * (ys - cy)).sum()
        angles.append(abs(0.5 * torch.atan2(2 * vxy, vxx - vyy).rad2deg().item()))
    assert max(angles) <= 10.5 and max(angles) > 8  # within the maximum, and reaching near it


def test_augmentation_scales_both_sides_alike_and_shifts_across_all_the_room_left():
    h, w = 32, 96
    canvas = torch.zeros(1, 3, h, w)  # all ink: its box is the scaled canvas
    samples = augment(canvas, 200, torch.Generator().manual_seed(0), 0.5, 0.0)
    reach_x, reach_y = [], []
    for sample in samples[:, 0]:
        rows, cols = torch.nonzero(sample < 128, as_tuple=True)
        top, bottom, left, right = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
        scale = (right - left).item() / w
        assert abs((bottom - top).item() - scale * h) <= 1.5  # the logo's aspect kept
        room_x, room_y = (1 - scale) * w / 2, (1 - scale) * h / 2
        dx, dy = (left + right).item() / 2 - w / 2, (top + bottom).item() / 2 - h / 2
        assert abs(dx) <= room_x + 1 and abs(dy) <= room_y + 1  # never pushed off the canvas
        reach_x.append(abs(dx) / room_x if room_x > 4 else 0)
        reach_y.append(abs(dy) / room_y if room_y > 4 else 0)
    assert max(reach_x) > 0.75 and max(reach_y) > 0.75


def test_augmentation_keeps_logos_on_white_without_squashing():
    canvas = canvas_batch([logo(10, 40), logo(14, 40, 1)])
    assert canvas.shape == (2, 3, 16, 40)
    assert (canvas[0, :, :3] == 255).all()  # the shorter logo is padded, centred
    samples = augment(canvas, 3, torch.Generator().manual_seed(0), 0.8, 5.0)
    assert samples.shape == (3, 3, 16, 40)
    assert samples.min() >= -1e-3 and samples.max() <= 255 + 1e-3
    assert (samples[:, :, 0, 0] > 250).all()  # the corners stay white (no colour inversion)


def test_one_training_step_lowers_the_loss_on_a_tiny_batch(weights):
    from steel.msgnet.train import STYLE_LAYERS, _losses
    from steel.transfer.features import VGGFeatures

    torch.manual_seed(0)
    settings = MSGNetSettings(**TINY)
    model = MSGNet(settings.ngf)
    vgg = VGGFeatures(weights, STYLE_LAYERS)
    x = canvas_batch([logo(12, 32)]).expand(2, -1, -1, -1).contiguous()
    style = logo(16, 32, 3)
    grams = {k: gram_matrix(v) for k, v in vgg(style).items()}
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    before = _losses(model, vgg, x, style, grams, settings)["total"]
    before.backward()
    optimizer.step()
    with torch.no_grad():
        after = _losses(model, vgg, x, style, grams, settings)["total"]
    assert after < before


def test_a_checkpointed_training_resumes_to_the_same_state(weights, tmp_path):
    settings = MSGNetSettings(**TINY)
    styles, contents = [logo(16, 32, 1), logo(12, 32, 2)], [logo(12, 32), logo(10, 32, 4)]
    whole = train(weights, styles, contents, settings)
    checkpoint = tmp_path / "model.checkpoint"
    part = train(weights, styles, contents, settings, checkpoint=checkpoint, checkpoint_every=2, stop_after=2)
    assert part.steps_run == 2 and checkpoint.is_file()
    resumed = train(weights, styles, contents, settings, checkpoint=checkpoint, checkpoint_every=2)
    assert resumed.steps_run == 2
    assert [r["total"] for r in resumed.rows] == pytest.approx([r["total"] for r in whole.rows], rel=1e-5)
    for key, value in whole.model.state_dict().items():
        assert torch.allclose(value, resumed.model.state_dict()[key], atol=1e-6), key
    # another setting does not resume that checkpoint
    other = train(weights, styles, contents, MSGNetSettings(**{**TINY, "lr": 2e-3}), checkpoint=checkpoint)
    assert other.steps_run == settings.steps


def test_a_checkpoint_resumes_only_the_same_start_and_never_runs_code(weights, tmp_path):
    settings = MSGNetSettings(**TINY)
    styles, contents = [logo(16, 32, 1)], [logo(12, 32)]
    checkpoint = tmp_path / "model.checkpoint"
    part = train(weights, styles, contents, settings, checkpoint=checkpoint, checkpoint_every=2, stop_after=2)
    assert part.steps_run == 2 and 0 < part.seconds < 600
    # from a public model instead of random weights: another training, started afresh
    public = tmp_path / "public.model"
    torch.save(MSGNet(settings.ngf).state_dict(), public)
    assert train(weights, styles, contents, settings, checkpoint=checkpoint, init=public).steps_run == 4
    # nor one public model's checkpoint from another's
    stopped = train(
        weights,
        styles,
        contents,
        settings,
        checkpoint=checkpoint,
        checkpoint_every=2,
        stop_after=2,
        init=public,
    )
    assert stopped.steps_run == 2
    other = tmp_path / "other.model"
    torch.save(MSGNet(settings.ngf).state_dict(), other)
    assert train(weights, styles, contents, settings, checkpoint=checkpoint, init=other).steps_run == 4
    # a checkpoint is a pickle: one that names code is not loaded in full, just not resumed
    marker = tmp_path / "ran"
    torch.save({"fingerprint": Planted(marker)}, checkpoint)
    assert train(weights, styles, contents, settings, checkpoint=checkpoint).steps_run == 4
    assert not marker.exists()


def test_the_same_pixels_in_another_shape_are_another_training():
    from steel.msgnet.train import _fingerprint

    settings, random = MSGNetSettings(**TINY), load_weights("random:0")
    pixels = torch.arange(3 * 16 * 32, dtype=torch.float32)
    wide, tall = pixels.reshape(1, 3, 16, 32), pixels.reshape(1, 3, 32, 16)
    assert _fingerprint(settings, random, [wide], [wide], None) != _fingerprint(
        settings, random, [tall], [wide], None
    )


@pytest.mark.parametrize(
    "edge",
    [
        {"steps": 1},
        {"batch_size": 1},
        {"ngf": 1},
        {"style_weight": 0.0},
        {"content_weight": 0.0},
        {"min_scale": 1.0},
        {"max_rotation": 0},
    ],
    ids=lambda edge: next(iter(edge)),
)
def test_training_settings_at_the_edges_of_their_ranges_are_accepted(edge):
    assert dataclasses.asdict(MSGNetSettings(**(TINY | edge))).items() >= edge.items()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"content_weight": -1}, "content_weight must be 0 or more, not -1"),
        ({"min_scale": 0}, r"min_scale must be in \(0, 1\], not 0"),
        ({"style_weight": 0, "content_weight": 0}, "style_weight and content_weight are both 0"),
    ],
)
def test_training_settings_out_of_range_say_the_range(change, message):
    with pytest.raises(SteelError, match=rf"^msgnet: {message}"):
        MSGNetSettings(**(TINY | change))


def test_the_config_section_sets_the_model_and_the_run_sets_the_seed():
    settings = MSGNetSettings.from_config({"steps": 7, "seed": 99, "enabled": True}, seed=3)
    assert (settings.steps, settings.seed) == (7, 3)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"steps": 0}, "steps must be at least 1"),
        ({"batch_size": 0}, "batch_size must be at least 1"),
        ({"width": 8}, "width must be at least 32"),
        ({"lr": 0}, "lr must be above 0"),
        ({"lr": float("nan")}, "lr must be a finite number"),
        ({"style_weight": -1}, "style_weight must be 0 or more"),
        ({"steps": "many"}, "steps must be an integer"),
    ],
)
def test_bad_settings_are_one_line_errors(change, words):
    with pytest.raises(SteelError) as error:
        MSGNetSettings.from_config({**TINY, **change})
    assert words in str(error.value) and "\n" not in str(error.value)


def test_a_checkpoint_that_does_not_fit_is_one_line(tmp_path):
    path = tmp_path / "other.model"
    torch.save(MSGNet(ngf=4).state_dict(), path)
    with pytest.raises(SteelError, match="does not fit") as error:
        load_public_checkpoint(MSGNet(ngf=8), path)
    assert "\n" not in str(error.value)
    assert "size mismatch for model1.4.residual_layer.weight" in str(error.value)
    # the public format, with the instance norms' statistics old PyTorch saved, loads
    old = {
        "running_mean": torch.zeros(64),
        "running_var": torch.ones(64),
        "num_batches_tracked": torch.tensor(0),
    }
    state = MSGNet(ngf=4).state_dict() | {f"model1.1.{key}": value for key, value in old.items()}
    torch.save(state, path)
    load_public_checkpoint(MSGNet(ngf=4), path)


def test_a_checkpoint_that_is_no_state_dict_is_one_line_and_never_runs_code(tmp_path):
    path = tmp_path / "public.model"
    with pytest.raises(
        SteelError, match=rf"^cannot read MSG-Net checkpoint {path} \({os.strerror(errno.ENOENT)}\); check"
    ):
        load_public_checkpoint(MSGNet(4), path)
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(
        SteelError, match=rf"^cannot read MSG-Net checkpoint {path} \(UnpicklingError\); it"
    ) as error:
        load_public_checkpoint(MSGNet(4), path)
    assert "weights_only" not in str(error.value)  # torch's advice to load it in full is not passed on
    torch.save([torch.zeros(1)], path)
    with pytest.raises(SteelError, match=rf"^MSG-Net checkpoint {path} holds no state dict$"):
        load_public_checkpoint(MSGNet(4), path)
    # a checkpoint is a pickle: loading an untrusted one in full would run what it names
    marker = tmp_path / "ran"
    torch.save({"ins.weight": Planted(marker)}, path)
    with pytest.raises(SteelError, match="cannot read MSG-Net checkpoint"):
        load_public_checkpoint(MSGNet(4), path)
    assert not marker.exists()


def test_a_bottleneck_adds_its_block_to_the_input_or_to_the_input_projected():
    from steel.msgnet.model import Bottleneck

    torch.manual_seed(0)
    x = torch.rand(1, 8, 8, 8)
    with torch.no_grad():
        same = Bottleneck(8, 2)
        torch.testing.assert_close(same(x) - x, same.conv_block(x))
        down = Bottleneck(8, 4, 2, downsample=True)
        torch.testing.assert_close(down(x) - down.residual_layer(x), down.conv_block(x))
        assert down(x).shape == (1, 16, 4, 4)


def test_the_state_dict_is_laid_out_as_the_public_checkpoints():
    """The public ``net.Net``: the encoder ``model1`` and the CoMatch ``ins`` are also the first two
    parts of ``model``, so each of their tensors is saved under both names; a 7x7 stem and output."""
    state = MSGNet().state_dict()
    assert state["model1.0.conv2d.weight"].shape == state["model.0.0.conv2d.weight"].shape == (64, 3, 7, 7)
    assert state["ins.weight"].shape == state["model.1.weight"].shape == (1, 512, 512)
    last = max(int(key.split(".")[1]) for key in state if key.startswith("model."))
    assert state[f"model.{last}.conv2d.weight"].shape == (3, 64, 7, 7)


def test_the_comatch_weight_starts_small_and_without_a_style_the_net_says_how_to_give_one():
    from steel.msgnet.model import Inspiration

    torch.manual_seed(0)
    weight = Inspiration(64).weight
    assert weight.min() >= 0.0 and weight.max() <= 0.02 and weight.std() > 0.004  # U(0, 0.02)
    with pytest.raises(
        SteelError, match=r"^MSG-Net has no style: call set_target\(style\) or pass the style's Gram$"
    ):
        MSGNet(4)(logo(16, 32))


@pytest.mark.workflow
def test_dry_run_plans_one_training_and_one_msgnet_cell_per_pair(tmp_path):
    config = tiny_config(msgnet={"enabled": True, "steps": 2, "width": 64})
    result = snakemake(tmp_path, write_config(tmp_path / "c.yaml", config), "-n")
    assert result.returncode == 0, result.stderr[-3000:]
    jobs = planned_jobs(result)
    assert [j["rule"] for j in jobs].count("train_msgnet") == 1
    stylized = {(j["style"], j["content"]) for j in jobs if j["rule"] == "stylize_msgnet"}
    assert stylized == {("ironwrath", "quorix"), ("vorthane", "quorix")}
    metrics = {j["output"][0] for j in jobs if j["rule"] == "cell_metrics"}
    assert "results/runs/vorthane/quorix/msgnet/metrics.json" in metrics
    sheets = [j for j in jobs if j["rule"] == "methods_sheet"]
    assert len(sheets) == 2
    # off by default: nothing of it is planned
    result = snakemake(tmp_path, write_config(tmp_path / "d.yaml", tiny_config()), "-n")
    assert "msgnet" not in result.stdout


@pytest.mark.workflow
def test_a_bad_msgnet_value_is_one_message_at_planning(tmp_path):
    config = tiny_config(msgnet={"enabled": True, "steps": 0})
    result = snakemake(tmp_path, write_config(tmp_path / "c.yaml", config), "-n")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "steps" in output and "Traceback" not in output


def test_methods_sheet_lays_out_every_method_with_its_note(tmp_path):
    from PIL import Image

    from steel.render.methods import methods_sheet

    path = tmp_path / "a.png"
    Image.new("RGB", (160, 48), (0, 0, 0)).save(path)
    sheet = methods_sheet(
        [("content", path, "CER 0.00"), ("MSG-Net", tmp_path / "missing.png", None), ("x", path, "n")],
        title="Methods: a on b",
    )
    assert sheet.width > 160 and sheet.height > 3 * 48
    import numpy as np

    dark = int((np.asarray(sheet.convert("L")) < 10).sum())
    assert dark >= 2 * 160 * 48  # both present images drawn at full size, none squashed


def test_methods_sheet_job_reads_each_metrics_file_once_and_tabulates_every_method(tmp_path, monkeypatch):
    import csv
    import json

    import numpy as np
    from PIL import Image

    import steel.jobs.sheets
    from steel.jobs.sheets import methods_sheet_job

    runs = tmp_path / "runs"
    cells = {"relu1_2-200": 0.4, "conv1_2-2000__conv4_3-200": 0.3, "msgnet": 0.05}
    for cell, strength in cells.items():
        (runs / cell).mkdir(parents=True)
        Image.new("RGB", (96, 24), (40, 40, 40)).save(runs / cell / "stylized.png")
        metrics = {
            "cell": cell,
            "cer": 0.0,
            "ocr_text": "Quorix",
            "artefacts": 0.01,
            "style_strength": strength,
        }
        (runs / cell / "metrics.json").write_text(json.dumps(metrics))
    for name in ("content", "style"):
        Image.new("RGB", (96, 24), (0, 0, 0)).save(tmp_path / f"{name}.png")
    reference = tmp_path / "reference.json"
    reference.write_text(
        json.dumps({"cer": 0.0, "ocr_text": "Quorix", "artefacts": 0.0, "style_strength": 0.0})
    )
    best = tmp_path / "best.json"
    best.write_text(json.dumps({"cell": "conv1_2-2000__conv4_3-200"}))
    reads = []
    real = steel.jobs.sheets.read_json
    monkeypatch.setattr(steel.jobs.sheets, "read_json", lambda path: reads.append(str(path)) or real(path))
    rows = methods_sheet_job(
        runs,
        best,
        str(tmp_path / "content.png"),
        str(tmp_path / "style.png"),
        reference,
        gatys="relu1_2-200",
        msgnet="msgnet",
        title="a on b",
        sheet_out=tmp_path / "m.png",
        table_out=tmp_path / "m.tsv",
    )
    assert sorted(reads) == sorted({*reads}) and len(reads) == 5  # best.json, reference, 3 cells
    with open(tmp_path / "m.tsv", encoding="utf-8") as handle:
        table = list(csv.DictReader(handle, delimiter="\t"))
    assert [(r["method"], r["cell"], r["style_strength"]) for r in table] == [
        ("content", "", "0.0"),
        ("Gatys (table 1)", "relu1_2-200", "0.4"),
        ("Network of Steel", "conv1_2-2000__conv4_3-200", "0.3"),
        ("MSG-Net", "msgnet", "0.05"),
    ]
    assert rows[-1]["method"] == "MSG-Net"
    sheet = np.asarray(Image.open(tmp_path / "m.png").convert("L"))
    assert int((sheet == 40).sum()) >= 3 * 96 * 24  # the three cells drawn at full size
    # without table 1 in the config there is no Gatys panel
    rows = methods_sheet_job(
        runs,
        best,
        str(tmp_path / "content.png"),
        str(tmp_path / "style.png"),
        reference,
        gatys=None,
        msgnet="msgnet",
        title="a on b",
        sheet_out=tmp_path / "n.png",
        table_out=tmp_path / "n.tsv",
    )
    assert [r["method"] for r in rows] == ["content", "Network of Steel", "MSG-Net"]


def test_training_logos_over_the_pixel_limit_are_one_line(tmp_path, monkeypatch):
    from PIL import Image

    import steel.io.limits
    from steel.msgnet.train import load_at_width

    path = tmp_path / "wide.png"
    Image.new("RGB", (400, 100), (255, 255, 255)).save(path)
    assert tuple(load_at_width(str(path), 64).shape) == (1, 3, 16, 64)
    monkeypatch.setattr(steel.io.limits, "MAX_PIXELS", 1000)
    with pytest.raises(
        SteelError, match=r"64x16 px, over the limit of 1,000 pixels; choose a smaller"
    ) as error:
        load_at_width(str(path), 64)
    assert "\n" not in str(error.value) and "msgnet.width" in str(error.value)


@pytest.fixture(scope="module")
def msgnet_run(tmp_path_factory):
    """The tiny workflow with MSG-Net on (2 training steps) and transparent results, run up to the
    methods sheet, the metrics table and the contact sheet of one pair."""
    workdir = tmp_path_factory.mktemp("msgnet_run")
    config = tiny_config(
        image={"width": 128, "alpha": True},
        msgnet={
            "enabled": True,
            "steps": 2,
            "width": 64,
            "batch_size": 1,
            "lr": 0.001,
            "checkpoint_every": 0,
        },
        sweeps={"tiny": {"cols": {"layers": ["conv3_3"], "values": [20, 200]}}},
        figures={},
    )
    del config["styles"]["vorthane"]
    targets = [
        "results/sheets/methods/ironwrath__quorix.png",
        "results/metrics/tiny/ironwrath__quorix.tsv",
        "results/sheets/tiny/ironwrath__quorix.png",
    ]
    # --cores again ends --configfile's list of files: the targets follow
    result = snakemake(workdir, write_config(workdir / "config.yaml", config), "--cores", "2", *targets)
    assert result.returncode == 0, result.stderr[-5000:]
    return workdir


@pytest.mark.workflow
def test_msgnet_runs_through_the_workflow_into_the_tables_and_the_methods_sheet(msgnet_run):
    import json

    from PIL import Image

    from steel.io.outputs import read_table

    results = msgnet_run / "results"
    assert (results / "msgnet" / "model.pt").is_file() and (results / "msgnet" / "losses.png").is_file()
    rows = read_table(results / "metrics" / "tiny" / "ironwrath__quorix.tsv")
    assert [(row["cell"], row["method"]) for row in rows] == [
        ("conv3_3-20", "Network of Steel"),
        ("conv3_3-200", "Network of Steel"),
        ("msgnet", "MSG-Net (2 steps at 64 px, random:0 weights)"),  # its budget in its label
    ]
    assert rows[-1]["style_strength"] is not None and rows[-1]["cer"] is not None
    best = json.loads((results / "best" / "ironwrath__quorix.json").read_text())
    assert best["cell"] in ("conv3_3-20", "conv3_3-200") and best["candidates"] == 2
    methods = (results / "sheets" / "methods" / "ironwrath__quorix.tsv").read_text().splitlines()
    assert [line.split("\t")[:2] for line in methods[1:]] == [
        ["content", ""],
        ["Network of Steel", best["cell"]],
        ["MSG-Net (2 steps at 64 px, random:0 weights)", "msgnet"],  # labelled with its budget
    ]
    sheet = Image.open(results / "sheets" / "methods" / "ironwrath__quorix.png").convert("L")
    assert sheet.getextrema()[1] - sheet.getextrema()[0] > 100 and sheet.width > 128


@pytest.mark.workflow
def test_the_contact_sheet_shows_each_transparent_result_on_its_grey_band(msgnet_run, tmp_path):
    import numpy as np
    from PIL import Image

    from steel.jobs.sheets import sheet_job
    from steel.plan.sweeps import Sweep

    results = msgnet_run / "results"
    runs = results / "runs" / "ironwrath" / "quorix"
    sweep = Sweep.from_config("tiny", {"cols": {"layers": ["conv3_3"], "values": [20, 200]}})
    layout = sheet_job(
        sweep,
        {cell: str(runs / cell) for cell in sweep.cell_ids},
        str(STYLES / "ironwrath.png"),
        str(CONTENTS / "quorix.png"),
        tmp_path / "sheet.png",
        ("ironwrath", "quorix"),
        alpha=True,
    )
    sheet = np.asarray(
        Image.open(results / "sheets" / "tiny" / "ironwrath__quorix.png").convert("RGB")
    ).astype(int)
    assert sheet.shape[:2] == layout.size[::-1]
    for cell, box in zip(sweep.cell_ids, layout.alpha[0], strict=True):
        left, top, right, bottom = box
        band = sheet[top:bottom, left:right]
        alpha = np.asarray(Image.open(runs / cell / "stylized_alpha.png"))
        assert band.shape[:2] == alpha.shape[:2]
        # every pixel is the result laid on the grey by its alpha: the ground (alpha 0) grey
        a = alpha[..., 3:].astype(float) / 255
        assert np.abs(band - (alpha[..., :3] * a + 128 * (1 - a))).max() <= 1
        assert (band[alpha[..., 3] == 0] == 128).all()


@pytest.mark.workflow
def test_msgnet_goes_with_the_experiment_lists_of_a_users_configfile(tmp_path):
    """A config of the user's without a msgnet section has none, and one with a section has exactly
    that section (nothing merged from the demo's, where MSG-Net is off)."""

    def rules(config):
        result = snakemake(None, write_config(tmp_path / "mine.yaml", config), "-n")
        assert result.returncode == 0, result.stderr[-3000:]
        return [job["rule"] for job in planned_jobs(result)]

    assert "train_msgnet" not in rules(tiny_config())
    planned = rules(tiny_config(msgnet={"enabled": True, "steps": 3}))
    assert planned.count("train_msgnet") == 1 and planned.count("methods_sheet") == 2
    # the demo leaves it out (a 150-step model draws blobs: no fair comparison for a newcomer)
    result = snakemake(None, None, "-n", "--config", "weights=random")
    assert result.returncode == 0 and "train_msgnet" not in [job["rule"] for job in planned_jobs(result)]


@pytest.mark.parametrize("size", [(29, 30), (32, 29), (29, 32)], ids=["both", "width", "height"])
def test_a_logo_whose_size_is_not_a_multiple_of_four_is_read_on_white(size):
    torch.manual_seed(0)
    model = MSGNet(ngf=8, n_blocks=1).eval()
    logo = torch.rand(1, 3, *size) * 255
    on_white = torch.full((1, 3, 32, 32), 255.0)
    on_white[:, :, : size[0], : size[1]] = logo
    with torch.no_grad():
        torch.testing.assert_close(model.style_gram(logo), model.style_gram(on_white))
        gram = model.style_gram(on_white)
        out = model(logo, gram)
        assert out.shape[-2:] == size
        torch.testing.assert_close(out, model(on_white, gram)[:, :, : size[0], : size[1]])


def test_a_saved_model_loads_back_with_what_made_it(weights, tmp_path):
    from steel.msgnet.train import load_model, save_model

    settings = MSGNetSettings(**TINY)
    torch.manual_seed(0)
    model = MSGNet(settings.ngf).eval()
    save_model(model, settings, weights)(tmp_path / "m.pt")
    loaded, state = load_model(tmp_path / "m.pt", "cpu")
    assert state["ngf"] == 4 and state["settings"]["steps"] == 4 and state["weights"] == "random:0"
    assert state["train_version"] == TRAIN_VERSION
    content, style = logo(16, 32), logo(16, 32, 3)
    with torch.no_grad():
        torch.testing.assert_close(
            loaded(content, loaded.style_gram(style)), model(content, model.style_gram(style))
        )
    (tmp_path / "bad.pt").write_bytes(b"not a model")
    with pytest.raises(
        SteelError, match=r"^cannot load the MSG-Net model .*bad\.pt \(UnpicklingError\); retrain it$"
    ):
        load_model(tmp_path / "bad.pt")
    marker = tmp_path / "ran"
    torch.save({"ngf": Planted(marker)}, tmp_path / "planted.pt")
    with pytest.raises(SteelError, match="cannot load the MSG-Net model"):
        load_model(tmp_path / "planted.pt")
    assert not marker.exists()


def test_a_public_checkpoint_wrapped_in_a_state_dict_key_loads(tmp_path):
    torch.manual_seed(1)
    source = MSGNet(4)
    torch.save({"state_dict": source.state_dict()}, tmp_path / "wrapped.model")
    loaded = load_public_checkpoint(MSGNet(4), tmp_path / "wrapped.model")
    for key, value in source.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key


def test_training_logs_every_n_steps_and_the_last_and_refuses_nothing_to_train_on(weights):
    logged = []
    settings = MSGNetSettings(**(TINY | {"steps": 5}))
    train(weights, [logo(16, 32, 3)], [logo(16, 32)], settings, on_log=logged.append, log_every=2)
    assert [row["iteration"] for row in logged] == [2, 4, 5]
    with pytest.raises(SteelError, match=r"^msgnet: training needs at least one style and one content$"):
        train(weights, [], [logo(16, 32)], settings)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"ngf": 0}, "ngf must be at least 1, not 0"),
        ({"max_rotation": 46}, "max_rotation must be 0-45 degrees"),
    ],
)
def test_training_settings_out_of_range_are_named(change, words):
    with pytest.raises(SteelError, match=words):
        MSGNetSettings(**(TINY | change))
    assert MSGNetSettings(**(TINY | {"max_rotation": 45})).max_rotation == 45


def test_the_network_has_the_public_msg_nets_layers():
    """Instance norms carry no parameters, so a checkpoint loads without them: count them. The
    public net: a 7x7 stem, two stride-2 bottlenecks, six more, two upsampling ones, an output
    layer; three norm + ReLU pairs a bottleneck, one after the stem and one before the output."""
    model = MSGNet(4)
    norms = [m for m in model.modules() if isinstance(m, torch.nn.InstanceNorm2d)]
    relus = [m for m in model.modules() if isinstance(m, torch.nn.ReLU)]
    assert len(norms) == len(relus) == 32
    assert all(isinstance(n.num_features, int) and n.num_features > 0 for n in norms)
    with torch.no_grad():
        x = model.model1(torch.rand(1, 3, 32, 48) * 255)
        assert x.shape[-2:] == (8, 12)  # a quarter
        x = model.ins(x, gram_matrix(x))
        for part in list(model.model)[2:]:  # the decoder after the encoder and CoMatch
            x = part(x)
        assert x.shape == (1, 3, 32, 48)  # back to the full size, not cropped from a larger one


def test_a_gram_of_the_wrong_size_is_refused():
    model = MSGNet(4)
    content = logo(16, 32)
    channels = model.style_gram(content).shape[-1]
    for gram in (torch.zeros(1, 5, 5), torch.zeros(3, channels, channels)):  # channels; batch
        with torch.no_grad(), pytest.raises(ValueError, match=r"^style Gram of shape .* does not fit"):
            model(content, gram)


def test_the_comatch_layer_computes_w_g_transposed_times_x():
    from steel.msgnet.model import Inspiration

    layer = Inspiration(2)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[[1.0, 2.0], [0.0, 1.0]]]))  # not symmetric
    gram = torch.tensor([[[1.0, 0.0], [3.0, 1.0]]])  # nor is this
    x = torch.tensor([1.0, 2.0, 3.0, 4.0]).reshape(1, 2, 1, 2)
    expected = (layer.weight[0] @ gram[0]).T @ x.reshape(2, 2)
    torch.testing.assert_close(layer(x, gram).detach(), expected.reshape(1, 2, 1, 2))


def test_the_training_job_writes_the_model_its_losses_and_plot_and_the_stylize_job_a_cell(tmp_path, capsys):
    """Both jobs as the workflow calls them, on two tiny logos and random weights."""
    from PIL import Image

    from steel.io.outputs import read_losses
    from steel.jobs.msgnet import stylize_job, train_job

    style, content = tmp_path / "style.png", tmp_path / "content.png"
    save_logo(style, 20, 48, 1)
    save_logo(content, 40, 64, 2)
    out = tmp_path / "msgnet"
    section = TINY | {"steps": 3, "log_every": 2, "init": None}
    result = train_job(
        [str(style)], [str(content)], section, "random:3", seed=5, device="cpu",
        model_out=out / "model.pth", losses_out=out / "losses.tsv", plot_out=out / "losses.png",
    )  # fmt: skip
    assert sorted(p.name for p in out.iterdir()) == ["losses.png", "losses.tsv", "model.pth"]  # no checkpoint
    assert list(read_losses(out / "losses.tsv")["iteration"]) == [1, 2, 3]  # every step
    assert result.steps_run == 3
    with Image.open(out / "losses.png") as plot:
        assert plot.size == (700, 400)
    printed = capsys.readouterr().out
    assert "1 style(s) x 1 content(s), 3 steps, batch 2, width 32" in printed and "done: 3 steps" in printed
    shown = [line.split()[1] for line in printed.splitlines() if line.startswith("step ")]
    assert shown == ["2", "3"]  # every log_every steps and the last
    record = stylize_job(
        out / "model.pth", str(style), str(content), {"width": 64, "style_width": 96}, device="cpu",
        image_out=out / "cell" / "stylized.png", record_out=out / "cell" / "run.json",
    )  # fmt: skip
    assert record["content"] == {"path": str(content), "width": 64, "height": 40}
    assert record["style"] == {"path": str(style), "width": 96, "height": 40}  # at its own width
    assert record["weights"] == "random:3" and record["training"]["steps"] == 3
    assert record["cell"] == "msgnet" and record["method"].startswith("MSG-Net")
    with Image.open(out / "cell" / "stylized.png") as image:
        assert image.size == (64, 40)
    assert json.loads((out / "cell" / "run.json").read_text()) == record
    assert record["device"] == "cpu" and 0 <= record["wall_seconds"] < 600


@pytest.mark.parametrize(("steps", "every"), [(50, 1), (100, 2)])
def test_the_training_job_logs_fifty_times_when_not_told_how_often(tmp_path, capsys, steps, every):

    from steel.jobs.msgnet import train_job

    image = tmp_path / "logo.png"
    save_logo(image, 20, 32, 1)
    section = TINY | {"steps": steps, "batch_size": 1, "ngf": 1}
    train_job(
        [str(image)], [str(image)], section, "random:3", seed=5, device="cpu",
        model_out=tmp_path / "m.pth", losses_out=tmp_path / "l.tsv", plot_out=tmp_path / "l.png",
    )  # fmt: skip
    shown = [
        int(line.split()[1]) for line in capsys.readouterr().out.splitlines() if line.startswith("step ")
    ]
    assert shown == list(range(every, steps + 1, every))


def test_the_training_job_starts_from_the_configs_public_model(tmp_path):

    from steel.jobs.msgnet import train_job

    image = tmp_path / "logo.png"
    save_logo(image, 20, 32, 1)
    with pytest.raises(SteelError, match=r"cannot read MSG-Net checkpoint .*nowhere\.model"):
        train_job(
            [str(image)], [str(image)], TINY | {"init": str(tmp_path / "nowhere.model")}, "random:3",
            seed=5, device="cpu",
            model_out=tmp_path / "m.pth", losses_out=tmp_path / "l.tsv", plot_out=tmp_path / "l.png",
        )  # fmt: skip
