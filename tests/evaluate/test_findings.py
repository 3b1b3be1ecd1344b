"""The paper's four claims checked on constructed metric rows and losses (steel.evaluate.findings), and the
workflow's findings targets (a dry run)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image
from workflow_helpers import REPO, planned_jobs, snakemake, tiny_config, write_config

from steel.evaluate.findings import (
    PAPER_BEST,
    TOLERANCE,
    best_tradeoff,
    block3_fastest,
    conv1_2_cleans,
    conv5_3_weak,
    early_ratio,
    loss_fall,
    rank_cells,
)
from steel.evaluate.findings_report import pair_markdown, steps_warning, summary_markdown
from steel.evaluate.loss_scale import common_multiples, distinct_cells, scale_check
from steel.evaluate.verdicts import FAILS, HOLDS, UNTESTED, judged_at
from steel.jobs.findings import findings_job
from steel.layers import cell_id
from steel.plan.sweeps import sweeps_from_config

COARSE = {"layers": ["conv1_2"], "values": [0, 200]}


def sweeps(**specs):
    return sweeps_from_config({"sweeps": specs})


def deep(*layers, values=(200,)):
    return {"layers": list(layers), "values": list(values)}


def losses(*styles, every=10):
    """Logged rows with the given style losses at iterations 0, every, 2 * every, ..."""
    return [{"iteration": i * every, "style": s} for i, s in enumerate(styles)]


# --- conv1_2 keeps the background clean ---------------------------------------------------------


def conv1_2_rows(without, with_, colour_without=0.0, colour_with=0.0):
    # named freely: the claim finds its sweeps by their layers, not by name
    table = sweeps(anything={"rows": COARSE, "cols": deep("conv4_3")})
    base, cell = cell_id({"conv4_3": 200}), cell_id({"conv1_2": 200, "conv4_3": 200})
    metrics = {
        base: {"cell": base, "artefacts": without, "colour_share": colour_without},
        cell: {"cell": cell, "artefacts": with_, "colour_share": colour_with},
    }
    return table, metrics


def test_conv1_2_holds_when_artefacts_fall():
    table, metrics = conv1_2_rows(0.2, 0.01, 0.1, 0.02)
    runs = {cell: {"steps": 4400, "width": 512} for cell in metrics}
    finding = conv1_2_cleans(table, metrics, runs)
    assert finding["verdict"] == HOLDS
    assert finding["judged_at"] == "4,400 steps, 512 px wide"
    assert finding["rows"] == [["anything", "200", "200", "0.2", "0.01", "0.1", "0.02"]]
    assert finding["reason"] == (
        "1 comparison(s); artefacts: mean 0.01 with conv1_2 against 0.2 without (cleaner); "
        "colour share: mean 0.02 with conv1_2 against 0.1 without (cleaner)"
    )


def test_conv1_2_does_not_hold_when_artefacts_rise():
    finding = conv1_2_cleans(*conv1_2_rows(0.01, 0.2))
    assert finding["verdict"] == FAILS
    assert "dirtier" in finding["reason"]


def test_conv1_2_does_not_hold_when_colour_rises_though_artefacts_fall():
    assert conv1_2_cleans(*conv1_2_rows(0.2, 0.01, 0.0, 0.3))["verdict"] == FAILS


def test_conv1_2_nothing_to_clean_is_not_tested():
    finding = conv1_2_cleans(*conv1_2_rows(0.0, 0.0))
    assert finding["verdict"] == UNTESTED
    assert "mean 0 with conv1_2 against 0 without (clean either way: nothing to clean)" in finding["reason"]


def test_conv1_2_not_measurable_is_not_tested():
    table, metrics = conv1_2_rows(None, None, None, None)
    finding = conv1_2_cleans(table, metrics)
    assert finding["verdict"] == UNTESTED
    assert "not measurable" in finding["reason"]


def test_conv1_2_without_a_zero_row_or_conv1_2_rows_is_not_tested():
    no_zero = sweeps(t={"rows": {"layers": ["conv1_2"], "values": [20, 200]}, "cols": deep("conv4_3")})
    other_rows = sweeps(t={"rows": {"layers": ["conv2_2"], "values": [0, 200]}, "cols": deep("conv4_3")})
    metrics = {}
    for table in (no_zero, other_rows):
        for cell in next(iter(table.values())).cell_ids:
            metrics[cell] = {"cell": cell, "artefacts": 0.5, "colour_share": 0.5}
    assert conv1_2_cleans(no_zero, metrics)["verdict"] == UNTESTED
    assert conv1_2_cleans(other_rows, metrics)["verdict"] == UNTESTED
    assert conv1_2_cleans(no_zero, metrics)["judged_at"].startswith("not judged")


# --- conv5_3 contributes little -----------------------------------------------------------------


def five_four(strength5, strength4, fall5=(100, 50), fall4=(100, 10)):
    table = sweeps(a={"rows": COARSE, "cols": deep("conv5_3")}, b={"rows": COARSE, "cols": deep("conv4_3")})
    metrics, loss_rows = {}, {}
    for name, strength, fall in (("a", strength5, fall5), ("b", strength4, fall4)):
        for cell in table[name].cell_ids:
            metrics[cell] = {"cell": cell, "style_strength": strength}
            loss_rows[cell] = losses(*fall)
    return table, metrics, loss_rows


def test_conv5_3_holds_when_block_5_gives_less_style():
    finding = conv5_3_weak(*five_four(0.1, 0.4))
    assert finding["verdict"] == HOLDS
    assert len(finding["rows"]) == 2  # rows 0 and 200 at column 200
    assert finding["rows"][0][4:] == ["0.1", "0.4", "0.5", "0.9"]


def test_conv5_3_does_not_hold_when_block_5_gives_more_style():
    assert conv5_3_weak(*five_four(0.5, 0.4))["verdict"] == FAILS


def test_conv5_3_falls_back_on_the_loss_fall_without_style_strength():
    assert conv5_3_weak(*five_four(None, None))["verdict"] == HOLDS
    assert conv5_3_weak(*five_four(None, None, fall5=(100, 1)))["verdict"] == FAILS


def test_conv5_3_without_a_block_4_counterpart_is_not_tested():
    table, metrics, loss_rows = five_four(0.1, 0.4)
    # other coarse layers: not the same family
    other = sweeps(
        a={"rows": COARSE, "cols": deep("conv5_3")},
        b={"rows": {"layers": ["conv1_1", "conv1_2"], "values": [0, 200]}, "cols": deep("conv4_3")},
    )
    assert conv5_3_weak(other, metrics, loss_rows)["verdict"] == UNTESTED
    assert conv5_3_weak({"a": table["a"]}, metrics, loss_rows)["verdict"] == UNTESTED


# --- block 3 fastest, least readable ------------------------------------------------------------


def blocks(cer3, cer4, early3=(100, 10, 5), early4=(100, 60, 5)):
    table = sweeps(
        t4={"rows": COARSE, "cols": deep("conv3_2", "conv3_3")},
        t6={"rows": COARSE, "cols": deep("conv4_2", "conv4_3")},
    )
    metrics, loss_rows = {}, {}
    for name, cer, early in (("t4", cer3, early3), ("t6", cer4, early4)):
        for cell in table[name].cell_ids:
            metrics[cell] = {"cell": cell, "cer": cer}
            loss_rows[cell] = losses(*early)
    return table, metrics, loss_rows


def test_block3_holds_when_fastest_and_least_readable():
    finding = block3_fastest(*blocks(0.5, 0.1))
    assert finding["verdict"] == HOLDS
    assert "fastest: yes" in finding["reason"] and "least readable: yes" in finding["reason"]


def test_block3_does_not_hold_when_as_readable():
    finding = block3_fastest(*blocks(0.0, 0.0))
    assert finding["verdict"] == FAILS
    assert "least readable: no" in finding["reason"]


def test_block3_does_not_hold_when_slower():
    assert block3_fastest(*blocks(0.5, 0.1, early3=(100, 90, 5)))["verdict"] == FAILS


def test_block3_half_measurable_is_not_tested():
    # no text to read (CER None): the readability half cannot be judged, the speed half holds
    assert block3_fastest(*blocks(None, None))["verdict"] == UNTESTED


def test_block3_without_another_block_is_not_tested():
    table, metrics, loss_rows = blocks(0.5, 0.1)
    assert block3_fastest({"t4": table["t4"]}, metrics, loss_rows)["verdict"] == UNTESTED


def test_early_ratio_and_loss_fall():
    rows = losses(*range(100, 0, -10))  # 100 at 0 ... 10 at 90: 10 % of the steps is iteration 9
    assert early_ratio(rows) == pytest.approx(0.9)
    assert loss_fall(rows) == pytest.approx(0.9)
    assert early_ratio(losses(100)) is None and loss_fall([]) is None
    assert early_ratio(losses(0, 0)) is None


def test_early_ratio_reads_the_row_a_tenth_into_the_logged_steps_wherever_they_start():
    # a run logged from iteration 100 to 200: a tenth in is iteration 110
    rows = [{"iteration": i, "style": s} for i, s in ((100, 0.8), (105, 0.6), (110, 0.4), (200, 0.2))]
    assert early_ratio(rows) == pytest.approx(0.5)  # losses under 1 (a normalised loss) count alike
    assert loss_fall(rows) == pytest.approx(0.75)


def test_loss_fall_to_zero_is_whole_and_from_zero_unmeasurable():
    assert loss_fall(losses(100, 0)) == 1.0
    assert loss_fall(losses(0, 5)) is None and early_ratio(losses(0, 5)) is None


def test_missing_and_unmeasurable_numbers_read_as_missing():
    from steel.evaluate.findings import _num

    for missing in ("", " NA ", "na", "NaN", "None", "inf", float("-inf"), None, True):
        assert _num(missing) is None, missing
    assert _num(" 0.25 ") == 0.25 and _num(3) == 3.0


def test_a_runs_steps_come_from_its_record_or_its_settings():
    from steel.evaluate.verdicts import run_info

    assert run_info({"iterations_run": 120, "settings": {"iterations": 500}}) == {"steps": 120, "width": None}
    assert run_info({"settings": {"iterations": 500}, "content": {"width": 256}}) == {
        "steps": 500,
        "width": 256,
    }
    assert run_info({}) == {"steps": None, "width": None}
    assert judged_at(["a"], {"a": {"steps": 300, "width": None}}) == "300 steps, unknown px wide"
    assert judged_at(["a"], {"a": {"steps": None, "width": 256}}) == "unknown steps, 256 px wide"


@pytest.mark.parametrize(
    ("without", "with_", "verdict", "words"),
    [
        (0.0, TOLERANCE, UNTESTED, "(clean either way: nothing to clean)"),  # at the tolerance: clean
        (0.2, 0.2 + TOLERANCE / 2, FAILS, "(no cleaner)"),  # within it above: no cleaner, not dirtier
        (0.5, 0.5 + TOLERANCE, FAILS, "(no cleaner)"),  # at it
        (0.2, 0.2 + 1.1 * TOLERANCE, FAILS, "(dirtier)"),
    ],
)
def test_conv1_2_at_the_edges_of_its_tolerance(without, with_, verdict, words):
    finding = conv1_2_cleans(*conv1_2_rows(without, with_))
    assert finding["verdict"] == verdict
    assert (
        f"artefacts: mean {with_:.4g} with conv1_2 against {without:.4g} without {words}" in finding["reason"]
    )


def test_conv1_2_leaves_out_a_row_without_metrics_not_the_rows_after_it():
    table = sweeps(t={"rows": {"layers": ["conv1_2"], "values": [0, 20, 200]}, "cols": deep("conv4_3")})
    metrics = {
        cell: {"cell": cell, "artefacts": 0.2 if cell == table["t"].cell_at(0.0, 200.0) else 0.01}
        for cell in table["t"].cell_ids
        if cell != table["t"].cell_at(20.0, 200.0)
    }
    assert [r[2] for r in conv1_2_cleans(table, metrics)["rows"]] == ["200"]


def test_conv1_2_compares_every_sweep_and_column_and_names_what_it_compared():
    table = sweeps(
        other={"rows": {"layers": ["conv2_2"], "values": [0, 200]}, "cols": deep("conv4_3")},
        two={"rows": COARSE, "cols": deep("conv4_3", values=(20, 200))},
    )
    metrics = {}
    for col, (without, with_) in ((20, (0.3, 0.1)), (200, (0.2, 0.0))):
        for row, value in ((0, without), (200, with_)):
            cell = table["two"].cell_at(row, col)
            metrics[cell] = {"cell": cell, "artefacts": value, "colour_share": "NA"}
    missing = table["two"].cell_at(0, 20)
    runs = {cell: {"steps": 300, "width": 256} for cell in metrics}
    finding = conv1_2_cleans(table, metrics | {missing: metrics[missing]}, runs)
    assert finding["verdict"] == HOLDS
    assert finding["columns"] == [
        "sweep", "column", "row", "artefacts at 0", "artefacts", "colour share at 0", "colour share"
    ]  # fmt: skip
    assert finding["rows"] == [
        ["two", "20", "200", "0.3", "0.1", "n/a", "n/a"],
        ["two", "200", "200", "0.2", "0", "n/a", "n/a"],
    ]
    assert finding["cells"] == [table["two"].cell_at(r, c) for c in (20, 200) for r in (0, 200)]
    assert (
        finding["reason"]
        == "2 comparison(s); artefacts: mean 0.05 with conv1_2 against 0.25 without (cleaner)"
    )
    assert finding["judged_at"] == "300 steps, 256 px wide"
    # a column without its c = 0 cell is left out, not the columns after it
    del metrics[missing]
    assert [r[1] for r in conv1_2_cleans(table, metrics, runs)["rows"]] == ["200"]
    unmeasurable = {c: m | {"artefacts": None} for c, m in metrics.items()}
    assert conv1_2_cleans(table, unmeasurable, runs)["judged_at"] == "300 steps, 256 px wide"


def test_conv5_3_tables_every_matched_cell_and_a_tie_is_no_contribution_less():
    table, metrics, loss_rows = five_four(0.4, 0.4)
    # sweeps that are not block 5's: listed first, skipped
    table = sweeps(
        c={"rows": COARSE, "cols": deep("conv4_2")},
        s={"rows": COARSE, "cols": deep("conv4_3", "conv5_3")},
        f={"rows": COARSE, "cols": deep("conv5_1")},  # block 5 without conv5_3
        g={"rows": COARSE, "cols": deep("conv4_1")},
        a={"rows": COARSE, "cols": deep("conv5_3")},
        b={"rows": COARSE, "cols": deep("conv4_3")},
    )
    for name in "fg":
        for cell in table[name].cell_ids:
            metrics[cell], loss_rows[cell] = {"cell": cell, "style_strength": 0.9}, losses(100, 50)
    runs = {cell: {"steps": 300, "width": 256} for cell in metrics}
    finding = conv5_3_weak(table, metrics, loss_rows, runs)
    assert finding["verdict"] == FAILS  # equal strength: conv5_3 contributes as much
    assert finding["columns"] == [
        "block 5 sweep", "block 4 sweep", "row", "column", "strength 5", "strength 4", "fall 5", "fall 4"
    ]  # fmt: skip
    assert finding["rows"] == [["a", "b", r, "200", "0.4", "0.4", "0.5", "0.9"] for r in ("0", "200")]
    assert finding["reason"] == (
        "2 matched cell(s); mean style strength 0.4 with block 5 against 0.4 with block 4; "
        "style-loss fall 0.5 with block 5 against 0.9"
    )
    assert finding["judged_at"] == "300 steps, 256 px wide"
    assert finding["test"].startswith("style strength and relative style-loss fall (first to last")


def test_conv5_3_uses_only_pairs_measured_on_both_sides():
    table, metrics, loss_rows = five_four(0.1, 0.4)
    # the first pair has no results at all: left out, the second compared
    first = table["a"].cell_at(0.0, 200.0)
    fewer = conv5_3_weak(table, {c: m for c, m in metrics.items() if c != first}, {})
    assert (fewer["verdict"], [r[2] for r in fewer["rows"]]) == (HOLDS, ["200"])
    # block 4's cells have losses but no metrics; block 5's one strength, then none
    for cell in table["b"].cell_ids:
        del metrics[cell]
    finding = conv5_3_weak(table, metrics, loss_rows)
    assert finding["verdict"] == HOLDS  # by the loss fall, the strength being one-sided
    assert finding["reason"] == (
        "2 matched cell(s); style strength not measured; style-loss fall 0.5 with block 5 against 0.9"
    )
    finding = conv5_3_weak(*five_four(None, None, fall5=(), fall4=()))
    assert finding["verdict"] == UNTESTED and finding["reason"] == (
        "2 matched cell(s); neither style strength nor style-loss fall is available for the matched cells"
    )
    strengths_only = conv5_3_weak(*five_four(0.1, 0.4, fall5=(), fall4=()))
    assert strengths_only["reason"].endswith("; style-loss fall not available")
    assert conv5_3_weak({}, {}, {})["test"] == strengths_only["test"]
    assert conv5_3_weak({}, {}, {})["reason"] == (
        "no sweep with conv5_3 deep layers has a block-4 counterpart (same coarse layers) with results"
    )


def test_block3_tables_each_other_block_and_must_beat_every_one():
    table = sweeps(
        t4={"rows": COARSE, "cols": deep("conv3_2", "conv3_3")},
        span={"rows": COARSE, "cols": deep("conv3_2", "conv4_3")},  # two blocks: no block sweep
        pool={"rows": COARSE, "cols": deep("pool4")},  # no convolution: no block sweep
        t6={"rows": COARSE, "cols": deep("conv4_2", "conv4_3")},
        t8={"rows": COARSE, "cols": deep("conv5_2", "conv5_3")},
    )
    early = {"t4": (100, 40, 5), "t6": (100, 30, 5), "t8": (100, 60, 5)}  # faster than 5, not 4
    cer = {"t4": 0.5, "t6": 0.1, "t8": 0.2}
    metrics, loss_rows = {}, {}
    for name in ("span", "pool", *early):  # the sweeps of no one block have results too
        for cell in table[name].cell_ids:
            metrics[cell] = {"cell": cell, "cer": cer.get(name, 0.9)}
            loss_rows[cell] = losses(*early.get(name, (100, 1, 1)))
    runs = {cell: {"steps": 20, "width": 64} for cell in metrics}
    finding = block3_fastest(table, metrics, loss_rows, runs)
    assert finding["verdict"] == FAILS
    assert finding["reason"] == (
        "4 matched cell(s); fastest: no (early loss 0.4 with block 3 against 0.3 with block 4; early loss "
        "0.4 with block 3 against 0.6 with block 5); least readable: yes (CER 0.5 with block 3 against 0.1 "
        "with block 4; CER 0.5 with block 3 against 0.2 with block 5)"
    )
    assert finding["columns"] == [
        "block 3 sweep", "other sweep", "block", "row", "column", "early loss 3", "early loss", "CER 3", "CER"
    ]  # fmt: skip
    assert finding["rows"][0] == ["t4", "t6", "4", "0", "200", "0.4", "0.3", "0.5", "0.1"]
    assert [r[1:3] for r in finding["rows"]] == [["t6", "4"], ["t6", "4"], ["t8", "5"], ["t8", "5"]]
    assert len(finding["cells"]) == 6 and finding["judged_at"] == "20 steps, 64 px wide"
    assert finding["test"].endswith(
        "with the same coarse layers and convolutions (the Figure 3 families), cell by cell"
    )
    # a pair without results is left out, not the pairs after it
    gone = table["t6"].cell_ids[0]
    fewer = block3_fastest(
        table,
        {c: m for c, m in metrics.items() if c != gone},
        {c: r for c, r in loss_rows.items() if c != gone},
    )
    assert [r[1] for r in fewer["rows"]] == ["t6", "t8", "t8"]
    # as fast as block 4 is not faster
    early["t6"] = early["t4"]
    for cell in table["t6"].cell_ids:
        loss_rows[cell] = losses(*early["t6"])
    assert (
        "fastest: no (early loss 0.4 with block 3 against 0.4 with block 4"
        in block3_fastest(table, metrics, loss_rows)["reason"]
    )
    # another block-3 sweep of the same family is no other block
    three, four = deep("conv3_2", "conv3_3"), deep("conv4_2", "conv4_3")
    twice = sweeps(
        t4={"rows": COARSE, "cols": three},
        again={"rows": COARSE, "cols": three},
        t6={"rows": COARSE, "cols": four},
    )
    assert {r[2] for r in block3_fastest(twice, metrics, loss_rows)["rows"]} == {"4"}
    assert block3_fastest({}, {}, {})["reason"] == (
        "no block-3 sweep has a counterpart in another deep block (same coarse layers) with results"
    )


def test_best_tradeoff_ranks_two_cells_and_says_why_one_is_not_enough():
    metrics = ranked_metrics(0.4)
    two = {cell: row for cell, row in metrics.items() if cell != cell_id({"conv4_3": 2000})}
    runs = {cell: {"steps": 300, "width": 256} for cell in metrics}
    finding = best_tradeoff(two, REFERENCE, 0.25, 0.1, runs)
    assert (finding["verdict"], finding["reason"]) == (HOLDS, "rank 1 of 2")
    assert finding["judged_at"] == "300 steps, 256 px wide"
    alone = best_tradeoff({BEST: metrics[BEST]}, REFERENCE, 0.25, 0.1)
    assert (alone["claim"], alone["verdict"]) == ("best_tradeoff", UNTESTED)
    assert alone["reason"] == "it is the only cell: nothing to rank it against"


# --- best trade-off -----------------------------------------------------------------------------

BEST = cell_id(PAPER_BEST)
REFERENCE = {"cer": 0.0, "artefacts": 0.0}


def ranked_metrics(best_strength):
    other = cell_id({"conv1_1": 2000, "conv1_2": 2000, "conv4_1": 20, "conv4_2": 20, "conv4_3": 20})
    unreadable = cell_id({"conv4_3": 2000})
    return {
        BEST: {"cell": BEST, "cer": 0.0, "artefacts": 0.01, "style_strength": best_strength},
        other: {"cell": other, "cer": 0.1, "artefacts": 0.02, "style_strength": 0.3},
        unreadable: {"cell": unreadable, "cer": 0.9, "artefacts": 0.5, "style_strength": 0.9},
    }


def test_best_tradeoff_holds_at_rank_1():
    finding = best_tradeoff(ranked_metrics(0.4), REFERENCE, 0.25, 0.1)
    assert finding["verdict"] == HOLDS
    assert finding["reason"] == "rank 1 of 3"


def test_best_tradeoff_does_not_hold_below_rank_1():
    finding = best_tradeoff(ranked_metrics(0.2), REFERENCE, 0.25, 0.1)
    assert finding["verdict"] == FAILS
    assert finding["reason"].startswith("rank 2 of 3")


def test_best_tradeoff_without_the_cell_is_not_tested():
    metrics = ranked_metrics(0.4)
    del metrics[BEST]
    assert best_tradeoff(metrics, REFERENCE, 0.25, 0.1)["verdict"] == UNTESTED


def test_rank_cells_follows_the_best_cell_rule():
    order = [row["cell"] for row in rank_cells(list(ranked_metrics(0.4).values()), 0.25, 0.1)]
    assert order[0] == BEST and order[-1] == cell_id({"conv4_3": 2000})


# --- writing ------------------------------------------------------------------------------------


def test_steps_named_and_short_runs_flagged():
    assert judged_at(["a", "b"], {"a": {"steps": 300, "width": 256}, "b": {"steps": 600, "width": 256}}) == (
        "300-600 steps, 256 px wide"
    )
    assert "far short" in steps_warning([300])
    assert steps_warning([50_000]) is None and steps_warning([]) is None
    finding = conv1_2_cleans(*conv1_2_rows(0.2, 0.01))
    text = pair_markdown("s__c", [finding], [300])
    assert "far short" in text and "holds" in text
    summary = summary_markdown({"s__c": {"pair": "s__c", "steps": [300], "findings": [finding]}})
    assert "far short" in summary and "| holds | 1 | 0 | 0 |" in summary


def markdown_tables(text: str) -> list[list[list[str]]]:
    """Every table of a Markdown page, as rows of cells (the header first, the rule left out)."""
    tables, rows = [], None
    for line in text.splitlines():
        if line.startswith("|"):
            assert line.endswith("|"), line
            if set(line) <= {"|", "-"}:
                continue
            if rows is None:
                rows = []
                tables.append(rows)
            rows.append([cell.strip() for cell in line[1:-1].split(" | ")])
        else:
            rows = None
    return tables


def test_the_summary_over_pairs_names_its_step_range_and_a_column_per_pair():
    finding = conv1_2_cleans(*conv1_2_rows(0.2, 0.01))
    unjudged = dict(finding, judged_at="not judged (no cells)")
    pairs = {
        "a__x": {"pair": "a__x", "steps": [300], "findings": [finding]},
        "b__y": {"pair": "b__y", "steps": [50_000, None], "findings": [unjudged]},
    }
    text = summary_markdown(pairs)
    lines = text.splitlines()
    assert lines[0] == "# Does the paper hold? Summary over all pairs"
    assert "Runs of 300 to 50,000 steps (the paper: 50,000)." in lines
    [table] = markdown_tables(text)
    assert table[0] == ["claim", "a__x", "b__y", "holds", "does not hold", "not tested"]
    assert all(len(row) == len(table[0]) for row in table)
    row = next(row for row in table if row[1] == "holds")
    assert row[2:] == ["holds", "2", "0", "0"] and "not judged" not in row[0]
    assert (
        lines[-1] == "Each pair's comparisons, numbers and reasons: results/findings/{style}__{content}.md."
    )
    one = summary_markdown({"a__x": pairs["a__x"]})
    assert "Runs of 300 steps (the paper: 50,000)." in one.splitlines()


def test_a_pairs_report_has_a_section_per_finding_and_the_loss_scale_with_its_table(tmp_path):
    images = {
        "conv4_3-20": _grey(tmp_path / "a.png", 0, (0, 0)),
        "conv4_3-200": _grey(tmp_path / "b.png", 3, (0, 0)),
    }
    scale = scale_check(list(images), images, PAPER_LOSS)
    finding = conv1_2_cleans(*conv1_2_rows(0.2, 0.01))
    text = pair_markdown("s__c", [finding], [300], scale)
    lines = text.splitlines()
    assert lines[0] == "# Does the paper hold? s__c"
    assert f"## 1. {finding['statement']}: holds" in lines
    assert "## The loss's scale: cells that differ by one common factor" in lines
    assert any(
        line.startswith("Under the paper's loss (eq. 1 and 3) Adam ignores a common factor") for line in lines
    )
    tables = markdown_tables(text)
    assert tables[0][0] == finding["columns"] and tables[-1][0] == scale["columns"]
    assert tables[-1][1][:4] == ["conv4_3-20", "conv4_3-200", "10", "3"]
    summary = summary_markdown({"s__c": {"pair": "s__c", "steps": [300], "findings": [], "scale": scale}})
    assert (
        "The loss's scale: under the paper's loss Adam ignores a common factor of the loss, so cells of "
        "the same layers whose coefficients differ by one common factor should give one image."
    ) in summary.splitlines()


def test_findings_job_reads_the_workflow_files(tmp_path):
    _, metrics = conv1_2_rows(0.2, 0.01)
    tsv = tmp_path / "table.tsv"
    tsv.write_text(
        "cell\tcer\tartefacts\tcolour_share\tstyle_strength\n"
        + "".join(f"{c}\t0.0\t{m['artefacts']}\t0.0\t\n" for c, m in metrics.items())
    )
    reference = tmp_path / "reference.json"
    reference.write_text(json.dumps(REFERENCE))
    loss_files, records = [], []
    for cell in metrics:
        run = tmp_path / "runs" / cell
        run.mkdir(parents=True)
        (run / "losses.tsv").write_text("iteration\ttotal\tstyle\n0\t10\t10\n300\t5\t5\n")
        (run / "run.json").write_text(json.dumps({"iterations_run": 300, "content": {"width": 256}}))
        loss_files.append(str(run / "losses.tsv"))
        records.append(str(run / "run.json"))
    spec = {"anything": {"rows": COARSE, "cols": deep("conv4_3")}}
    out_md, out_json = tmp_path / "pair.md", tmp_path / "pair.json"
    findings_job(spec, [str(tsv)], str(reference), loss_files, records, 0.25, "s__c", out_md, out_json, 0.1)
    data = json.loads(out_json.read_text())
    assert [f["verdict"] for f in data["findings"]] == [HOLDS, UNTESTED, UNTESTED, UNTESTED]
    assert data["findings"][0]["judged_at"] == "300 steps, 256 px wide"
    assert "far short" in out_md.read_text()
    assert (data["pair"], data["steps"]) == ("s__c", [300])
    # with the cells' images the loss-scale check measures, judged at the runs' steps; no reference
    multiples = {
        "anything": {
            "rows": {"layers": ["conv1_2"], "values": [0]},
            "cols": deep("conv4_3", values=(20, 200)),
        }
    }
    images = []
    for cell in ("conv4_3-20", "conv4_3-200"):
        (tmp_path / "runs" / cell).mkdir(exist_ok=True)
        images.append(_grey(tmp_path / "runs" / cell / "stylized.png", 0, (0, 0)))
        (tmp_path / "runs" / cell / "run.json").write_text(Path(records[0]).read_text())
        records.append(str(tmp_path / "runs" / cell / "run.json"))
    findings_job(
        multiples,
        [str(tsv)],
        None,
        loss_files,
        records,
        0.25,
        "s__c",
        out_md,
        out_json,
        0.1,
        images,
        PAPER_LOSS,
    )
    scale = json.loads(out_json.read_text())["scale"]
    assert scale["verdict"] == "measured" and scale["judged_at"] == "300 steps, 256 px wide"
    assert scale["largest"] == 0


def test_findings_job_judges_the_loss_claims_from_each_cells_losses_under_the_configs_loss(tmp_path):
    # three deep blocks of one family; every sweep sets the config's own tv_weight, so its cells are
    # named without a loss suffix only when the job names them over the config's loss section
    loss = {"tv_weight": 0.01, "content_weight": 1.0}
    spec = {
        f"b{block}": {"rows": COARSE, "cols": deep(f"conv{block}_3"), "loss": {"tv_weight": 0.01}}
        for block in (3, 4, 5)
    }
    # style losses at iterations 0, 10, 20: block 3 falls fastest (early ratio 0.2 against 0.8
    # and 0.9); block 5 falls least overall (0.1 against block 4's 0.5)
    styles = {3: (100, 20, 10), 4: (100, 80, 50), 5: (100, 90, 90)}
    cer = {3: 0.6, 4: 0.0, 5: 0.0}
    rows, loss_files, records = [], [], []
    for block in (3, 4, 5):
        for coarse in (0, 200):
            cell = cell_id({"conv1_2": coarse, f"conv{block}_3": 200})
            rows.append(f"{cell}\t{cer[block]}\t\t\t\n")
            run = tmp_path / "runs" / cell
            run.mkdir(parents=True)
            (run / "losses.tsv").write_text(
                "iteration\ttotal\tstyle\n"
                + "".join(f"{10 * i}\t{s}\t{s}\n" for i, s in enumerate(styles[block]))
            )
            loss_files.append(str(run / "losses.tsv"))
            (run / "run.json").write_text(json.dumps({"iterations_run": 20, "content": {"width": 64}}))
            records.append(str(run / "run.json"))
    tsv = tmp_path / "table.tsv"
    tsv.write_text("cell\tcer\tartefacts\tcolour_share\tstyle_strength\n" + "".join(rows))
    out_md, out_json = tmp_path / "pair.md", tmp_path / "pair.json"
    args = (spec, [str(tsv)], None, loss_files, records, 0.25, "s__c", out_md, out_json, 0.1)
    findings = {f["claim"]: f for f in findings_job(*args, loss=loss)}
    weak, fastest = findings["conv5_3_weak"], findings["block3_fastest"]
    assert (weak["verdict"], fastest["verdict"]) == (HOLDS, HOLDS)
    assert weak["judged_at"] == fastest["judged_at"] == "20 steps, 64 px wide"
    assert "style-loss fall 0.1 with block 5 against 0.5" in weak["reason"]
    assert "early loss 0.2 with block 3 against 0.8 with block 4" in fastest["reason"]
    assert "early loss 0.2 with block 3 against 0.9 with block 5" in fastest["reason"]
    assert "CER 0.6 with block 3 against 0 with block 4" in fastest["reason"]
    saved = {f["claim"]: f["verdict"] for f in json.loads(out_json.read_text())["findings"]}
    assert saved["conv5_3_weak"] == saved["block3_fastest"] == HOLDS
    # the same sweeps over a config whose loss differs: other cells, none with results
    other = {f["claim"]: f["verdict"] for f in findings_job(*args, loss={"tv_weight": 0.001})}
    assert other["conv5_3_weak"] == other["block3_fastest"] == UNTESTED


def test_findings_import_no_torch():
    code = "import sys, steel.evaluate.findings; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


@pytest.mark.workflow
def test_dry_run_plans_the_findings_targets(tmp_path):
    config = write_config(tmp_path / "config.yaml", tiny_config())
    result = snakemake(tmp_path, config, "-n")
    assert result.returncode == 0, result.stderr[-3000:]
    jobs = planned_jobs(result)
    pairs = {(j["style"], j["content"]) for j in jobs if j["rule"] == "findings"}
    assert pairs == {("ironwrath", "quorix"), ("vorthane", "quorix")}
    [summary] = [j for j in jobs if j["rule"] == "findings_summary"]
    assert summary["output"] == ["results/findings/summary.md"]


# --- the loss's scale: cells that differ by one common factor --------------------------------

PAPER_LOSS = {"normalise": "paper", "content_weight": 1.0}


def test_common_multiples_need_the_same_layers_and_loss():
    cells = [
        "conv4_3-20",
        "conv4_3-200",  # 10 x conv4_3-20
        "conv1_2-20__conv4_3-200",
        "conv1_2-200__conv4_3-2000",  # 10 x the cell above
        "conv1_2-200__conv4_3-200",  # another ratio
        "conv4_3-2000__normalise-gatys",  # another loss
    ]
    assert sorted(common_multiples(cells)) == [
        ("conv1_2-20__conv4_3-200", "conv1_2-200__conv4_3-2000", 10.0),
        ("conv4_3-20", "conv4_3-200", 10.0),
    ]
    assert distinct_cells(cells, PAPER_LOSS) == 4
    # under another normalisation a common factor changes the balance with the content term
    assert distinct_cells(cells, {"normalise": "gatys"}) == 6


def test_distinct_cells_of_the_paper_preset():
    """Tables 2-10: 6 of each table's 12 cells can differ; table 1 runs under rrmina: 3 of 3."""
    preset = yaml.safe_load((REPO / "presets" / "paper.yaml").read_text())
    preset["loss"] |= {"normalise": "paper"}
    cells = [cell for sweep in sweeps_from_config(preset).values() for cell in sweep.cell_ids]
    assert len(cells) == len(set(cells)) == 111
    assert distinct_cells(cells, preset["loss"]) == 9 * 6 + 3


