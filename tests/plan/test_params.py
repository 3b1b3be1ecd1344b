"""The workflow's rerun triggers: canonical params, and stylize jobs grouped into batches."""

from __future__ import annotations

import copy

import pytest
import yaml
from workflow_helpers import REPO

from steel.errors import SteelError
from steel.plan.batches import deepest_layer, plan_batches
from steel.plan.params import RESULT_SECTIONS, canonical, check_finite, stylize_params
from steel.result_version import RESULT_VERSION

SCHEMA = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())


def _config(**changes) -> dict:
    """A config as Snakemake holds it after validation filled the defaults."""
    config = {
        "weights": "random:0",
        "seed": 0,
        "image": {"width": 128, "style_width": None},
        "optimizer": {
            "name": "adam",
            "lr": 1.0,
            "iterations": 4,
            "init": "content",
            "log_every": 2,
            "amp": False,
        },
        "loss": {"content_layer": "conv4_2", "content_weight": 1.0, "tv_weight": 0.001},
        "execution": {"device": "cpu", "checkpoint_every": 0, "channels_last": False, "cells_per_job": 1},
    }
    for path, value in changes.items():
        *parents, key = path.split(".")
        node = config
        for parent in parents:
            node = node[parent]
        node[key] = value
    return config


def _params(config: dict) -> str:
    # what Snakemake compares: the text (repr) of each param
    return repr(sorted(repr(v) for v in stylize_params(config, SCHEMA).items()))


def test_params_are_typed_sorted_and_carry_the_result_version():
    params = stylize_params(_config(**{"optimizer.lr": 1, "loss.content_weight": 1}), SCHEMA)
    assert list(params) == sorted(params)
    assert list(params["optimizer"]) == sorted(params["optimizer"])
    assert params["optimizer"]["lr"] == 1.0 and isinstance(params["optimizer"]["lr"], float)
    assert isinstance(params["optimizer"]["iterations"], int)
    assert params["result_version"] == RESULT_VERSION
    assert "execution" not in params and set(RESULT_SECTIONS) <= set(params)


def test_the_same_values_in_other_words_give_the_same_params():
    reordered = _config()
    reordered["optimizer"] = dict(reversed(list(reordered["optimizer"].items())))
    retyped = _config(**{"optimizer.lr": 1, "loss.content_weight": 1, "image.width": 128.0})
    assert _params(reordered) == _params(retyped) == _params(_config())
    assert _params(_config(**{"image.scales": [0.5, 1]})) == _params(_config(**{"image.scales": [0.5, 1.0]}))


@pytest.mark.parametrize(
    "change",
    [
        {"seed": 1},
        {"weights": "random:1"},
        {"image.width": 96},
        {"image.style_width": 96},
        {"optimizer.name": "lbfgs"},
        {"optimizer.lr": 0.5},
        {"optimizer.iterations": 5},
        {"optimizer.init": "random"},
        {"optimizer.log_every": 1},
        {"optimizer.amp": True},
        {"loss.content_layer": "conv3_3"},
        {"loss.content_weight": 2.0},
        {"loss.tv_weight": 0.01},
        {"loss.normalise": "gatys"},
        {"loss.style_weight": 2.0},
        {"image.colour": "grey"},
        {"loss.shape_weight": 1.0},
        {"loss.shape_reach": 4.0},
        {"image.scales": [0.5, 1.0]},
        {"optimizer.coarse_iterations": [3]},
        {"optimizer.lr_schedule": "cosine"},
        {"optimizer.lr_final": 0.5},
    ],
    ids=lambda change: next(iter(change)),
)
def test_every_result_shaping_setting_changes_the_params(change):
    assert _params(_config(**change)) != _params(_config())


@pytest.mark.parametrize(
    "change",
    [{"execution.device": "cuda"}, {"execution.checkpoint_every": 9}, {"execution.cells_per_job": 8}],
    ids=lambda change: next(iter(change)),
)
def test_execution_settings_never_change_the_params(change):
    assert _params(_config(**change)) == _params(_config())


def test_canonical_leaves_the_input_alone_and_keeps_non_numbers():
    config = _config()
    before = copy.deepcopy(config)
    assert canonical({"b": [1, True], "a": None}, {}) == {"a": None, "b": [1, True]}
    stylize_params(config, SCHEMA)
    assert config == before


CELLS = [
    "conv1_2-20__conv5_3-20",
    "conv1_2-20__conv4_3-200",
    "conv3_3-20",
    "conv1_1-20__conv1_2-20__conv3_3-2000",
    "conv4_3-20",
    "conv5_3-200",
    "relu1_2-20__relu2_2-20",
]


def test_cells_are_grouped_by_depth_then_filled():
    batches = plan_batches(CELLS, 2)
    assert batches == {
        "conv4_2_1": ["conv1_1-20__conv1_2-20__conv3_3-2000", "conv3_3-20"],
        "conv4_2_2": ["relu1_2-20__relu2_2-20"],
        "conv4_3_1": ["conv1_2-20__conv4_3-200", "conv4_3-20"],
        "conv5_3_1": ["conv1_2-20__conv5_3-20", "conv5_3-200"],
    }
    assert deepest_layer("conv3_3-20", content_layer="conv5_1") == "conv5_1"


