"""The feature extractor works on its own copy of the network: the caller's weights stay as they are."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from steel.errors import SteelError
from steel.transfer.features import VGGFeatures
from steel.transfer.weights import load_weights


def test_extractor_leaves_the_callers_weights_alone():
    weights = load_weights("random")
    before = {k: v.clone() for k, v in weights.features.state_dict().items()}
    inplace = [m.inplace for m in weights.features if isinstance(m, nn.ReLU)]
    extractor = VGGFeatures(weights, ["conv1_2", "relu2_2"]).double()
    extractor.to(memory_format=torch.channels_last)
    assert extractor.body[0].weight.dtype == torch.float64
    assert weights.features[0].weight.dtype == torch.float32
    assert [m.inplace for m in weights.features if isinstance(m, nn.ReLU)] == inplace
    assert all(not m.inplace for m in extractor.body if isinstance(m, nn.ReLU))
    assert weights.features[0].weight.is_contiguous()
    for key, value in weights.features.state_dict().items():
        assert torch.equal(value, before[key]), key
    # the copy holds the same numbers: a float32 extractor from the same weights agrees
    image = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(0)) * 255
    single = VGGFeatures(weights, ["conv1_2", "relu2_2"])(image)["relu2_2"]
    torch.testing.assert_close(extractor(image.double())["relu2_2"].float(), single, rtol=1e-4, atol=1e-3)


def test_an_extractor_of_no_layers_is_refused_in_one_line():
    with pytest.raises(SteelError, match=r"^no feature layers requested$"):
        VGGFeatures(load_weights("random"), [])
