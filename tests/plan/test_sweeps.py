"""Sweeps with loss settings of their own: a sweep-level ``loss:`` and rows or columns
that vary one loss setting; cell ids that name the settings a cell does not share with the config's
loss; batches of one loss; the sheet's labels. The workflow side is in tests/workflow/test_workflow.py."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from PIL import Image
from workflow_helpers import REPO

from steel.errors import SteelError
from steel.jobs.sheets import sheet_job
from steel.layers import cell_id, format_value, parse_cell_id, split_cell_id
from steel.plan.batches import deepest_layer, plan_batches
from steel.plan.sweeps import Sweep, cell_losses, check_name, figure_lines, sweeps_from_config

SCHEMA = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
LOSS_SCHEMA = SCHEMA["properties"]["loss"]
#: the config's loss section as the schema fills it in
BASE = {key: value["default"] for key, value in LOSS_SCHEMA["properties"].items()}
LAYERS = {"layers": ["conv4_3"], "values": [20, 200]}


def sweep(spec, base=BASE):
    return Sweep.from_config("s", spec, base, LOSS_SCHEMA)


def test_cell_id_names_loss_settings_and_round_trips():
    cell = cell_id({"conv4_3": 20}, {"normalise": "gatys", "content_weight": 100, "style_weight": 1e-6})
    assert cell == "conv4_3-20__content_weight-100__normalise-gatys__style_weight-1e-06"
    assert split_cell_id(cell) == (
        {"conv4_3": 20.0},
        {"content_weight": 100.0, "normalise": "gatys", "style_weight": 1e-6},
    )
    assert parse_cell_id(cell) == {"conv4_3": 20.0}  # the layers alone
    assert cell_id({"conv4_3": 20}, {}) == cell_id({"conv4_3": 20}) == "conv4_3-20"
    assert split_cell_id("conv4_3-20__shape_weight-1e+10__content_layer-relu4_2")[1] == {
        "shape_weight": 1e10,
        "content_layer": "relu4_2",
    }
    assert [format_value(v) for v in (None, 1e10, 10.0, "gatys")] == ["null", "1e+10", "10", "gatys"]


def test_cell_id_refuses_what_cannot_be_a_path_part():
    with pytest.raises(SteelError, match="cannot be part of a cell id"):
        cell_id({"conv4_3": 20}, {"normalise": "a/b"})
    with pytest.raises(SteelError, match="cannot be part of a cell id"):
        cell_id({"conv4_3": 20}, {"conv1_2": 3})  # a layer is no loss setting


def test_a_sweep_level_loss_changes_the_cell_ids():
    plain = sweep({"cols": LAYERS})
    gatys = sweep({"cols": LAYERS, "loss": {"normalise": "gatys", "content_weight": 10}})
    assert plain.cell_ids == ["conv4_3-20", "conv4_3-200"]
    assert gatys.cell_ids == [
        "conv4_3-20__content_weight-10__normalise-gatys",
        "conv4_3-200__content_weight-10__normalise-gatys",
    ]
    assert gatys.cell_at(0, 200) == gatys.cell_ids[1]
    assert cell_losses({"a": plain, "b": gatys}) == {
        "conv4_3-20": {},
        "conv4_3-200": {},
        gatys.cell_ids[0]: {"content_weight": 10, "normalise": "gatys"},
        gatys.cell_ids[1]: {"content_weight": 10, "normalise": "gatys"},
    }


def test_an_override_equal_to_the_config_keeps_the_plain_id():
    """Only settings that differ from the config's loss are named: 10 is 10.0, paper is paper."""
    same = sweep({"cols": LAYERS, "loss": {"normalise": "paper", "content_weight": 1, "shape_reach": 8}})
    assert same.cell_ids == ["conv4_3-20", "conv4_3-200"]
    # against another config loss the same sweep names what differs
    other = sweep({"cols": LAYERS, "loss": {"normalise": "paper"}}, BASE | {"normalise": "gatys"})
    assert other.cell_ids == ["conv4_3-20__normalise-paper", "conv4_3-200__normalise-paper"]


