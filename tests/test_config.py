"""A run's settings from the workflow's config (steel.config.settings_from_config)."""

from __future__ import annotations

from job_helpers import LOSS, OPTIMIZER

from steel.config import settings_from_config


def test_settings_from_config_maps_every_field_and_converts_types():
    optimizer = OPTIMIZER | {
        "iterations": "7",
        "lr": "0.5",
        "log_every": "3",
        "amp": 1,
        "lr_schedule": "cosine",
        "lr_final": "0.125",
        "coarse_iterations": [4],
    }
    loss = LOSS | {
        "content_weight": "5",
        "tv_weight": "0.01",
        "normalise": "gatys",
        "style_weight": "2",
        "shape_weight": "3",
        "shape_reach": "4",
    }
    image = {"scales": [0.5, 1.0], "colour": "grey", "width": 64}
    s = settings_from_config(
        {
            "optimizer": optimizer,
            "loss": loss,
            "seed": "11",
            "execution": {"channels_last": 1},
            "image": image,
        }
    )
    assert (s.iterations, s.optimizer, s.lr, s.init, s.log_every, s.amp) == (
        7,
        "lbfgs",
        0.5,
        "random",
        3,
        True,
    )
    assert (s.lr_schedule, s.lr_final, s.scales, s.coarse_iterations) == ("cosine", 0.125, (0.5, 1.0), (4,))
    assert (s.channels_last, s.seed, s.content_layer) == (True, 11, "conv3_2")
    assert (s.content_weight, s.tv_weight, s.normalise, s.style_weight) == (5.0, 0.01, "gatys", 2.0)
    assert (s.colour, s.shape_weight, s.shape_reach) == ("grey", 3.0, 4.0)
    for name in ("iterations", "log_every", "seed"):
        assert type(getattr(s, name)) is int, name
    for name in (
        "lr",
        "lr_final",
        "content_weight",
        "tv_weight",
        "style_weight",
        "shape_weight",
        "shape_reach",
    ):
        assert type(getattr(s, name)) is float, name
    assert type(s.amp) is bool and type(s.channels_last) is bool
    assert type(s.scales) is tuple and type(s.coarse_iterations) is tuple


def test_settings_from_config_defaults_for_short_sections():
    s = settings_from_config(
        {"optimizer": OPTIMIZER | {"amp": 0}, "loss": LOSS, "seed": 0, "execution": {"channels_last": 0}}
    )
    assert (s.lr_schedule, s.lr_final, s.scales, s.coarse_iterations) == ("constant", 0.0, (1.0,), ())
    assert (s.normalise, s.style_weight, s.colour, s.shape_weight, s.shape_reach) == (
        "paper",
        None,
        "rgb",
        0.0,
        8.0,
    )
    assert (s.amp, s.channels_last) == (False, False)
    # an explicit null style weight is the normalisation's default too
    assert (
        settings_from_config(
            {
                "optimizer": OPTIMIZER,
                "loss": LOSS | {"style_weight": None},
                "seed": 0,
                "execution": {"channels_last": 0},
            }
        ).style_weight
        is None
    )
    assert (
        settings_from_config(
            {
                "optimizer": OPTIMIZER,
                "loss": LOSS | {"style_weight": 0},
                "seed": 0,
                "execution": {"channels_last": 0},
            }
        ).style_weight
        == 0.0
    )