def _grey(path, value, where=None):
    pixels = np.full((8, 16, 3), 255, np.uint8)
    if where is not None:
        pixels[where] = value
    Image.fromarray(pixels).save(path)
    return str(path)


def test_scale_check_measures_the_largest_pixel_difference(tmp_path):
    cells = ["conv4_3-20", "conv4_3-200", "conv4_3-2000", "conv1_2-20__conv4_3-20"]
    images = {
        "conv4_3-20": _grey(tmp_path / "a.png", 0, (0, 0)),
        "conv4_3-200": _grey(tmp_path / "b.png", 3, (0, 0)),  # 3 grey levels from a
        "conv4_3-2000": _grey(tmp_path / "c.png", 0, (0, 0)),
        "conv1_2-20__conv4_3-20": _grey(tmp_path / "d.png", 100, (1, 1)),
    }
    runs = {cell: {"steps": 300, "width": 16} for cell in cells}
    scale = scale_check(cells, images, PAPER_LOSS, runs)
    assert scale["largest"] == 3 and scale["verdict"] == "measured"
    assert scale["cells"] == 4 and scale["distinct"] == 2
    assert len(scale["rows"]) == 3 and scale["rows"][0][3] == "3"
    assert scale["judged_at"] == "300 steps, 16 px wide"
    text = pair_markdown("s__c", [], [300], scale)
    assert "**3 of 255**" in text and "4, of which 2 can differ" in text
    summary = summary_markdown({"s__c": {"pair": "s__c", "steps": [300], "findings": [], "scale": scale}})
    assert (
        "4 cells, 2 of which can differ" in summary and "difference between such cells: 3 of 255" in summary
    )
    # no common multiples under the paper loss: not tested, never guessed
    none = scale_check(cells, images, {"normalise": "gatys"}, runs)
    assert none["largest"] is None and none["verdict"] == UNTESTED
    assert "not tested" in pair_markdown("s__c", [], [300], none)
    assert "not tested" in summary_markdown({"p": {"pair": "p", "steps": [], "findings": [], "scale": none}})


