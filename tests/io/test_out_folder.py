"""`steel stylize`'s output folder: nothing of the user's is overwritten, a rerun replaces the run
before as a whole or not at all (Ctrl-C and a full disk included), and what cannot be written or
allocated is one line."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from checkpoint_helpers import flip_two_pixels
from hearing import hearing
from test_cli import CHEAP, SVG, base_args, files_under, own_logo_args, replace_failing_at, steel_main

import steel.cells.stylize
import steel.transfer.optimise
from steel.plan.run_folder import MANIFEST

#: the run, where a test interrupts it and then runs it again
RUN = steel.cells.stylize.run
FINISHED = [MANIFEST, "losses.tsv", "run.json", "stylized.png", "stylized_alpha.png"]
KEPT_BY_CTRL_C = ["interrupted.png", "losses.interrupted.tsv", "run.interrupted.json"]


def contents(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes."""
    return {name: (folder / name).read_bytes() for name in files_under(folder)}


def one_line_error(code: int, stdout: str, stderr: str) -> str:
    """The message of a refusal: exit status 2, nothing on stdout, one line on stderr."""
    assert code == 2 and stdout == "" and "Traceback" not in stderr, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("steel: error: "), stderr
    return lines[0].removeprefix("steel: error: ")


def never_optimise(monkeypatch):
    monkeypatch.setattr(steel.cells.stylize, "stylize", lambda *a, **k: pytest.fail("the optimiser ran"))


def interrupt_at(monkeypatch, step: int):
    """Ctrl-C at ``step`` of the next run."""

    def interrupt(event):
        if event.step == step:
            raise KeyboardInterrupt

    monkeypatch.setattr(steel.cells.stylize, "run", hearing(steel.cells.stylize.run, interrupt))


def steel_with_file_size_limit(argv: list[str], limit: int) -> subprocess.CompletedProcess:
    """``steel`` in a child process whose files the kernel lets grow to ``limit`` bytes only: a write
    beyond it fails part-way (EFBIG, "File too large"), as one on a full disk does (ENOSPC)."""

    def limit_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "steel", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit_files,
        env=os.environ | {"PYTHONDONTWRITEBYTECODE": "1"},
    )


# --- nothing of the user's is overwritten --------------------------------------------------------


def test_a_content_logo_named_out_stylized_png_is_refused_and_kept(logos, tmp_path, capsys, monkeypatch):
    never_optimise(monkeypatch)
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(logos["content"], out / "stylized.png")
    argv = base_args(logos, out, *CHEAP)
    argv[argv.index("--content") + 1] = str(out / "stylized.png")
    message = one_line_error(*steel_main(argv, capsys))
    assert message == (
        f"{out / 'stylized.png'} is in --out but was not written by steel (it may be yours), and a run "
        "writes that name; choose another --out, or move it away"
    )
    assert contents(out) == {"stylized.png": logos["content"].read_bytes()}


@pytest.mark.parametrize(
    ("name", "cells"),
    [
        ("run.json", 1),
        ("losses.tsv", 1),
        ("stylized_alpha.png", 1),
        ("snapshots/step000000.png", 1),
        ("optimisation.gif", 1),
        ("checkpoint.pt", 1),
        ("interrupted.png", 1),
        ("style.png", 1),
        ("stylized.svg", 1),
        ("conv1_1-20/run.json", 2),
        ("conv1_1-20/checkpoint.pt.1", 2),
    ],
)
def test_a_users_file_with_one_of_the_commands_names_is_refused_and_kept(
    name, cells, logos, tmp_path, capsys, monkeypatch
):
    never_optimise(monkeypatch)
    out = tmp_path / "out"
    (out / name).parent.mkdir(parents=True)
    (out / name).write_bytes(b"the user's own")
    layers = ["--layers", "conv1_1=20", "--layers", "conv1_2=20"][: 2 * cells] if cells > 1 else []
    message = one_line_error(*steel_main(base_args(logos, out, *CHEAP, *layers), capsys))
    assert message.startswith(f"{out / name} is in --out but was not written by steel (it may be yours)")
    assert contents(out) == {name: b"the user's own"}


