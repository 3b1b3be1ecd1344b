"""Gaps that surviving mutants (`make mutants`, issue 17) showed in the unit tests."""

from __future__ import annotations

import torch

from steel.losses import StyleTransferLoss, tv_loss


def test_a_layer_absent_from_every_cell_is_not_computed():
    # the cells' mappings name only their active layers (steel.layers.parse_cell_id): a style
    # layer that no mapping mentions must not be computed, nor its features asked for
    style = {"conv1_1": torch.ones(1, 1, 2, 2), "conv1_2": torch.ones(1, 1, 2, 2)}
    loss = StyleTransferLoss(
        style,
        {"conv4_2": torch.zeros(1, 1, 1, 2)},
        [{"conv1_1": 1.0}],
        "conv4_2",
        1.0,
        0.0,
        {"conv1_1": (2, 2), "conv1_2": (2, 2)},
    )
    assert loss.style_layers == ["conv1_1"]
    parts = loss(
        {"conv1_1": torch.ones(1, 1, 2, 2), "conv4_2": torch.zeros(1, 1, 1, 2)}, torch.zeros(1, 3, 2, 2)
    )
    assert set(parts) == {"total", "content", "style", "tv", "conv1_1"}


def test_a_non_square_style_gram_is_rescaled_by_its_height_times_width():
    # a 2x8 style map of ones has Gram 16 (H*W); at a synthesized 4x2 size that is 16 * 8/16 = 8
    loss = StyleTransferLoss(
        {"conv1_1": torch.ones(1, 1, 2, 8)},
        {"conv1_1": torch.ones(1, 1, 4, 2)},
        [{"conv1_1": 1.0}],
        "conv1_1",
        1.0,
        0.0,
        {"conv1_1": (4, 2)},
    )
    torch.testing.assert_close(loss.gram_conv1_1, torch.tensor([[[8.0]]]))
    parts = loss({"conv1_1": torch.ones(1, 1, 4, 2)}, torch.zeros(1, 3, 4, 2))
    torch.testing.assert_close(parts["total"], torch.tensor([0.0]))


def test_tv_loss_compares_every_pair_of_neighbouring_rows():
    # three rows 0, 1, 3 (one column): vertical differences 1 and 2, mean of squares 2.5; no
    # horizontal neighbours in a one-column image would give nan, so take two equal columns
    image = torch.tensor([[[[0.0, 0.0], [1.0, 1.0], [3.0, 3.0]]]])
    torch.testing.assert_close(tv_loss(image), torch.tensor([2.5]))
    torch.testing.assert_close(tv_loss(image.transpose(2, 3)), torch.tensor([2.5]))


def test_style_layer_loss_of_non_square_features_uses_their_height_and_width():
    # features of ones at 1x4 (H x W): Gram [[4]]; against a zero target E = 16 / (4 * 1 * 16)
    loss = StyleTransferLoss(
        {"conv1_1": torch.zeros(1, 1, 1, 4)},
        {"conv4_2": torch.zeros(1, 1, 1, 1)},
        [{"conv1_1": 1.0}],
        "conv4_2",
        0.0,
        0.0,
        {"conv1_1": (1, 4)},
    )
    features = {"conv1_1": torch.ones(1, 1, 1, 4), "conv4_2": torch.zeros(1, 1, 1, 1)}
    parts = loss(features, torch.zeros(1, 3, 2, 2))
    torch.testing.assert_close(parts["conv1_1"], torch.tensor([0.25]))
    torch.testing.assert_close(parts["total"], torch.tensor([0.25]))