def test_a_factor_of_two_is_a_common_multiple():
    for cells in (["conv4_3-40", "conv4_3-20"], ["conv4_3-20", "conv4_3-40"]):
        assert common_multiples(cells) == [("conv4_3-20", "conv4_3-40", 2.0)]


def test_scale_check_ranks_pairs_by_their_largest_difference_and_reads_grey_files_as_rgb(tmp_path):
    cells = ["conv4_3-20", "conv4_3-200", "conv1_2-20", "conv1_2-200"]
    spots = np.zeros((8, 16), bool)
    spots[0, :4] = True
    images = {
        "conv4_3-20": _grey(tmp_path / "a.png", 0, (0, 0)),
        "conv4_3-200": _grey(tmp_path / "b.png", 9, (0, 0)),  # largest 9, on one pixel
        "conv1_2-20": _grey(tmp_path / "c.png", 0, spots),
        "conv1_2-200": str(tmp_path / "d.png"),  # largest 5, on four pixels: a larger mean
    }
    grey = np.full((8, 16), 255, np.uint8)
    grey[spots] = 5
    Image.fromarray(grey, "L").save(images["conv1_2-200"])
    scale = scale_check(cells, images, PAPER_LOSS)
    assert scale["columns"] == ["cell", "common multiple", "factor", "largest difference", "mean difference"]
    assert [row[:4] for row in scale["rows"]] == [
        ["conv4_3-20", "conv4_3-200", "10", "9"],
        ["conv1_2-20", "conv1_2-200", "10", "5"],
    ]
    assert scale["largest"] == 9


