"""Layer names, their torchvision indices, cell ids, layer specs; pre- vs post-ReLU features."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torchvision.models import vgg16

import steel.layers
from steel.errors import SteelError
from steel.io.limits import MIN_SIDE, check_image_size
from steel.layers import (
    LAYER_INDEX,
    LAYERS,
    block_of,
    cell_id,
    check_layer,
    ordered,
    parse_cell_id,
    parse_layer_spec,
    split_cell_id,
)
from steel.transfer.features import VGGFeatures

#: torchvision's vgg16().features indices of the convolutions
SPEC_CONV_INDEX = {
    "conv1_1": 0,
    "conv1_2": 2,
    "conv2_1": 5,
    "conv2_2": 7,
    "conv3_1": 10,
    "conv3_2": 12,
    "conv3_3": 14,
    "conv4_1": 17,
    "conv4_2": 19,
    "conv4_3": 21,
    "conv5_1": 24,
    "conv5_2": 26,
    "conv5_3": 28,
}
SPEC_POOL_INDEX = {"pool1": 4, "pool2": 9, "pool3": 16, "pool4": 23, "pool5": 30}


@pytest.fixture(scope="module")
def torchvision_features() -> nn.Sequential:
    with torch.device("meta"):  # structure only: no memory, no initialisation cost
        return vgg16(weights=None).features


def test_layer_index_matches_spec():
    for conv, index in SPEC_CONV_INDEX.items():
        assert LAYER_INDEX[conv] == index
        assert LAYER_INDEX[conv.replace("conv", "relu")] == index + 1
    for pool, index in SPEC_POOL_INDEX.items():
        assert LAYER_INDEX[pool] == index
    assert len(LAYER_INDEX) == 13 * 2 + 5
    assert list(LAYERS) == sorted(LAYER_INDEX, key=LAYER_INDEX.__getitem__)


@pytest.mark.parametrize("built", ["at import", "again"])
def test_layer_index_matches_torchvision_modules(torchvision_features, built):
    # "again": the table as its builder makes it now (a mutation tool can only reach it so)
    table = LAYER_INDEX if built == "at import" else steel.layers._layer_index()
    assert len(torchvision_features) == max(table.values()) + 1
    expected_maps = {1: 64, 2: 128, 3: 256, 4: 512, 5: 512}
    for name, index in table.items():
        module = torchvision_features[index]
        if name.startswith("conv"):
            assert isinstance(module, nn.Conv2d), name
            assert module.out_channels == expected_maps[int(name[4])], name
        elif name.startswith("relu"):
            assert isinstance(module, nn.ReLU), name
        else:
            assert isinstance(module, nn.MaxPool2d), name


def test_unknown_layer_lists_the_valid_ones():
    with pytest.raises(SteelError) as caught:
        check_layer("conv6_1")
    message = str(caught.value)
    assert "conv6_1" in message
    for name in LAYERS:
        assert name in message
    assert "\n" not in message
    with pytest.raises(SteelError, match="conv1_3"):
        ordered(["conv1_1", "conv1_3"])


def test_ordered_is_network_order_without_duplicates():
    assert ordered(["pool1", "conv5_3", "relu1_2", "conv1_2", "conv1_2"]) == [
        "conv1_2",
        "relu1_2",
        "pool1",
        "conv5_3",
    ]


def test_cell_id_canonical_order_and_round_trip():
    coefficients = {"conv4_2": 200, "conv1_2": 2000.0, "conv5_3": 0, "conv1_1": 2000}
    cell = cell_id(coefficients)
    assert cell == "conv1_1-2000__conv1_2-2000__conv4_2-200"
    assert parse_cell_id(cell) == {"conv1_1": 2000.0, "conv1_2": 2000.0, "conv4_2": 200.0}
    assert list(parse_cell_id(cell)) == ["conv1_1", "conv1_2", "conv4_2"]
    # the same coefficients in any order, as ints or floats, give the same id
    assert cell_id({"conv1_2": 2000, "conv4_2": 200.0, "conv1_1": 2e3}) == cell


@pytest.mark.parametrize(
    "coefficients",
    [
        {"conv1_2": 0.5, "relu3_3": 1e-5},
        {"pool2": 20, "conv5_3": 2.5e6},
        {"conv1_1": 1234567},  # more than the 6 significant digits of %g
    ],
    ids=["fractions", "millions", "seven-digits"],
)
def test_parse_cell_id_inverts_cell_id(coefficients):
    assert parse_cell_id(cell_id(coefficients)) == {k: float(v) for k, v in coefficients.items()}


def test_a_cell_id_with_loss_settings_splits_back_into_layers_and_settings():
    loss = {"style_weight": None, "normalise": "gatys", "content_layer": "relu4_2", "tv_weight": 0.5}
    cell = cell_id({"conv4_3": 20, "conv1_2": 2000}, loss)
    assert cell == (
        "conv1_2-2000__conv4_3-20__content_layer-relu4_2__normalise-gatys__style_weight-null__tv_weight-0.5"
    )
    assert split_cell_id(cell) == ({"conv1_2": 2000.0, "conv4_3": 20.0}, loss)


def test_cell_id_needs_an_active_layer():
    with pytest.raises(SteelError, match=r"^a cell needs at least one layer with a coefficient > 0$"):
        cell_id({"conv1_2": 0})
    with pytest.raises(SteelError, match="malformed"):
        parse_cell_id("conv1_2")


def test_parse_layer_spec():
    assert parse_layer_spec(" conv4_3=200, conv1_2=2000 ,conv5_3=0,") == {"conv1_2": 2000.0, "conv4_3": 200.0}


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("conv1_2=-20", ["conv1_2", ">= 0"]),
        ("conv1_2=abc", ["conv1_2", "not a number"]),
        ("conv1_2=nan", ["conv1_2", "finite"]),
        ("conv1_2=inf", ["conv1_2", "finite"]),
        ("conv1_2=0,conv4_3=0", ["no active style layer"]),
        ("", ["no active style layer"]),
        ("conv1_2", ["no coefficient", "LAYER=COEFFICIENT"]),
        ("conv9_9=20", ["unknown layer 'conv9_9'", "conv1_1"]),
    ],
)
def test_parse_layer_spec_errors(spec, words):
    with pytest.raises(SteelError) as caught:
        parse_layer_spec(spec)
    for word in words:
        assert word in str(caught.value)


def test_pre_relu_features_have_negatives_post_relu_do_not(random_weights):
    layers = ["conv1_2", "relu1_2", "conv3_3", "relu3_3"]
    extractor = VGGFeatures(random_weights, layers)
    images = torch.rand(2, 3, 32, 48, generator=torch.Generator().manual_seed(0)) * 255
    features = extractor(images)
    assert list(features) == layers
    for block in ("1_2", "3_3"):
        conv, relu = features[f"conv{block}"], features[f"relu{block}"]
        assert (conv < 0).any(), "convolution outputs (before the ReLU) must keep negative values"
        assert (relu >= 0).all()
        # the in-place ReLUs of torchvision must not have overwritten the stored conv output
        torch.testing.assert_close(relu, conv.clamp(min=0))
    assert features["conv1_2"].shape == (2, 64, 32, 48)
    assert features["conv3_3"].shape == (2, 256, 8, 12)


def test_extractor_is_truncated_at_the_deepest_layer(random_weights):
    extractor = VGGFeatures(random_weights, ["pool2", "conv1_1"])
    assert len(extractor.body) == LAYER_INDEX["pool2"] + 1
    assert list(extractor(torch.full((1, 3, 32, 32), 128.0))) == ["conv1_1", "pool2"]
    assert len(VGGFeatures(random_weights, ["conv4_2"]).body) == LAYER_INDEX["conv4_2"] + 1
    assert not any(p.requires_grad for p in extractor.parameters())
    with pytest.raises(SteelError, match="valid layers"):
        VGGFeatures(random_weights, ["conv4_4"])


def test_torchvision_preprocessing(random_weights):
    extractor = VGGFeatures(random_weights, ["conv1_1"])
    image = torch.tensor([255.0, 0.0, 128.0]).view(1, 3, 1, 1).expand(1, 3, 2, 2)
    expected = (torch.tensor([1.0, 0.0, 128 / 255]) - torch.tensor([0.485, 0.456, 0.406])) / torch.tensor(
        [0.229, 0.224, 0.225]
    )
    torch.testing.assert_close(extractor.preprocess(image)[0, :, 0, 0], expected)


def test_minimum_image_side():
    assert MIN_SIDE == 32
    check_image_size(32, 32, "image")
    with pytest.raises(SteelError, match="32 px"):
        check_image_size(31, 400, "image")


@pytest.mark.parametrize(("name", "block"), [("conv1_1", 1), ("relu3_3", 3), ("pool4", 4), ("conv5_3", 5)])
def test_the_block_of_a_layer_is_read_from_any_kind_of_name(name, block):
    assert block_of(name) == block


def test_a_loss_setting_that_cannot_be_part_of_a_cell_id_is_refused_with_how_to_name_it():
    with pytest.raises(SteelError, match="lower-case words joined by '_', values numbers, words or layer"):
        cell_id({"conv1_2": 20}, {"Content-Weight": 100})