def test_an_empty_out_is_refused_and_the_current_folder_untouched(logos, tmp_path, capsys, monkeypatch):
    never_optimise(monkeypatch)
    monkeypatch.chdir(tmp_path)
    for mine in ([], ["run.json"]):
        for name in mine:
            (tmp_path / name).write_text("mine")
        argv = base_args(logos, tmp_path, *CHEAP)
        argv[argv.index("--out") + 1] = ""
        message = one_line_error(*steel_main(argv, capsys))
        assert message == "--out is empty (an unset variable?); give a folder, e.g. --out out/"
        assert contents(tmp_path) == {name: b"mine" for name in mine}


def test_the_commands_own_files_are_not_its_inputs(logos, tmp_path, capsys, monkeypatch):
    """A file of an earlier run is the command's: a run that would write over it as its input is
    refused, a drawn logo it no longer draws but reads stays (and stays listed)."""
    out = tmp_path / "out"
    (tmp_path / "band.svg").write_text(SVG)
    drawing = own_logo_args(out, "--style", str(tmp_path / "band.svg"), "--content-text", "Acme")
    assert steel_main(drawing, capsys)[0] == 0
    drawn = (out / "content.png").read_bytes()
    again = own_logo_args(out, "--style", str(out / "stylized.png"), "--content", str(out / "content.png"))
    message = one_line_error(*steel_main(again, capsys))
    assert (
        message
        == f"--style {out / 'stylized.png'} is a file this run writes in --out; copy it out of --out first"
    )
    plain = own_logo_args(out, "--style", str(tmp_path / "band.svg"), "--content", str(out / "content.png"))
    code, _, stderr = steel_main(plain, capsys)
    assert code == 0, stderr
    assert (out / "content.png").read_bytes() == drawn
    assert "content.png" in json.loads((out / MANIFEST).read_text())["files"]
    assert steel_main(plain, capsys)[0] == 0  # and a rerun takes it as the command's


# --- a rerun replaces the run before as a whole, or not at all ---------------------------------------