def test_one_cell_per_job_and_every_cell_once():
    batches = plan_batches(CELLS, 1)
    assert sorted(cell for cells in batches.values() for cell in cells) == sorted(CELLS)
    assert all(len(cells) == 1 for cells in batches.values())
    assert plan_batches(CELLS, 100)["conv4_2_1"] == sorted(
        ["conv1_1-20__conv1_2-20__conv3_3-2000", "conv3_3-20", "relu1_2-20__relu2_2-20"]
    )


def test_membership_does_not_depend_on_the_order_of_the_config():
    assert plan_batches(CELLS, 2) == plan_batches(list(reversed(CELLS)), 2)


def test_adding_a_cell_of_another_depth_moves_no_cell():
    before = plan_batches(CELLS, 2)
    after = plan_batches([*CELLS, "conv5_1-20"], 2)
    assert {k: v for k, v in after.items() if k in before} == before
    assert after["conv5_1_1"] == ["conv5_1-20"]


def test_the_content_layer_sets_the_depth_of_every_batch():
    # the default content layer is the paper's conv4_2: shallow cells need the network up to it
    assert deepest_layer("conv1_1-20") == "conv4_2"
    assert deepest_layer("conv5_3-20") == "conv5_3"
    deep = plan_batches(CELLS, 2, content_layer="conv5_1")
    assert deep == {
        "conv5_1_1": ["conv1_1-20__conv1_2-20__conv3_3-2000", "conv1_2-20__conv4_3-200"],
        "conv5_1_2": ["conv3_3-20", "conv4_3-20"],
        "conv5_1_3": ["relu1_2-20__relu2_2-20"],
        "conv5_3_1": ["conv1_2-20__conv5_3-20", "conv5_3-200"],
    }


def test_batches_are_listed_from_shallow_to_deep():
    # relu5_1 lies between conv4_3 and conv5_3, though it sorts after both as text
    batches = plan_batches([*CELLS, "relu5_1-20"], 2)
    assert list(batches) == ["conv4_2_1", "conv4_2_2", "conv4_3_1", "relu5_1_1", "conv5_3_1"]


@pytest.mark.parametrize("cells_per_job", [0, -1])
def test_fewer_than_one_cell_per_job_is_refused(cells_per_job):
    with pytest.raises(ValueError, match=f"cells_per_job must be at least 1, not {cells_per_job}"):
        plan_batches(CELLS, cells_per_job)


def test_canonical_types_list_items_by_the_items_schema_and_only_where_the_schema_says():
    numbers = {"type": "array", "items": {"type": "number"}}
    assert [type(v) for v in canonical([1, 2.5], numbers)] == [float, float]
    integers = {"type": "array", "items": {"type": "integer"}}
    assert [type(v) for v in canonical([1.0, 2], integers)] == [int, int]
    # an integral float becomes an int only where the schema asks for integers; a fraction stays
    assert type(canonical(2.0, {})) is float and type(canonical(2.0, {"type": "string"})) is float
    assert canonical(2.5, {"type": "integer"}) == 2.5
    # a boolean is no number, even where a number is allowed
    assert canonical(True, {"type": ["number", "boolean"]}) is True


def test_stylize_params_hold_exactly_the_result_shaping_settings():
    params = stylize_params(_config(**{"seed": 3, "weights": "random:7"}), SCHEMA)
    assert set(params) == {*RESULT_SECTIONS, "seed", "weights", "result_version"}
    assert params["seed"] == 3 and params["weights"] == "random:7"


@pytest.mark.parametrize("name", ["methods", "figures"])
def test_sweep_names_that_the_workflow_uses_are_refused(name):
    from steel.errors import SteelError
    from steel.plan.sweeps import Sweep

    with pytest.raises(SteelError, match="rename the sweep"):
        Sweep.from_config(name, {"cols": {"layers": ["conv3_3"], "values": [20]}})


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"optimizer": {"lr": float("nan")}}, r"^config\.optimizer\.lr is nan; give a finite number$"),
        ({"image": {"scales": [0.5, float("-inf")]}}, r"^config\.image\.scales\[1\] is -inf"),
        ({"search": [{"ratio": [0.1, (1, float("inf"))]}]}, r"^config\.search\[0\]\.ratio\[1\]\[1\] is inf"),
    ],
)
def test_a_number_that_is_not_finite_anywhere_in_the_config_is_named_by_its_key(config, message):
    with pytest.raises(SteelError, match=message):
        check_finite(config)


def test_finite_numbers_pass_and_a_key_at_the_top_is_named_alone():
    check_finite({"optimizer": {"lr": 1.0, "steps": 10}, "image": {"scales": [0.5, 1]}, "name": "nan"})
    with pytest.raises(SteelError, match=r"^lr is nan"):
        check_finite({"lr": float("nan")}, where="")


#: 1 KB of YAML: nine levels of nine aliases, 9**9 (387 million) strings once expanded
ALIAS_BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


def test_a_config_of_nested_aliases_is_refused_within_its_budget():
    from steel.plan.params import MAX_CONFIG_BYTES, check_config_size

    bomb = yaml.safe_load(ALIAS_BOMB)
    with pytest.raises(SteelError, match=r"^the config expands to more than 4 MB \(YAML aliases") as error:
        check_config_size(bomb)
    assert "\n" not in str(error.value) and MAX_CONFIG_BYTES == 4 * 2**20
    check_config_size(yaml.safe_load((REPO / "presets" / "paper.yaml").read_text()))  # the largest preset
    with pytest.raises(SteelError):
        check_config_size({"words": ["x" * 100] * 10}, limit=1000)  # text counts at its length
    check_config_size({"words": ["x" * 100] * 8}, limit=1000)
