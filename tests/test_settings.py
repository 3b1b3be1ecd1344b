"""The settings table (steel.settings): one definition per setting, held against the config schema,
the command and the workflow's stylize job; and what results and checkpoints made before the table
(commit b3d3c93, tests/data/b3d3c93/) still mean."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
import yaml
from snakemake.utils import validate

import steel.cells.outline
import steel.cells.stylize
from steel.cli import build_parser, main, resolve_presets, run_options_from_args, settings_from_args
from steel.config import expand_preset, run_options_from_config, settings_from_config
from steel.errors import SteelError
from steel.jobs.stylize import stylize_job
from steel.plan.params import stylize_params
from steel.presets import COMMAND_PRESET, PRESETS
from steel.setting_row import EXECUTION, RESULT_SECTIONS, VECTOR
from steel.settings import (
    BY_NAME,
    DEFAULT_RUN_OPTIONS,
    OUTLINE,
    OUTLINE_SWITCH,
    SETTINGS,
    RunOptions,
    Settings,
    outline_field,
)
from steel.transfer.optimise import stylize

REPO = Path(__file__).resolve().parents[1]
SCHEMA_PATH = REPO / "workflow" / "schemas" / "config.schema.yaml"
SCHEMA = yaml.safe_load(SCHEMA_PATH.read_text())
OLD = Path(__file__).with_name("data") / "b3d3c93"

#: today's defaults, (library, command, workflow schema); None where a surface lacks the setting.
#: A change of default edits one entry here on purpose.
DEFAULTS = {
    "iterations": (50_000, 50_000, 50_000),
    "optimizer": ("adam", "adam", "adam"),
    "lr": (1.0, 1.0, 1.0),
    "init": ("content", "content", "content"),
    "seed": (0, 0, 0),
    "content_layer": ("conv4_2", "conv4_2", "conv4_2"),
    "content_weight": (1.0, 1.0, 1.0),
    "tv_weight": (0.001, 0.001, 0.001),
    "normalise": ("paper", "paper", "paper"),
    "style_weight": (None, None, None),
    "log_every": (100, 100, 100),
    "snapshot_every": (0, 0, None),
    "amp": (False, False, False),
    "channels_last": (False, False, False),
    "colour": ("rgb", "rgb", "rgb"),
    "shape_weight": (0.0, 0.0, 0),
    "shape_reach": (8.0, 8.0, 8),
    "scales": ((1.0,), (1.0,), [1.0]),
    "coarse_iterations": ((), (), []),
    "lr_schedule": ("constant", "constant", "constant"),
    "lr_final": (0.0, 0.0, 0.0),
    "weights": ("imagenet", "imagenet", "imagenet"),
    "device": ("auto", "auto", "auto"),
    "width": (384, 384, 384),
    "style_width": (None, None, None),
    "invert": ("auto", "auto", "auto"),
    "alpha": (False, True, False),
    "checkpoint_every": (0, 0, 1000),
    "gif": (False, False, None),
    "fast": (None, None, None),
    "progress": (None, None, None),
    "cells_per_job": (1, None, 1),
    "svg": (False, False, False),
    "filter_speckle": (4, 4, 4),
    "corner_threshold": (45, 45, 45),
    "color_precision": (6, 6, 6),
    "path_precision": (2, 2, 2),
    "outline": (False, False, False),
    "outline_iterations": (300, 300, 300),
    "outline_lr": (0.5, 0.5, 0.5),
    "outline_lr_final": (0.01, 0.01, 0.01),
    "outline_subdivide": (2, 2, 2),
    "outline_smoothness": (0.1, 0.1, 0.1),
    "outline_growth": (3.0, 3.0, 3.0),
    "outline_reach": (2.0, 2.0, 2.0),
    "outline_softness": (1.0, 1.0, 1.0),
}


def test_every_setting_has_its_pinned_default_on_each_surface():
    found = {
        s.name: (s.default, s.command if s.flag else None, s.schema if s.in_config else None)
        for s in SETTINGS
    }
    assert found == DEFAULTS


def _schema_section(section: str | None) -> dict:
    return SCHEMA["properties"] if section is None else SCHEMA["properties"][section]["properties"]


@pytest.mark.parametrize("section", [*RESULT_SECTIONS, EXECUTION, VECTOR])
def test_the_table_and_the_schema_name_the_same_keys_with_the_same_defaults(section):
    rows = {s.key: s for s in SETTINGS if s.section == section}
    keys = _schema_section(section)
    assert set(rows) == set(keys)
    for key, setting in rows.items():
        assert json.dumps(keys[key].get("default")) == json.dumps(setting.schema), key
        if setting.choices is not None and "enum" in keys[key]:
            assert [str(c).lower() for c in keys[key]["enum"]] == list(setting.choices), key


def test_the_top_level_settings_are_the_schemas():
    for setting in (s for s in SETTINGS if s.in_config and s.section is None):
        assert _schema_section(None)[setting.key]["default"] == setting.schema


def test_settings_is_made_of_the_table():
    names = [s.name for s in SETTINGS if s.target == "settings"]
    assert list(Settings.__dataclass_fields__) == names
    assert Settings() == Settings(**{name: BY_NAME[name].default for name in names})
    assert Settings.__module__ == "steel.settings" and "settings" in (Settings.__doc__ or "")


def _parsed(*extra: str):
    args = build_parser().parse_args(["stylize", "--style", "s.png", "--content", "c.png", "-o", "o", *extra])
    return resolve_presets(args)


def test_the_commands_defaults_are_the_tables_and_its_presets():
    args = _parsed()
    assert args.preset == COMMAND_PRESET == "quick"
    for setting in SETTINGS:
        if setting.flag is not None:
            expected = PRESETS["quick"].get(setting.name, setting.command)
            assert getattr(args, setting.name) == expected, setting.name
    assert (args.iterations, args.lr, args.lr_schedule, args.width) == (300, 8.0, "cosine", 256)


def test_the_paper_preset_is_the_librarys_defaults_and_explicit_flags_win():
    paper = _parsed("--preset", "paper")
    assert settings_from_args(paper) == Settings()  # the paper's run, bit for bit
    assert run_options_from_args(paper).width == BY_NAME["width"].default == 384
    mixed = _parsed("--preset", "paper", "--iterations", "7", "--lr", "8")
    assert (mixed.iterations, mixed.lr, mixed.lr_schedule) == (7, 8.0, "constant")
    # an explicit value equal to another preset's is still the user's
    assert _parsed("--iterations", "50000").iterations == 50_000


def test_a_preset_in_a_config_fills_what_the_user_leaves_out_and_replaces_the_demos():
    demo = {"optimizer": {"lr": 8.0, "iterations": 300}, "image": {"width": 256}, "seed": 0}
    given = {"preset": "paper", "optimizer": {"iterations": 9}}
    config = expand_preset(json.loads(json.dumps(demo)) | {"preset": "paper"}, given)
    assert "preset" not in config
    assert config["optimizer"] == {
        "lr": 1.0,
        "iterations": 300,
        "lr_schedule": "constant",
        "lr_final": 0.0,
        "log_every": 100,
    }
    assert config["image"]["width"] == 384
    # without a record of what the user gave, every value in the config is the user's
    assert expand_preset({"preset": "quick", "optimizer": {"lr": 2.0}})["optimizer"]["lr"] == 2.0
    with pytest.raises(SteelError, match="unknown preset 'fast'; use one of quick, paper"):
        expand_preset({"preset": "fast"})


def test_a_preset_in_a_config_refuses_lbfgs_under_adams_schedule_unless_it_sets_its_own():
    with pytest.raises(SteelError, match=r"quick preset's schedule .* is adam's and wrecks lbfgs"):
        expand_preset({"preset": "quick", "optimizer": {"name": "lbfgs", "lr": 0.5}})
    mine = {"name": "lbfgs", "lr": 0.5, "lr_schedule": "constant"}
    config = expand_preset({"preset": "quick", "optimizer": dict(mine)})
    assert config["optimizer"] == mine | {"iterations": 300, "lr_final": 0.1, "log_every": 10}
    # the demo's values are not the user's: given only what the user set, the preset is refused
    with pytest.raises(SteelError, match="set both --lr and --lr-schedule"):
        expand_preset({"preset": "quick", "optimizer": dict(mine)}, given={"optimizer": {"name": "lbfgs"}})
    assert expand_preset({"preset": "quick"})["optimizer"]["lr_schedule"] == "cosine"  # Adam's
    assert expand_preset({"preset": "paper", "optimizer": {"name": "lbfgs"}})["optimizer"]["lr"] == 1.0


def test_a_preset_never_enters_the_params_by_name():
    config = {"preset": "quick", "weights": "random", "styles": {"s": "s.png"}, "contents": {"c": "c.png"}}
    config["sweeps"] = {"t": {"cols": {"layers": ["conv1_1"], "values": [20]}}}
    expand_preset(config)
    validate(config, str(SCHEMA_PATH))
    params = stylize_params(config, SCHEMA)
    assert "preset" not in json.dumps(params) and params["optimizer"]["lr"] == 8.0


def test_every_flag_is_in_the_help_with_its_default(capsys):
    with pytest.raises(SystemExit):
        main(["stylize", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for setting in SETTINGS:
        if setting.flag is not None:
            assert setting.flag in text
    assert "(default: the preset's: quick 300, paper 50000)" in text and "--alpha, --no-alpha" in text
    assert "--preset {quick,paper}" in text and "(default: quick)" in text
    assert "where and how it runs (config: execution)" in text


# --- every flag and every config key reaches the run -------------------------------------------------

#: a non-default value for each flag: the arguments, and the library value they mean
FLAGS = {
    "iterations": (["--iterations", "3"], 3),
    # L-BFGS under the command's preset names its own schedule
    "optimizer": (["--optimizer", "lbfgs", "--lr", "1", "--lr-schedule", "constant"], "lbfgs"),
    "lr": (["--lr", "0.5"], 0.5),
    "init": (["--init", "random"], "random"),
    "seed": (["--seed", "5"], 5),
    "content_layer": (["--content-layer", "conv1_1"], "conv1_1"),
    "content_weight": (["--content-weight", "2"], 2.0),
    "tv_weight": (["--tv-weight", "0.01"], 0.01),
    "normalise": (["--normalise", "gatys"], "gatys"),
    "style_weight": (["--style-weight", "3"], 3.0),
    "log_every": (["--log-every", "2"], 2),
    "snapshot_every": (["--snapshot-every", "1"], 1),
    "amp": (["--amp"], True),
    "channels_last": (["--channels-last"], True),
    "colour": (["--grey"], "grey"),
    "shape_weight": (["--shape-weight", "5"], 5.0),
    "shape_reach": (["--shape-reach", "3"], 3.0),
    "scales": (["--scales", "0.5,1"], (0.5, 1.0)),
    "coarse_iterations": (["--scales", "0.5,1", "--coarse-iterations", "3"], (3,)),
    "lr_schedule": (["--lr-schedule", "cosine"], "cosine"),
    "lr_final": (["--lr-final", "0.25"], 0.25),
    "weights": (["--weights", "random:3"], "random:3"),
    "device": (["--device", "cpu"], "cpu"),
    "width": (["--width", "64"], 64),
    "style_width": (["--style-width", "60"], 60),
    "invert": (["--invert", "true"], "true"),
    "alpha": (["--no-alpha"], False),
    "checkpoint_every": (["--checkpoint-every", "1"], 1),
    "gif": (["--gif", "--snapshot-every", "1"], True),
    "fast": (["--eager"], False),
    "progress": (["--quiet"], False),
    "svg": (["--svg"], True),
    "filter_speckle": (["--svg", "--svg-speckle", "2"], 2),
    "corner_threshold": (["--svg", "--svg-corner-threshold", "90"], 90),
    "color_precision": (["--svg", "--svg-color-precision", "4"], 4),
    "path_precision": (["--svg", "--svg-path-precision", "3"], 3),
    "outline": (["--outline"], True),
    "outline_iterations": (["--outline", "--outline-iterations", "3"], 3),
    "outline_lr": (["--outline", "--outline-lr", "0.25"], 0.25),
    "outline_lr_final": (["--outline", "--outline-lr-final", "0.2"], 0.2),
    "outline_subdivide": (["--outline", "--outline-subdivide", "1"], 1),
    "outline_smoothness": (["--outline", "--outline-smoothness", "0.5"], 0.5),
    "outline_growth": (["--outline", "--outline-growth", "0.5"], 0.5),
    "outline_reach": (["--outline", "--outline-reach", "4"], 4.0),
    "outline_softness": (["--outline", "--outline-softness", "1.5"], 1.5),
}


def test_every_flag_has_a_case():
    assert set(FLAGS) == {s.name for s in SETTINGS if s.flag is not None}


def _spy(calls: list, real):
    def spy(style, content, cells, out_dirs, options=DEFAULT_RUN_OPTIONS, staged=None):
        calls.append(options)
        return real(style, content, cells, out_dirs, options, staged)

    return spy


@pytest.fixture
def run_calls(monkeypatch):
    """The run options steel.cells.stylize.run or steel.cells.outline.stylize_outline is called
    with; the real run goes on."""
    calls = []
    for module, name in ((steel.cells.stylize, "run"), (steel.cells.outline, "stylize_outline")):
        monkeypatch.setattr(module, name, _spy(calls, getattr(module, name)))
    return calls


@pytest.mark.parametrize("name", list(FLAGS))
def test_every_flag_reaches_settings_and_run_json(name, logos, tmp_path, capsys, run_calls):
    flag_args, value = FLAGS[name]
    base = {
        "--weights": "random",
        "--width": "48",
        "--iterations": "2",
        "--content-layer": "conv1_2",
        "--layers": "conv1_1=20",
    }
    if "--outline" in flag_args:  # the outline method's own steps
        base["--outline-iterations"] = base.pop("--iterations")
    for flag in flag_args:
        base.pop(flag, None)
    argv = ["stylize", "--style", str(logos["style"]), "--content", str(logos["content"])]
    argv += ["--out", str(tmp_path / "out"), *[x for item in base.items() for x in item], *flag_args]
    code = main(argv)
    assert code == 0, capsys.readouterr().err
    (options,) = run_calls
    record = json.loads((tmp_path / "out" / "run.json").read_text())
    setting = BY_NAME[name]
    if setting.target == "settings":
        assert getattr(options.settings, name) == value
        assert json.dumps(record["settings"][name]) == json.dumps(value)
    elif setting.target == OUTLINE_SWITCH:
        assert record["method"] == "outline" and (tmp_path / "out" / "stylized.svg").is_file()
    elif setting.target == OUTLINE:
        assert getattr(options.outline, outline_field(setting)) == value
        assert record["method"] == "outline" and record["outline"][outline_field(setting)] == value
    elif setting.target == VECTOR:  # the trace beside the result says what it used
        trace = json.loads((tmp_path / "out" / "vector.json").read_text())
        assert (tmp_path / "out" / "stylized.svg").is_file() and trace.get(name, True) == value
    else:
        assert getattr(options, name) == value
    seen = {  # where run.json (or the folder) shows a run option
        "weights": lambda: record["weights"]["spec"] == "random:3",
        "device": lambda: record["device"] == "cpu",
        "width": lambda: record["content"]["width"] == 64,
        "style_width": lambda: record["style"]["width"] == 60,
        "invert": lambda: record["invert"]["setting"] is True,
        "alpha": lambda: not (tmp_path / "out" / "stylized_alpha.png").exists(),
        "gif": lambda: (tmp_path / "out" / "optimisation.gif").is_file(),
    }
    assert seen.get(name, lambda: True)()


#: a non-default value for each config key (a schema-valid one)
KEYS = {
    "iterations": 3,
    "optimizer": "lbfgs",
    "lr": 0.5,
    "init": "random",
    "seed": 5,
    "content_layer": "conv1_1",
    "content_weight": 2.0,
    "tv_weight": 0.01,
    "normalise": "gatys",
    "style_weight": 3.0,
    "log_every": 2,
    "amp": True,
    "channels_last": True,
    "colour": "grey",
    "shape_weight": 5.0,
    "shape_reach": 3.0,
    "scales": [0.5, 1.0],
    "coarse_iterations": [3],
    "lr_schedule": "cosine",
    "lr_final": 0.25,
    "weights": "random:3",
    "device": "cpu",
    "width": 64,
    "style_width": 60,
    "invert": True,
    "alpha": True,
    "checkpoint_every": 1,
}


def test_every_config_key_of_a_stylize_job_has_a_case():
    assert set(KEYS) == {s.name for s in SETTINGS if s.in_config and s.target in ("settings", "run")}


def _config(**values) -> dict:
    """A schema-validated config (defaults filled) with ``values`` set where the table puts them."""
    config = {"weights": "random", "image": {"width": 48}, "optimizer": {"iterations": 2}}
    config |= {"loss": {"content_layer": "conv1_2"}, "execution": {"device": "cpu", "checkpoint_every": 0}}
    config |= {"styles": {"s": "s.png"}, "contents": {"c": "c.png"}}
    config["sweeps"] = {"t": {"cols": {"layers": ["conv1_1"], "values": [20]}}}
    for name, value in values.items():
        setting = BY_NAME[name]
        if setting.section is None:
            config[setting.key] = value
        else:
            config[setting.section][setting.key] = value
    if "coarse_iterations" in values:
        config["image"]["scales"] = [0.5, 1.0]
    validate(config, str(SCHEMA_PATH))
    return config


@pytest.mark.parametrize("name", list(KEYS))
def test_every_config_key_reaches_the_stylize_jobs_run(name, logos, tmp_path, run_calls, capsys):
    config = _config(**{name: KEYS[name]})
    params = stylize_params(config, SCHEMA)
    image = tmp_path / "conv1_1-20" / "stylized.png"
    stylize_job(str(logos["style"]), str(logos["content"]), str(image), params, config[EXECUTION])
    (options,) = run_calls
    setting = BY_NAME[name]
    expected = setting.value(KEYS[name])
    found = getattr(options.settings if setting.target == "settings" else options, name)
    assert found == expected
    record = json.loads(image.with_name("run.json").read_text())
    if setting.target == "settings":
        assert json.dumps(record["settings"][name]) == json.dumps(expected)
    assert (setting.section == EXECUTION) == (
        setting.key not in json.dumps(params)
    ) or setting.section is None


def test_the_config_mapping_fills_what_a_section_leaves_out_with_the_library_defaults():
    assert settings_from_config({}) == Settings()
    assert run_options_from_config({}) == RunOptions()


# --- what b3d3c93 made still means the same ---------------------------------------------------------


def test_the_canonical_params_of_todays_keys_are_byte_identical_to_b3d3c93():
    for name, case in json.loads((OLD / "params.json").read_text()).items():
        config = case["config"]
        validate(config, str(SCHEMA_PATH))
        assert json.dumps(stylize_params(config, SCHEMA), sort_keys=True) == json.dumps(
            case["params"], sort_keys=True
        ), name


@pytest.mark.parametrize("name", ["defaults", "later"])
def test_a_checkpoint_written_by_b3d3c93_resumes(name, random_weights, make_logo_tensor, tmp_path):
    saved = json.loads((OLD / "checkpoints.json").read_text())
    checkpoint = tmp_path / "checkpoint.pt"
    shutil.copy(OLD / f"checkpoint-{name}.pt", checkpoint)
    result = stylize(
        random_weights,
        make_logo_tensor(48, 32, seed=1),
        make_logo_tensor(48, 32, seed=2),
        saved["cells"],
        settings=Settings(**saved["settings"][name]),
        checkpoint=checkpoint,
        checkpoint_every=2,
    )
    assert (result.resumed_from, result.steps_run) == (4, 2)


def test_vector_options_from_a_config_section_or_from_parsed_flags():
    from steel.config import vector_options

    defaults = vector_options({})
    assert defaults["filter_speckle"] == 4 and defaults["corner_threshold"] == 45
    from_config = vector_options({"vector": {"filter_speckle": "2"}})  # converted by the table
    assert from_config["filter_speckle"] == 2 and from_config["corner_threshold"] == 45
    assert vector_options({"filter_speckle": 7})["filter_speckle"] == 7


@pytest.mark.parametrize(
    ("text", "value"),
    [("yes", True), ("On", True), ("1", True), ("no", False), ("OFF", False), ("0", False), ("auto", "auto")],
)
def test_invert_is_read_in_every_spelling_users_write(text, value):
    from steel.setting_row import parse_invert

    assert parse_invert(text) is value if isinstance(value, bool) else parse_invert(text) == value


# --- one row, every surface: the schema made from the table, bounds that answer alike -----------------


def test_the_committed_schema_is_what_the_table_makes():
    """Edit a row, then run ``make schema``: the committed schema's settings are the table's."""
    from steel.plan.schema import config_schema, schema_text

    assert config_schema(SCHEMA) == SCHEMA
    assert schema_text(config_schema(SCHEMA)) == SCHEMA_PATH.read_text(encoding="utf-8")


def _numbers_around(setting) -> list:
    """Values on and beside each bound of a row, and beside its default."""
    near = []
    for bound in (setting.minimum, setting.exclusive_minimum, setting.maximum):
        if bound is not None:
            near += (
                [bound - 1, bound, bound + 1] if setting.kind is int else [bound - 0.5, bound, bound + 0.5]
            )
    if isinstance(setting.default, int | float) and not isinstance(setting.default, bool):
        near += [setting.default]
    near += [float("nan"), float("inf")] if setting.kind is float else []
    return [setting.kind(n) if setting.kind is int else n for n in near]


def _command_accepts(setting, number) -> bool:
    try:
        setting.from_text(str(number))
    except ValueError:
        return False
    return True


def _library_accepts(setting, number) -> bool:
    value = (number,) if setting.many else number
    try:
        if setting.target == "settings":
            extra = {"scales": (0.5, 1.0)} if setting.name == "coarse_iterations" else {}
            if setting.name == "scales":
                value = (*value, 1.0) if number != 1.0 else value
            Settings(**{setting.name: value} | extra)
        elif setting.target == "run":
            RunOptions(**{setting.name: value})
        else:
            setting.check(value)
    except SteelError:
        return False
    return True


def _schema_accepts(setting, number) -> bool:
    import jsonschema

    value = [number] if setting.many else number
    if setting.name == "scales":
        value = [number, 1.0] if number != 1.0 else value
    if setting.section is None:
        config = {setting.key: value}
    else:
        config = {setting.section: {setting.key: value}}
        if setting.name == "coarse_iterations":
            config["image"] = {"scales": [0.5, 1.0]}
    try:
        jsonschema.validate(config, {**SCHEMA, "required": []})
    except jsonschema.ValidationError:
        return False
    return True


@pytest.mark.parametrize("name", [s.name for s in SETTINGS if s.kind is not None and s.flag is not None])
def test_the_command_the_library_and_the_schema_answer_a_number_alike(name):
    """``--lr 0`` and ``lr: 0`` both refused, ``--iterations 1`` and ``iterations: 1`` both taken:
    the bounds of every number are the row's, on every surface (the schema cannot say "finite":
    planning refuses NaN and infinities in any config value, steel.plan.params.check_finite)."""
    setting = BY_NAME[name]
    for number in _numbers_around(setting):
        command, library = _command_accepts(setting, number), _library_accepts(setting, number)
        assert command == library, (name, number, command, library)
        if setting.in_config and math.isfinite(number):
            assert _schema_accepts(setting, number) == library, (name, number, library)


def test_lr_0_is_refused_alike_by_the_command_and_a_config():
    with pytest.raises(SystemExit):
        _parsed("--lr", "0")
    with pytest.raises(SteelError, match=r"^lr must be above 0, not 0$"):
        settings_from_config({"optimizer": {"lr": 0}})
    assert not _schema_accepts(BY_NAME["lr"], 0)


def test_a_normalisation_is_one_entry_that_the_table_the_schema_and_the_loss_read(monkeypatch):
    import torch

    from steel import normalisations
    from steel.plan.schema import setting_schema
    from steel.transfer.losses import style_layer_loss

    names = list(normalisations.NORMALISATIONS)
    assert list(BY_NAME["normalise"].choices) == names
    assert SCHEMA["properties"]["loss"]["properties"]["normalise"]["enum"] == names
    grams, target = torch.rand(2, 3, 3), torch.rand(2, 3, 3)
    for name, entry in normalisations.NORMALISATIONS.items():
        loss = style_layer_loss(grams, target, 4, 5, name)
        assert torch.equal(loss, entry.layer_loss(grams - target, 3, 4, 5))
    # a new entry is a formula of the loss at once
    halved = normalisations.Normalisation(
        "half", lambda diff, c, h, w: diff.square().sum((1, 2)) / 2, 3.0, ""
    )
    monkeypatch.setitem(normalisations.NORMALISATIONS, "half", halved)
    expected = (grams - target).square().sum((1, 2)) / 2
    torch.testing.assert_close(style_layer_loss(grams, target, 4, 5, "half"), expected)
    with pytest.raises(
        SteelError, match=r"^unknown loss normalise 'nope'; use one of paper, gatys, rrmina, half$"
    ):
        style_layer_loss(grams, target, 4, 5, "nope")
    # the table's choices were read from the entries when it was made
    assert setting_schema(BY_NAME["normalise"])["enum"] == names