def test_columns_may_vary_a_loss_setting():
    cw = sweep(
        {
            "loss": {"normalise": "gatys"},
            "rows": {"layers": ["conv1_2"], "values": [0, 2000]},
            "cols": {"setting": "content_weight", "values": [1, 10, 100]},
            "fixed": {"conv4_3": 200},
        }
    )
    assert cw.col_layers == () and cw.col_setting == "content_weight"
    assert cw.col_names == ("loss.content_weight",) and cw.row_names == ("conv1_2",)
    assert cw.id_grid[0] == [
        "conv4_3-200__normalise-gatys",
        "conv4_3-200__content_weight-10__normalise-gatys",
        "conv4_3-200__content_weight-100__normalise-gatys",
    ]
    assert cw.id_grid[1][2] == "conv1_2-2000__conv4_3-200__content_weight-100__normalise-gatys"
    assert cw.deep_block == 4
    # figure references name a setting's value as written
    [line] = figure_lines("f", {"cells": ["s/2000/100"]}, {"s": cw})
    assert line.cell == cw.id_grid[1][2] and line.coefficients == {"conv1_2": 2000.0, "conv4_3": 200.0}


def test_rows_may_vary_a_word_setting():
    norm = sweep({"rows": {"setting": "normalise", "values": ["paper", "gatys", "rrmina"]}, "cols": LAYERS})
    assert [row[0] for row in norm.id_grid] == [
        "conv4_3-20",
        "conv4_3-20__normalise-gatys",
        "conv4_3-20__normalise-rrmina",
    ]
    assert norm.cell_at("gatys", 200) == "conv4_3-200__normalise-gatys"


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        (
            {"cols": LAYERS, "loss": {"contnet_weight": 3}},
            "loss names 'contnet_weight', which is no loss setting",
        ),
        (
            {"cols": {"setting": "lr", "values": [1]}, "fixed": {"conv4_3": 20}},
            "cols names 'lr', which is no",
        ),
        ({"cols": LAYERS, "loss": {"normalise": "bogus"}}, "loss setting normalise: 'bogus' is not one of"),
        ({"cols": LAYERS, "loss": {"content_weight": "x"}}, "content_weight: 'x' is not of type 'number'"),
        ({"cols": LAYERS, "loss": {"content_weight": -1}}, "content_weight: -1 is less than the minimum"),
        ({"cols": LAYERS, "loss": {"content_layer": "conv9_9"}}, "content_layer: unknown layer 'conv9_9'"),
        (
            {"rows": {"setting": "content_weight", "values": [1, -2]}, "cols": LAYERS},
            "content_weight: -2 is less than the minimum",
        ),
        (
            {"cols": {"setting": "content_weight", "values": [1]}, "loss": {"content_weight": 2}},
            "content_weight is set in more than one of rows, cols and loss",
        ),
        ({"cols": {"layers": ["conv4_3"], "setting": "tv_weight", "values": [1]}}, "not both"),
        ({"cols": {"values": [1]}}, "not neither"),
        ({"cols": {"setting": "tv_weight", "values": [0, 1]}}, "no active style layer"),
    ],
)
def test_mistakes_are_one_line_naming_the_sweep(spec, words):
    with pytest.raises(SteelError) as error:
        sweep(spec)
    message = str(error.value)
    assert words in message and message.startswith("sweep s") and "\n" not in message


def test_sweeps_from_config_uses_the_config_loss():
    config = {
        "loss": BASE | {"normalise": "gatys"},
        "sweeps": {"a": {"cols": LAYERS, "loss": {"normalise": "gatys"}}},
    }
    assert sweeps_from_config(config, LOSS_SCHEMA)["a"].cell_ids == ["conv4_3-20", "conv4_3-200"]