def test_scale_check_of_cells_drawn_at_other_sizes_is_not_tested(tmp_path):
    small = tmp_path / "small.png"
    Image.new("RGB", (8, 4), "white").save(small)
    images = {"conv4_3-20": _grey(tmp_path / "a.png", 0), "conv4_3-200": str(small)}
    scale = scale_check(list(images), images, PAPER_LOSS)
    assert (scale["verdict"], scale["reason"]) == (UNTESTED, "the images of the cells differ in size")
    assert scale["largest"] is None and scale["rows"] == []


def test_early_ratio_reads_the_row_logged_exactly_at_the_early_share():
    rows = [{"iteration": i, "style": 1000 - i} for i in range(0, 1001, 100)]  # 10 % = step 100
    assert early_ratio(rows) == pytest.approx(900 / 1000)


def test_best_tradeoff_counts_the_artefact_limit_and_shows_its_ranking():
    metrics = ranked_metrics(0.4)
    # a readable cell with more style than the paper's best, but over the artefact limit
    noisy = cell_id({"conv1_2": 20, "conv4_3": 2000})
    metrics[noisy] = {"cell": noisy, "cer": 0.0, "artefacts": 0.3, "style_strength": 0.8}
    finding = best_tradeoff(metrics, REFERENCE, 0.25, 0.1)
    assert finding["verdict"] == HOLDS and finding["reason"] == "rank 1 of 4"
    assert best_tradeoff(metrics, REFERENCE, 0.25, None)["reason"] == f"rank 2 of 4; the rule prefers {noisy}"
    assert finding["columns"] == ["rank", "cell", "CER", "artefacts", "style strength"]
    assert finding["rows"][0] == ["1", f"**{BEST}**", "0", "0.01", "0.4"]


def test_the_summary_job_reads_each_pairs_json_by_its_pair_name(tmp_path):
    from steel.jobs.findings import summary_job

    finding = conv1_2_cleans(*conv1_2_rows(0.2, 0.01))
    paths = []
    for pair in ("b__y", "a__x"):
        paths.append(tmp_path / f"{pair}.json")
        paths[-1].write_text(json.dumps({"pair": pair, "steps": [300], "findings": [finding]}))
    text = summary_job([str(p) for p in paths], tmp_path / "out" / "summary.md")
    assert (tmp_path / "out" / "summary.md").read_text(encoding="utf-8") == text
    assert markdown_tables(text)[0][0][1:3] == ["b__y", "a__x"]  # in the order the workflow lists them
