"""`steel stylize --outline` end to end (random weights, words a few tens of pixels wide, a few
steps): the files it writes, every optional part on at once, and the flags it refuses."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image
from test_cli import CHEAP, steel_main
from workflow_helpers import METAL_FONT

from steel.io.outputs import read_losses
from steel.plan.run_folder import MANIFEST

SVG_NS = "{http://www.w3.org/2000/svg}"


def outline_args(logos, out: Path, *extra: str) -> list[str]:
    return [
        "stylize", "--outline", "--style", str(logos["style"]), "--content-text", "oa", "--out", str(out),
        "--weights", "random", "--width", "64", "--device", "cpu", "--quiet", "--outline-iterations", "3",
        *CHEAP, *extra,
    ]  # fmt: skip


def listed(out: Path) -> list[str]:
    return json.loads((out / MANIFEST).read_text())["files"]


def test_an_outline_run_writes_its_svg_its_picture_and_its_records(logos, tmp_path, capsys):
    out = tmp_path / "out"
    code, printed, err = steel_main(outline_args(logos, out), capsys)
    assert code == 0, err
    assert "stylized.svg and stylized.png" in printed
    root = ElementTree.parse(out / "stylized.svg").getroot()
    assert [child.tag for child in root] == [SVG_NS + "path"] * 2  # o and a, nothing else
    picture = Image.open(out / "stylized.png")
    assert picture.size == Image.open(out / "content.png").size and picture.size[0] == 64
    alpha = np.asarray(Image.open(out / "stylized_alpha.png"))  # the command writes it by default
    assert alpha.shape[2] == 4 and (alpha[..., 3] == 0).mean() > 0.5
    record = json.loads((out / "run.json").read_text())
    assert record["method"] == "outline" and record["content"]["source"]["kind"] == "text"
    assert record["outline"]["iterations"] == 3 and record["iterations_run"] == 3
    assert list(read_losses(out / "losses.tsv")["iteration"]) == [0, 3]
    assert sorted(listed(out)) == sorted(
        ["content.png", "losses.tsv", "run.json", "stylized.png", "stylized.svg", "stylized_alpha.png"]
    )


def test_every_optional_part_at_once(logos, tmp_path, capsys):
    """Two cells, a drawn style, grey, the growth term, snapshots with a GIF, --svg, no alpha."""
    out = tmp_path / "out"
    argv = outline_args(logos, out, "--layers", "conv1_1=2000", "--snapshot-every", "1", "--gif", "--svg")
    argv[argv.index("--style") : argv.index("--style") + 2] = [
        "--style-text",
        "Doom",
        "--style-font",
        str(METAL_FONT),
    ]
    argv += [
        "--grey",
        "--outline-growth",
        "5",
        "--outline-reach",
        "1",
        "--no-alpha",
        "--outline-subdivide",
        "3",
    ]
    code, _, err = steel_main(argv, capsys)
    assert code == 0, err
    cells = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert cells == sorted(["conv1_1-20__relu1_2-2000", "conv1_1-2000"])
    for cell in cells:
        folder = out / cell
        names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
        steps = {f"snapshots/step00000{i}.png" for i in range(4)}
        assert names == {"content.png", "losses.tsv", "run.json", "stylized.png", "stylized.svg",
                         "optimisation.gif", *steps}  # fmt: skip
        assert len(iio.imread(folder / "optimisation.gif", index=None)) == 4
        record = json.loads((folder / "run.json").read_text())
        assert record["settings"]["colour"] == "grey" and record["outline"]["growth"] == 5
        assert record["outline"]["subdivide"] == 3 and record["batch_size"] == 2
        assert "growth" in read_losses(folder / "losses.tsv")
        assert not (folder / "vector.json").exists()  # the outline's own SVG, no trace
    assert (out / "style.png").is_file() and "snapshots.partial" not in str(listed(out))
    assert not any(p.name == "snapshots.partial" for p in out.rglob("*"))


def test_a_rerun_replaces_the_run_and_a_users_file_is_refused(logos, tmp_path, capsys):
    out = tmp_path / "out"
    assert steel_main(outline_args(logos, out, "--snapshot-every", "1"), capsys)[0] == 0
    assert steel_main(outline_args(logos, out), capsys)[0] == 0
    assert not (out / "snapshots").exists() and "snapshots/step000001.png" not in listed(out)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "content.png").write_bytes(b"my picture")  # an outline run draws its content there
    code, _, err = steel_main(outline_args(logos, mine), capsys)
    assert code == 2 and "content.png is in --out but was not written by steel" in err
    assert (mine / "content.png").read_bytes() == b"my picture"


def test_an_svg_content_keeps_its_shapes_and_colour(tmp_path, logos, capsys):
    logo = tmp_path / "logo.svg"
    logo.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="48" viewBox="0 0 96 48">'
        '<rect x="8" y="8" width="30" height="32" fill="#1a4d80"/>'
        '<circle cx="66" cy="24" r="16" fill="#1a4d80"/></svg>'
    )
    argv = outline_args(logos, tmp_path / "out")
    argv[argv.index("--content-text") : argv.index("--content-text") + 2] = ["--content", str(logo)]
    code, _, err = steel_main(argv, capsys)
    assert code == 0, err
    root = ElementTree.parse(tmp_path / "out" / "stylized.svg").getroot()
    assert [child.get("fill") for child in root] == ["#1a4d80", "#1a4d80"]
    assert json.loads((tmp_path / "out" / "run.json").read_text())["content"]["source"]["kind"] == "svg"


REFUSED = {
    "pixel lr": (["--lr", "2"], "--lr is the pixel optimiser's; with --outline use --outline-lr"),
    "pixel steps": (["--iterations", "9"], "--iterations is the pixel optimiser's; with --outline use"),
    "lbfgs": (["--optimizer", "lbfgs"], "--optimizer lbfgs does not apply to outlines"),
    "init": (["--init", "random"], "--init 'random' does not apply to outlines"),
    "scales": (["--scales", "0.5,1"], "--scales (0.5, 1.0) does not apply to outlines"),
    "amp": (["--amp"], "--amp does not apply to outlines (the rasteriser runs in float32)"),
    "checkpoints": (["--checkpoint-every", "5"], "--checkpoint-every does not apply to outlines yet"),
    "invert": (["--invert", "true"], "--invert does not apply to outlines"),
    "trace": (["--svg-speckle", "3"], "--svg-speckle does nothing with --outline; leave it out"),
    "eager": (["--eager"], "--eager does nothing with --outline"),
    "shape": (
        ["--shape-weight", "5"],
        "--shape-weight 5.0 does not apply to outlines (outlines bound their growth",
    ),
    "schedule": (["--outline-lr", "0.1", "--outline-lr-final", "0.5"], "outline.lr_final 0.5 is above"),
    "bound": (["--outline-subdivide", "17"], "argument --outline-subdivide: 17 must be at most 16"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_flag_the_outline_method_cannot_use_is_one_line_and_writes_nothing(case, logos, tmp_path, capsys):
    extra, message = REFUSED[case]
    out = tmp_path / "out"
    code, _, err = steel_main(outline_args(logos, out, *extra), capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists()


def test_an_outline_flag_without_outline_is_one_line(logos, tmp_path, capsys):
    argv = ["stylize", "--style", str(logos["style"]), "--content", str(logos["content"])]
    argv += ["--out", str(tmp_path / "out"), "--outline-smoothness", "1"]
    code, _, err = steel_main(argv, capsys)
    assert code == 2 and "--outline-smoothness is a setting of the outline method; add --outline" in err