def test_batches_hold_cells_of_one_loss_and_keep_the_plain_ids():
    plain = ["conv4_3-20", "conv4_3-200", "conv1_2-20__conv4_3-20"]
    gatys = ["conv4_3-20__normalise-gatys", "conv4_3-200__normalise-gatys"]
    deep_content = ["conv1_2-20__content_layer-conv5_1"]
    batches = plan_batches(plain + gatys + deep_content, 16)
    assert batches["conv4_3_1"] == sorted(plain)  # as before: the plain cells' batch keeps its id
    assert sorted(map(sorted, batches.values())) == sorted(map(sorted, [plain, gatys, deep_content]))
    [gatys_batch] = [b for b, cells in batches.items() if cells == sorted(gatys)]
    assert gatys_batch.startswith("conv4_3_1_loss")
    # the same settings always give the same batch id, whatever else the config holds
    assert gatys_batch in plan_batches(gatys, 16)
    # a cell's own content layer sets its depth
    assert deepest_layer(deep_content[0]) == "conv5_1"


def test_cells_under_different_values_of_one_loss_setting_never_share_a_batch():
    cells = [
        "conv4_3-20__content_weight-1",
        "conv4_3-20__content_weight-10",
        "conv4_3-200__content_weight-10",
    ]
    batches = plan_batches(cells, 16)
    assert sorted(map(sorted, batches.values())) == sorted([[cells[0]], sorted(cells[1:])])
    assert all(len(batch.rsplit("_loss", 1)[1]) == 8 for batch in batches)  # a digest of 8 hex digits


def test_sheet_of_a_setting_sweep_labels_the_setting(tmp_path):
    cw = sweep(
        {
            "title": "cw",
            "loss": {"normalise": "gatys"},
            "cols": {"setting": "content_weight", "values": [1, 10]},
            "fixed": {"conv4_3": 200},
        }
    )
    run_dirs = {}
    for cell in cw.cell_ids:
        folder = tmp_path / cell
        folder.mkdir()
        Image.fromarray(np.full((30, 90, 3), 200, np.uint8)).save(folder / "stylized.png")
        (folder / "metrics.json").write_text(
            json.dumps({"cer": 0.0, "artefacts": 0.1, "style_strength": 0.3})
        )
        run_dirs[cell] = str(folder)
    image = tmp_path / "ref.png"
    Image.fromarray(np.zeros((30, 90, 3), np.uint8)).save(image)
    layout = sheet_job(cw, run_dirs, str(image), str(image), tmp_path / "sheet.png", ("s", "c"))
    assert layout.column_label[0] == "loss.content_weight"
    assert [text for text, _ in layout.column_headers] == ["1", "10"]
    assert "loss: normalise gatys" in " ".join(text for text, *_ in layout.title_lines)


# ---- details that surviving mutants (make mutants) showed unpinned ---------------------------------


def test_pairs_listed_in_the_config_are_checked_and_kept_once_in_order():
    from steel.plan.sweeps import pairs_from_config

    config = {"styles": {"iron": "a.png", "doom": "b.png"}, "contents": {"acme": "c.png", "zeta": "d.png"}}
    assert pairs_from_config(config) == [
        ("iron", "acme"),
        ("iron", "zeta"),
        ("doom", "acme"),
        ("doom", "zeta"),
    ]
    listed = config | {"pairs": [["doom", "zeta"], ["iron", "acme"], ["doom", "zeta"]]}
    assert pairs_from_config(listed) == [("doom", "zeta"), ("iron", "acme")]
    with pytest.raises(
        SteelError, match=r"^pair \[rust, acme\]: no style named 'rust'; styles are \['iron', 'doom'\]$"
    ):
        pairs_from_config(config | {"pairs": [["rust", "acme"]]})
    with pytest.raises(
        SteelError, match=r"^pair \[iron, beta\]: no content named 'beta'; contents are \['acme', 'zeta'\]$"
    ):
        pairs_from_config(config | {"pairs": [["iron", "beta"]]})
    with pytest.raises(SteelError, match=r"^style name 'iron wrath' cannot be used in file paths"):
        pairs_from_config({"styles": {"iron wrath": "a.png"}, "contents": {}})
    with pytest.raises(SteelError, match=r"^content name 'a/b' cannot be used in file paths"):
        pairs_from_config({"styles": {}, "contents": {"a/b": "c.png"}})