def test_ctrl_c_during_a_rerun_leaves_the_finished_run_as_it_was(logos, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    first = base_args(logos, out, *CHEAP, "--iterations", "4", "--snapshot-every", "2")
    assert steel_main(first, capsys)[0] == 0
    finished = contents(out)
    assert sorted(finished) == sorted([*FINISHED, *(f"snapshots/step00000{i}.png" for i in (0, 2, 4))])

    interrupt_at(monkeypatch, 3)
    rerun = base_args(logos, out, *CHEAP, "--iterations", "4", "--lr", "0.5", "--log-every", "1")
    code, _, stderr = steel_main(rerun, capsys)
    assert code == 130 and "run.interrupted.json says so" in stderr
    kept = contents(out)
    assert {name: kept[name] for name in finished if name != MANIFEST} == {
        name: data for name, data in finished.items() if name != MANIFEST
    }
    assert sorted(kept) == sorted([*finished, *KEPT_BY_CTRL_C])
    assert json.loads(kept["run.interrupted.json"]) == {
        "cell": "conv1_1-20__relu1_2-2000",
        "interrupted": {"step": 3, "of": 4},
    }

    # the next finished run replaces all of it: no snapshots of the run before, nothing interrupted
    monkeypatch.setattr(steel.cells.stylize, "run", RUN)
    code, _, stderr = steel_main(rerun, capsys)
    assert code == 0, stderr
    assert files_under(out) == FINISHED
    assert json.loads((out / "run.json").read_text())["settings"]["lr"] == 0.5
    assert json.loads((out / MANIFEST).read_text()) == {"files": FINISHED[1:]}


def test_ctrl_c_while_a_rerun_puts_its_files_in_place_leaves_the_run_before(
    logos, tmp_path, capsys, monkeypatch
):
    out = tmp_path / "out"
    assert steel_main(base_args(logos, out, *CHEAP, "--iterations", "2"), capsys)[0] == 0
    finished = contents(out)
    replace_failing_at(monkeypatch, 3, KeyboardInterrupt())  # the list's, then two of the run's files
    code, _, stderr = steel_main(base_args(logos, out, *CHEAP, "--iterations", "3"), capsys)
    assert code == 130 and stderr == "steel: interrupted; no finished files were written\n"
    assert contents(out) == finished


# --- a full disk, memory: one line ---------------------------------------------------------------


def test_a_full_disk_while_a_word_is_drawn_is_one_line_and_leaves_no_part_of_it(tmp_path):
    (tmp_path / "band.svg").write_text(SVG)
    out = tmp_path / "out"
    argv = own_logo_args(out, "--style", str(tmp_path / "band.svg"), "--content-text", "Acme")
    done = steel_with_file_size_limit(argv, 600)  # the drawing is over 1 kB, the folder's list less
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr == (
        f"steel: error: cannot write the results to {out} (File too large); free some space or "
        "choose another --out\n"
    )
    assert not out.exists()
    rerun = subprocess.run(
        [sys.executable, "-m", "steel", *argv], capture_output=True, text=True, timeout=120
    )
    assert rerun.returncode == 0, rerun.stderr
    assert "content.png" in files_under(out)


def test_a_full_disk_while_a_checkpoint_is_written_is_one_line(logos, tmp_path):
    out = tmp_path / "out"
    argv = base_args(logos, out, *CHEAP, "--iterations", "4", "--checkpoint-every", "2")
    done = steel_with_file_size_limit(argv, 16_000)  # a checkpoint of 48x32 px is over 50 kB
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr == (
        f"steel: error: cannot write the checkpoint {out / 'checkpoint.pt'} (File too large); free some "
        "space, or checkpoint less often (--checkpoint-every, execution.checkpoint_every; 0: none)\n"
    )
    assert not out.exists()


def _refused_allocation(*args, **kwargs):
    return torch.empty(1 << 50, dtype=torch.uint8)  # a petabyte: the CPU allocator refuses it


@pytest.mark.parametrize(
    ("module", "name", "doing"),
    [
        (steel.cells.stylize, "load_weights", "loading the logos and the network"),
        (steel.transfer.optimise, "initial_image", "optimising 1 image(s) of 48x32 px"),
        (steel.cells.stylize, "with_alpha", "optimising 1 image(s) of 48x32 px"),
    ],
    ids=["loading", "optimising", "writing"],
)
def test_running_out_of_memory_on_the_cpu_is_one_line(
    module, name, doing, logos, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(module, name, _refused_allocation)
    out = tmp_path / "out"
    message = one_line_error(*steel_main(base_args(logos, out, *CHEAP, "--iterations", "2"), capsys))
    assert message == (
        f"out of memory on cpu {doing}; use a smaller width, fewer cells per batch, or a device with more "
        "memory"
    )
    assert not out.exists()


def test_a_damaged_checkpoint_is_not_resumed_and_the_record_says_so(logos, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    argv = base_args(logos, out, *CHEAP, "--iterations", "4", "--log-every", "1", "--checkpoint-every", "2")
    interrupt_at(monkeypatch, 3)
    assert steel_main(argv, capsys)[0] == 130
    monkeypatch.setattr(steel.cells.stylize, "run", RUN)
    flip_two_pixels(out / "checkpoint.pt")
    with pytest.warns(RuntimeWarning, match=r"checkpoint.pt is damaged: its content does not match its"):
        code, _, stderr = steel_main(argv, capsys)
    assert code == 0, stderr
    record = json.loads((out / "run.json").read_text())
    assert record["resumed_from"] == 0 and record["iterations_run"] == 4
