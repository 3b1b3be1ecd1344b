"""The coefficient search: the ratio grid and its cells (steel.plan.search), the strategy on
synthetic metrics (steel.evaluate.search), and the workflow's rounds as checkpoints."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from capped import run_capped
from workflow_helpers import planned_jobs, snakemake, tiny_config, write_config

from steel.errors import SteelError
from steel.evaluate.search import monotone, propose
from steel.plan.search import Search, searches_from_config

SPEC = {
    "coarse": ["conv1_1", "conv1_2"],
    "deep": ["conv4_1", "conv4_2", "conv4_3"],
    "ratio": [0.001, 100],
    "rounds": 3,
    "per_round": 3,
    "coarse_value": 2000,
    "points_per_decade": 4,
}


def test_ratios_live_on_a_log_grid_and_name_cells_canonically():
    search = Search.from_config("s", SPEC, {})
    grid = search.grid()
    assert len(grid) == 21 and grid[0] == pytest.approx(0.001) and grid[-1] == pytest.approx(100)
    assert grid[12] == pytest.approx(1.0)
    # ratio 0.1 -> deep 200: table 9's best cell, by the same id a sweep gives it
    assert search.cell(8) == "conv1_1-2000__conv1_2-2000__conv4_1-200__conv4_2-200__conv4_3-200"
    assert search.coefficients(grid[9])["conv4_1"] == 356.0  # 3 significant digits of 355.66
    assert "rounds" not in search.params()  # one more round never replans the earlier ones


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ({"loss": {"normalise": "gatys"}}, "needs the paper's loss with Adam"),
        ({"optimizer": {"name": "lbfgs"}}, "needs the paper's loss with Adam"),
        ({"search": {"s": SPEC | {"ratio": [10, 1]}}}, "0 < low < high"),
        ({"search": {"s": SPEC | {"deep": ["conv1_2"]}}}, "conv1_2 is both coarse and deep"),
        ({"search": {"s": SPEC | {"ratio": [1.1, 1.2]}}}, "no ratio of the grid lies in"),
        ({"search": {"../x": SPEC}}, "search name '../x' cannot be used"),
    ],
)
def test_a_search_that_cannot_work_is_one_line(config, words):
    with pytest.raises(SteelError, match=words) as error:
        searches_from_config({"search": {"s": SPEC}} | config)
    assert "\n" not in str(error.value)


def rows(indices, feasible):
    """Synthetic metrics: style grows with the index; a cell breaks the CER limit where not feasible."""
    return {
        i: {"cell": f"c{i}", "cer": 0.0 if feasible(i) else 1.0, "artefacts": 0.0, "style_strength": i / 30}
        for i in indices
    }


def run_rounds(feasible, size=21, per_round=3, rounds=5):
    evaluated, history = {}, []
    for _ in range(rounds):
        proposal = propose(size, evaluated, per_round, 0.25, 0.1)
        history.append(proposal)
        evaluated |= rows(proposal, feasible)
    return evaluated, history


def test_a_monotone_boundary_is_found_to_the_grids_resolution():
    evaluated, history = run_rounds(lambda i: i <= 13)
    assert history[0] == [0, 10, 20]  # round 1 spreads over the whole grid
    assert history[1] == [12, 15, 18]  # then splits the gap above the highest feasible cell
    assert 13 in evaluated and 14 in evaluated and history[-1] == []  # found: nothing more to run
    assert sum(map(len, history)) <= 9 and monotone(evaluated, 0.25, 0.1)


def test_nothing_feasible_even_at_the_lowest_ratio_stops():
    _, history = run_rounds(lambda i: False, rounds=3)
    assert history[0] == [0, 10, 20] and history[1] == []  # the range's lowest ratio already fails


def test_nothing_feasible_but_room_below_looks_below_the_lowest_cell():
    evaluated = rows([5, 10, 15], lambda i: False)
    assert propose(21, evaluated, 3, 0.25, 0.1) == [0, 2, 4]  # (-1, 5) split in four


def test_everything_feasible_looks_above_the_highest_cell_and_stops_at_the_top():
    _, history = run_rounds(lambda i: True, rounds=3)
    assert history[0] == [0, 10, 20] and history[1] == []  # the top of the grid is already feasible


def test_where_the_metrics_are_not_monotone_the_search_says_so():
    """A feasible cell above an infeasible one: the strategy narrows on the highest feasible cell
    (here the grid's top: nothing more to run) and the result says the assumption failed."""
    evaluated, history = run_rounds(lambda i: i in (0, 20))
    assert history[1] == [] and not monotone(evaluated, 0.25, 0.1)


# --- the workflow ------------------------------------------------------------------------------------


RESULT = "results/search/s/ironwrath__quorix.json"


def search_config(rounds: int = 2) -> dict:
    config = tiny_config()
    config["styles"] = {"ironwrath": config["styles"]["ironwrath"]}
    config["search"] = {
        "s": {
            "coarse": ["conv1_2"],
            "deep": ["conv3_3"],
            "ratio": [0.01, 100],  # 9 ratios, one cell a round: the middle, then halves of a side
            "rounds": rounds,
            "per_round": 1,
            "points_per_decade": 2,
        }
    }
    return config


@pytest.mark.workflow
def test_every_round_runs_a_finished_search_plans_nothing_and_one_more_round_runs_only_its_cells(tmp_path):
    config = write_config(tmp_path / "c.yaml", search_config(rounds=2))
    result = snakemake(tmp_path, None, RESULT, "--configfile", str(config))
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads((tmp_path / "results/search/s/ironwrath__quorix.json").read_text())
    assert sorted({p["round"] for p in found["evaluated"]}) == [1, 2]
    assert found["chosen"] in {p["cell"] for p in found["evaluated"]}
    assert (tmp_path / "results/search/s/ironwrath__quorix.png").is_file()
    assert (tmp_path / "results/search/s/ironwrath__quorix.best.png").is_file()
    before = {p["cell"] for p in found["evaluated"]}
    # finished: nothing to plan
    again = planned_jobs(snakemake(tmp_path, None, "-n", RESULT, "--configfile", str(config)))
    assert not [j for j in again if j["rule"] in ("stylize", "search_round", "search_result")]
    # one more round: only its cells
    more = write_config(tmp_path / "more.yaml", search_config(rounds=3))
    result = snakemake(tmp_path, None, RESULT, "--configfile", str(more))
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads((tmp_path / "results/search/s/ironwrath__quorix.json").read_text())
    new = {p["cell"] for p in found["evaluated"] if p["round"] == 3}
    made = {
        line.split("/")[-2]
        for line in result.stderr.splitlines()
        if "stylized.png" in line and "output:" in line
    }
    assert made <= new and not (new & before)


def test_one_cell_a_round_with_everything_feasible_climbs_to_the_grids_top():
    evaluated, history = run_rounds(lambda i: True, size=10, per_round=1, rounds=8)
    assert history[0] == [4]  # round 1: the middle
    assert max(evaluated) == 9 and history[-1] == []  # the top cell is run, then nothing more


def test_the_artefact_limit_counts_in_the_search_as_in_the_best_cell_rule():
    evaluated = rows([0, 10, 20], lambda i: True)
    evaluated[20]["artefacts"] = 0.5  # readable, but over the artefact limit
    assert propose(21, evaluated, 1, 0.25, 0.1) == [15]  # narrows between 10 and 20
    evaluated[0]["artefacts"] = 0.5  # a feasible cell above an infeasible one
    assert not monotone(evaluated, 0.25, 0.1)


def test_round_one_spreads_over_a_range_that_does_not_start_at_zero():
    from steel.evaluate.search import spread

    assert spread(2, 10, 3, inclusive=True) == [2, 6, 10]


def test_the_rounds_proposals_are_looked_up_by_their_cells():
    from steel.evaluate.search import evaluated_by_index

    rounds = [{"proposals": [{"index": 3, "cell": "a"}]}, {"proposals": [{"index": 7, "cell": "b"}]}]
    metrics = {"a": {"cer": 0.0}, "b": {"cer": 0.5}, "c": {"cer": 1.0}}
    assert evaluated_by_index(rounds, metrics) == {3: {"cer": 0.0}, 7: {"cer": 0.5}}


def test_a_rounds_params_rebuild_the_same_search_as_the_round_job_does():
    from steel.jobs.search import _search  # the round job's own reading of its params

    search = Search.from_config("s", SPEC | {"per_round": 2, "coarse_value": 500, "points_per_decade": 3}, {})
    rebuilt = _search("s", search.params())
    assert rebuilt.grid() == search.grid() and rebuilt.per_round == 2
    assert [rebuilt.cell(i) for i in range(len(search.grid()))] == [
        search.cell(i) for i in range(len(search.grid()))
    ]


def test_a_ratio_range_must_start_above_zero():
    with pytest.raises(SteelError, match="0 < low < high"):
        searches_from_config({"search": {"s": SPEC | {"ratio": [0, 10]}}})


def test_the_search_plot_shows_each_rounds_cells_the_limit_and_the_choice_ringed():
    from matplotlib.colors import to_rgba

    from steel.render.search import search_plot

    points = [
        {"round": 1, "ratio": 0.1, "cell": "a", "style_strength": 0.3, "artefacts": 0.05},
        {"round": 1, "ratio": 10.0, "cell": "b", "style_strength": 0.6, "artefacts": 0.4},
        {"round": 2, "ratio": 1.0, "cell": "c", "style_strength": 0.5, "artefacts": None},
    ]
    figure = search_plot(points, "c", 0.3, "ironwrath on quorix")
    ax = figure.axes[0]
    by_label = {c.get_label(): c for c in ax.collections}
    assert np.allclose(by_label["style strength, round 1"].get_offsets(), [(0.1, 0.3), (10.0, 0.6)])
    assert np.allclose(by_label["artefacts, round 1"].get_offsets(), [(0.1, 0.05), (10.0, 0.4)])
    assert np.allclose(by_label["artefacts, round 2"].get_offsets(), [(1.0, 0.0)])  # not measured: 0
    first, second = by_label["style strength, round 1"], by_label["style strength, round 2"]
    # a marker per round: the rounds' marker shapes differ
    assert not np.array_equal(first.get_paths()[0].vertices, second.get_paths()[0].vertices)
    ring = by_label["chosen"]
    assert np.allclose(ring.get_offsets(), [(1.0, 0.5)]) and ring.get_sizes()[0] > first.get_sizes()[0]
    [limit] = [line for line in ax.lines if line.get_label() == "artefact limit"]
    assert np.allclose(limit.get_ydata(), 0.3) and limit.get_linestyle() == ":"
    # the limit in the artefacts' colour (hollow markers), apart from the style's; a grid to read by
    artefacts = by_label["artefacts, round 1"]
    assert np.allclose(to_rgba(limit.get_color()), artefacts.get_edgecolor()[0])
    assert len(artefacts.get_facecolor()) == 0 or artefacts.get_facecolor()[0][3] == 0
    assert not np.allclose(first.get_facecolor()[0], artefacts.get_edgecolor()[0])
    assert ax.xaxis.get_gridlines()[0].get_visible() and ring.get_linewidths()[0] > 1
    assert ax.get_xscale() == "log" and ax.get_title() == "ironwrath on quorix"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("deep / coarse coefficient ratio", "share")
    assert [t.get_text() for t in ax.get_legend().get_texts()][-1] == "chosen"
    without = search_plot(points, None, None, "t").axes[0]
    assert "chosen" not in {c.get_label() for c in without.collections} and not without.lines


def test_the_round_and_result_jobs_on_synthetic_metrics(tmp_path, capsys):
    """Two rounds as the workflow runs them, each cell's metrics made up from its place on the grid:
    style and artefacts both grow with the ratio, and the artefact limit is 0.3."""
    from PIL import Image

    from steel.jobs.search import result_job, round_job

    search = Search.from_config("s", SPEC, {})
    index_of = {search.cell(i): i for i in range(len(search.grid()))}
    reference = tmp_path / "reference.json"
    reference.write_text(json.dumps({"cer": 0.0, "artefacts": 0.0, "style_strength": 0.0}))
    limits = (str(reference), 0.25, 0.3)
    run_root, metrics, rounds = tmp_path / "runs", {}, []

    def measure(proposals):
        for proposal in proposals:
            cell, share = proposal["cell"], index_of[proposal["cell"]] / 20
            (run_root / cell).mkdir(parents=True, exist_ok=True)
            Image.new("RGB", (8, 4), (int(255 * share),) * 3).save(run_root / cell / "stylized.png")
            row = {"cell": cell, "cer": 0.0, "artefacts": share, "style_strength": share}
            (run_root / cell / "metrics.json").write_text(json.dumps(row))
            metrics[cell] = str(run_root / cell / "metrics.json")

    for number in (1, 2):
        out = tmp_path / f"round{number}.json"
        proposals = round_job("s", SPEC, number, list(rounds), dict(metrics), *limits, out)
        assert json.loads(out.read_text()) == {"round": number, "proposals": proposals} and proposals
        assert all(p["cell"] == search.cell(p["index"]) for p in proposals)
        rounds.append(str(out))
        measure(proposals)
    assert f"search s round 2: {proposals[0]['cell']}" in capsys.readouterr().out
    out_json, out_plot, out_png = tmp_path / "s.json", tmp_path / "s.png", tmp_path / "s.best.png"
    result = result_job("s", rounds, metrics, *limits, run_root, out_json, out_plot, out_png)
    feasible = [cell for cell in metrics if index_of[cell] / 20 <= 0.3]
    assert result["chosen"] == max(feasible, key=index_of.get)  # the most style within the limit
    assert result["chosen_metrics"]["cell"] == result["chosen"] and result["monotone"] is True
    assert result["runs"] == len(metrics) == len(result["evaluated"])
    assert {p["round"] for p in result["evaluated"]} == {1, 2}
    assert all(p["artefacts"] == index_of[p["cell"]] / 20 for p in result["evaluated"])
    assert "artefacts <= 0.3" in result["rule"]
    assert json.loads(out_json.read_text()) == result
    assert out_png.read_bytes() == (run_root / result["chosen"] / "stylized.png").read_bytes()
    with Image.open(out_plot) as plot:
        assert plot.width > 100
    # a low ratio over the artefact limit while a higher one is within: not monotone, and said so
    low = min(metrics, key=index_of.get)
    row = json.loads(Path(metrics[low]).read_text()) | {"artefacts": 0.9}
    Path(metrics[low]).write_text(json.dumps(row))
    again = result_job("s", rounds, metrics, *limits, run_root, out_json, out_plot, out_png)
    assert again["monotone"] is False
    assert result["falls"] == [] and [words.split()[0] for words in again["falls"]] == ["artefacts"]


def test_a_measure_that_falls_as_the_ratio_grows_breaks_the_assumption_though_nothing_is_feasible():
    """Measured on an unseen pair: artefacts 0.61, 0.65, 0.48 at ratios 0.01, 1 and 100, every cell over
    the artefact limit. Feasibility alone cannot see it; the measures can."""
    from steel.evaluate.search import fall_words, falls

    measured = {
        0.01: {"cer": 0.0, "artefacts": 0.61, "style_strength": 0.20},
        1.0: {"cer": 0.0, "artefacts": 0.65, "style_strength": 0.30},
        100.0: {"cer": 0.0, "artefacts": 0.48, "style_strength": 0.45},
    }
    by_index = dict(enumerate(measured.values()))
    assert not monotone(by_index, 0.25, 0.1)
    [fall] = falls(measured)
    assert fall == {"measure": "artefacts", "from_at": 1.0, "from": 0.65, "to_at": 100.0, "to": 0.48}
    assert fall_words(fall) == "artefacts falls from 0.65 at ratio 1 to 0.48 at ratio 100"
    # within the tolerance a fall is noise; any fall of the CER (whole characters) counts
    noisy = {0.1: {"artefacts": 0.30, "cer": 0.2}, 1.0: {"artefacts": 0.29, "cer": 0.0}}
    assert [f["measure"] for f in falls(noisy)] == ["cer"]
    # rising measures: monotone
    rising = {i: {"cer": 0.0, "artefacts": i / 10, "style_strength": i / 5} for i in range(4)}
    assert falls(rising) == [] and monotone(rising, 0.25, 1.0)


def test_the_search_plot_marks_a_falling_measure_and_says_which():
    from matplotlib.text import Annotation

    from steel.evaluate.search import falls
    from steel.render.search import search_plot

    points = [
        {"round": 1, "ratio": r, "cell": f"c{r}", "cer": 0.0, "artefacts": a, "style_strength": 0.3}
        for r, a in ((0.01, 0.61), (1.0, 0.65), (100.0, 0.48))
    ]
    figure = search_plot(points, None, 0.1, "t", falls({p["ratio"]: p for p in points}))
    [arrow] = [child for child in figure.axes[0].get_children() if isinstance(child, Annotation)]
    assert arrow.xy == (100.0, 0.48) and arrow.xyann == (1.0, 0.65)
    footer = " ".join(text.get_text() for text in figure.texts)
    assert "not monotone" in footer and "artefacts falls from 0.65 at ratio 1 to 0.48 at ratio 100" in footer
    assert not search_plot(points[:2], None, 0.1, "t", []).texts  # nothing fell: no footer


def test_a_search_grid_is_bounded_before_it_is_made():
    from steel.plan.search import MAX_GRID_POINTS

    assert MAX_GRID_POINTS == 10_000
    # 60 million ratios: gigabytes before the bound, so run where it cannot take the session along
    huge = run_capped(
        """
        import sys
        from steel.errors import SteelError
        from steel.plan.search import searches_from_config
        spec = {"coarse": ["conv1_2"], "deep": ["conv3_3"], "ratio": [1e-300, 1e300], "rounds": 3,
                "per_round": 3, "coarse_value": 2000, "points_per_decade": 100_000}
        try:
            searches_from_config({"search": {"s": spec}})
        except SteelError as error:
            print(error)
        """
    )
    assert huge.stdout.startswith("search s: its ratio grid would hold 60,000,001 points, over the limit")
    # one decade, both ends on the grid: 10,000 points pass, 10,001 do not
    assert (
        len(Search.from_config("s", SPEC | {"ratio": [1, 10], "points_per_decade": 9_999}, {}).grid())
        == 10_000
    )
    with pytest.raises(SteelError, match="10,001 points"):
        Search.from_config("s", SPEC | {"ratio": [1, 10], "points_per_decade": 10_000}, {})