def test_same_value_treats_int_and_float_alike():
    from steel.plan.sweeps import same_value

    assert same_value(10, 10.0) and same_value(0.5, 0.5) and not same_value(1, 2)
    assert same_value("gatys", "gatys") and not same_value("10", 10)


def test_a_setting_the_config_lacks_is_a_difference():
    from steel.plan.sweeps import loss_difference

    assert loss_difference({"tv_weight": 0.001, "extra": None}, {"tv_weight": 0.001}) == {"extra": None}


def test_a_figure_reference_to_no_cell_names_the_rows_and_columns():
    s = sweep({"rows": {"layers": ["conv1_2"], "values": [0, 2000]}, "cols": LAYERS})
    assert s.position("2000", "20") == (2000.0, 20.0)
    words = r"^sweep s has no cell at row 2000, column 30; its rows are 0, 2000 and its columns 20, 200$"
    with pytest.raises(SteelError, match=words):
        s.position("2000", "30")
    with pytest.raises(SteelError, match=r"no cell at row 5, column 20;"):
        s.position(5, 20)


def test_whole_messages_of_a_sweep_a_layer_in_two_places_or_a_reserved_name():
    from steel.plan.sweeps import RESERVED_SWEEP_NAMES

    words = (
        r"^sweep s: layer\(s\) conv4_3 appear in more than one of rows, cols and fixed; "
        r"give each layer one place$"
    )
    with pytest.raises(SteelError, match=words):
        sweep({"rows": LAYERS, "cols": LAYERS})
    with pytest.raises(SteelError, match=words):
        sweep({"cols": LAYERS, "fixed": {"conv4_3": 2.0}})
    with pytest.raises(
        SteelError, match=r"all coefficients 0\); remove the 0 from the values or add a fixed layer$"
    ):
        sweep({"cols": {"layers": ["conv4_3"], "values": [0, 20]}})
    taken = RESERVED_SWEEP_NAMES[0]
    with pytest.raises(
        SteelError,
        match=rf"^sweep name '{taken}' is taken by the workflow's own outputs "
        rf"\({', '.join(RESERVED_SWEEP_NAMES)}\); rename the sweep$",
    ):
        Sweep.from_config(taken, {"cols": LAYERS})
    with pytest.raises(SteelError, match=r"^sweep name 'a b' cannot be used in file paths"):
        Sweep.from_config("a b", {"cols": LAYERS})
    with pytest.raises(
        SteelError,
        match=r"^sweep s: rows names 'bogus', which is no loss setting; the loss settings are content_",
    ):
        sweep({"rows": {"setting": "bogus", "values": [1]}, "cols": LAYERS})


def test_sweeps_from_config_checks_with_the_schema_when_given():
    config = {
        "loss": BASE,
        "sweeps": {"t": {"cols": {"setting": "bogus", "values": [1]}, "fixed": {"conv4_3": 1}}},
    }
    with pytest.raises(SteelError, match="no loss setting"):
        sweeps_from_config(config, LOSS_SCHEMA)
    assert list(sweeps_from_config(config)) == ["t"]  # a job re-reading a checked config: no schema


