"""tools/mutants_sample.py: which mutants `make mutants` runs and how `make mutants-score` counts."""

import importlib.util
import io
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parent.parent / "tools" / "mutants_sample.py"
spec = importlib.util.spec_from_file_location("mutants_sample", TOOL)
mutants_sample = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mutants_sample)

RESULTS = """\
    steel.x___getattr____mutmut_1: killed
    steel.cells.stylize.x_run__mutmut_1: killed
    steel.cells.stylize.x_run__mutmut_2: survived
    steel.cells.stylize.x_run__mutmut_3: timeout
    steel.cells.stylize.x_run__mutmut_4: not checked
    steel.render.sheets.x_draw__mutmut_1: no tests
    steel.render.sheets.xǁSheetǁdraw__mutmut_2: killed
"""


def test_mutants_are_grouped_by_their_module_and_the_package_is_a_module():
    found = mutants_sample.mutants_by_module(mutants_sample.statuses(RESULTS.splitlines()))
    assert sorted(found) == ["steel", "steel.cells.stylize", "steel.render.sheets"]
    assert len(found["steel.cells.stylize"]) == 4
    assert "steel.render.sheets.xǁSheetǁdraw__mutmut_2" in found["steel.render.sheets"]


def test_the_score_counts_timeouts_as_caught_and_leaves_unchecked_mutants_out():
    status = mutants_sample.statuses(RESULTS.splitlines())
    found = mutants_sample.mutants_by_module(status)
    line = mutants_sample.score_line("steel.cells.stylize", found["steel.cells.stylize"], status)
    assert "2 /    3 caught ( 66.7 %)" in line
    assert "survived 1" in line and line.endswith("sample of 4")
    sheets = mutants_sample.score_line("steel.render.sheets", found["steel.render.sheets"], status)
    assert "1 /    2 caught ( 50.0 %)" in sheets and "no tests 1" in sheets


def test_a_sample_of_30_is_part_of_the_sample_of_60_so_it_can_be_grown():
    for total in (50, 200, 1200):
        names = [f"steel.m.x_f__mutmut_{i}" for i in range(total)]
        small = mutants_sample.sample(names, 30, seed=1)
        large = mutants_sample.sample(names, 60, seed=1)
        assert len(small) == 30 and len(set(small)) == 30
        assert set(small) <= set(large)
    assert mutants_sample.sample(names, 0, seed=1) == names
    assert mutants_sample.sample(names[:10], 30, seed=1) == names[:10]


def test_every_module_of_the_package_is_known_by_its_dotted_name():
    known = mutants_sample.source_modules()
    assert {"steel", "steel.cells.stylize", "steel.render.sheets", "steel.transfer.losses"} <= known
    assert not any(name.endswith(("__init__", "__main__")) for name in known)


def test_a_module_without_mutants_is_said_and_an_unknown_one_refused(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(RESULTS))
    assert mutants_sample.main(["--score", "steel.cells.stylize", "steel.result_version"]) == 0
    out = capsys.readouterr().out
    assert "steel.cells.stylize" in out and "steel.result_version" in out and "no mutants" in out
    monkeypatch.setattr("sys.stdin", io.StringIO(RESULTS))
    with pytest.raises(SystemExit, match=r"steel\.nope is not a module of src/steel"):
        mutants_sample.main(["steel.nope"])