def test_logo_entries():
    from steel.plan.sweeps import content_entry, logo_entry, style_entry

    assert logo_entry("a.png", "style", "x") == {"image": "a.png", "text": None, "font": None}
    assert logo_entry({"text": "Acme", "font": "f.ttf"}, "content", "x") == {
        "image": None,
        "text": "Acme",
        "font": "f.ttf",
    }
    assert logo_entry({"image": "a.png", "text": "Acme"}, "content", "x") == {
        "image": "a.png",
        "text": "Acme",
        "font": None,
    }
    neither = (
        r"^content acme has neither an image nor a text; give image: PATH \(PNG, JPEG, SVG\.\.\.\) "
        r"or text: WORD \(drawn in font: PATH, default the bundled sans\)$"
    )
    for entry in ({}, {"text": "  "}, {"text": 5}, {"font": "f.ttf"}):
        with pytest.raises(SteelError, match=neither):
            logo_entry(entry, "content", "acme")
    both = (
        r"^style doom has both an image and a font; a font only draws the text of a style "
        r"without an image: remove one$"
    )
    with pytest.raises(SteelError, match=both):
        logo_entry({"image": "a.png", "font": "f.ttf"}, "style", "doom")
    config = {"styles": {"doom": {"text": "Doom"}}, "contents": {"acme": {"image": "c.png", "text": "Acme"}}}
    assert style_entry(config, "doom")["text"] == "Doom" and content_entry(config, "acme")["image"] == "c.png"
    with pytest.raises(SteelError, match=r"^content acme has neither"):
        content_entry({"contents": {"acme": {}}}, "acme")


def test_figure_references():
    sweeps = {
        "s": sweep({"cols": LAYERS}),
        "t": sweep({"rows": {"layers": ["conv1_2"], "values": [2000]}, "cols": LAYERS}),
    }
    lines = figure_lines("f", {"cells": ["s/200", "t/2000/20"]}, sweeps)
    assert [(line.sweep, line.cell, line.coefficients) for line in lines] == [
        (sweeps["s"], "conv4_3-200", {"conv4_3": 200.0}),
        (sweeps["t"], "conv1_2-2000__conv4_3-20", {"conv1_2": 2000.0, "conv4_3": 20.0}),
    ]
    with pytest.raises(SteelError, match=r"^figure f: 'u/20' names no sweep 'u'; sweeps are s, t$"):
        figure_lines("f", {"cells": ["u/20"]}, sweeps)
    bad = r"^figure f: cell reference 's/1/2/3' is not sweep/row value/column value$"
    with pytest.raises(SteelError, match=bad):
        figure_lines("f", {"cells": ["s/1/2/3"]}, sweeps)
    with pytest.raises(SteelError, match=r"^figure f: sweep s has no cell at row 0, column 30;"):
        figure_lines("f", {"cells": ["s/30"]}, sweeps)
    with pytest.raises(SteelError, match=r"^figure name 'f g' cannot be used in file paths"):
        figure_lines("f g", {"cells": []}, sweeps)


@pytest.mark.parametrize("name", ["iron__wrath", "a--b", "a_-b", "-a", "a_", "a b", "a/b", ""])
def test_names_with_doubled_or_dangling_separators_are_refused(name):
    # "__" joins style and content in a pair's name: a name holding it could name two pairs
    with pytest.raises(SteelError, match="joined by single '-' or '_'"):
        check_name(name, "style")
    assert check_name("iron_wrath-2", "style") == "iron_wrath-2"


def test_a_config_of_too_many_runs_is_refused_before_any_is_planned():
    from steel.plan.sweeps import MAX_CELLS, cell_count

    paper = yaml.safe_load((REPO / "presets" / "paper.yaml").read_text())
    assert cell_count(paper) == 9 * (3 + 9 * 12)  # 9 pairs x tables 1-10
    values = list(range(1, 1001))
    config = {
        "styles": {"a": "a.png", "b": "b.png"},
        "contents": {"c": "c.png"},
        "sweeps": {
            "big": {
                "rows": {"layers": ["conv1_2"], "values": values[:50]},
                "cols": {"layers": ["conv3_3"], "values": values},
            }
        },
    }
    assert cell_count(config) == 2 * 50 * 1000 == MAX_CELLS
    sweeps_from_config(config)  # at the limit
    config["pairs"] = [["a", "c"], ["b", "c"], ["a", "c"]]  # a listed pair counts as often as it is listed
    with pytest.raises(
        SteelError, match=r"^the sweeps ask for 150,000 runs \(pairs x cells\), over the limit of 100,000"
    ):
        sweeps_from_config(config)
