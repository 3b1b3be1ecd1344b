"""The paper's losses (eq. 1-3) against values computed by hand on tiny tensors."""

from __future__ import annotations

import pytest
import torch

from steel.errors import SteelError
from steel.transfer.losses import (
    DEFAULT_STYLE_WEIGHTS,
    StyleTransferLoss,
    content_loss,
    gram,
    style_layer_loss,
    tv_loss,
)

# two 2x2 maps: f0 = [1, 2, 3, 4], f1 = [0, 1, 0, -1]
F = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]], [[0.0, 1.0], [0.0, -1.0]]]])
# G = [[f0.f0, f0.f1], [f1.f0, f1.f1]]
G = torch.tensor([[[30.0, -2.0], [-2.0, 2.0]]])
# rows [0, 1, 3] and [2, 2, 2]: vertical differences 2, 1, -1; horizontal 1, 2, 0, 0
TV_IMAGE = torch.tensor([[[[0.0, 1.0, 3.0], [2.0, 2.0, 2.0]]]])
TV_VALUE = (4 + 1 + 1) / 3 + (1 + 4 + 0 + 0) / 4  # mean of squared dy + mean of squared dx = 3.25


def test_gram_by_hand():
    torch.testing.assert_close(gram(F), G)
    batch = torch.cat([F, 2 * F])
    torch.testing.assert_close(gram(batch), torch.cat([G, 4 * G]))


def test_style_layer_loss_uses_the_papers_normalisation():
    # E = 1/(4 H^2 W^2) sum (A - G)^2 with H = W = 2: (30^2 + 2^2 + 2^2 + 2^2) / 64 = 14.25
    zero = torch.zeros_like(G)
    torch.testing.assert_close(style_layer_loss(zero, G, 2, 2), torch.tensor([14.25]))
    torch.testing.assert_close(style_layer_loss(G, G, 2, 2), torch.tensor([0.0]))
    # H and W enter squared, the number of maps (2 here) not at all
    torch.testing.assert_close(style_layer_loss(zero, G, 1, 4), torch.tensor([912 / 64]))
    torch.testing.assert_close(style_layer_loss(zero, G, 4, 2), torch.tensor([912 / 256]))


def test_content_loss_is_a_mean_squared_error_per_image():
    target = torch.zeros(2, 1, 2, 2)
    features = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]], [[[1.0, 1.0], [1.0, 1.0]]]])
    torch.testing.assert_close(content_loss(features, target), torch.tensor([7.5, 1.0]))


def test_tv_loss_by_hand():
    torch.testing.assert_close(tv_loss(TV_IMAGE), torch.tensor([TV_VALUE]))
    # per image, averaged over channels
    two = torch.cat([TV_IMAGE, torch.zeros_like(TV_IMAGE)], 1)
    batch = torch.cat([two, torch.full_like(two, 7.0)])
    torch.testing.assert_close(tv_loss(batch), torch.tensor([TV_VALUE / 2, 0.0]))


def _loss(coefficients, content_weight=0.5, tv_weight=0.1, normalise="paper", style_weight=None):
    style = {"conv1_1": F, "conv1_2": torch.ones(1, 1, 2, 2)}  # A1 = G, A2 = [[4]]
    content = {"conv4_2": torch.tensor([[[[1.0, 3.0]]]])}
    return StyleTransferLoss(
        style,
        content,
        coefficients,
        content_layer="conv4_2",
        content_weight=content_weight,
        tv_weight=tv_weight,
        target_size={"conv1_1": (2, 2), "conv1_2": (2, 2)},
        normalise=normalise,
        style_weight=style_weight,
    )


def test_style_transfer_loss_totals_per_cell():
    loss = _loss([{"conv1_1": 2.0}, {"conv1_2": 3.0}])
    assert loss.style_layers == ["conv1_1", "conv1_2"]
    features = {
        "conv1_1": torch.stack([torch.zeros(2, 2, 2), F[0]]),  # E1 = 14.25, 0
        "conv1_2": torch.stack([torch.ones(1, 2, 2), 2 * torch.ones(1, 2, 2)]),  # E2 = 0, 144/64
        "conv4_2": torch.tensor([[[[1.0, 3.0]]], [[[3.0, 3.0]]]]),  # content 0, (2^2 + 0) / 2
    }
    images = torch.cat([torch.zeros_like(TV_IMAGE), TV_IMAGE])
    parts = loss(features, images)
    expected = {
        "conv1_1": [2 * 14.25, 0.0],
        "conv1_2": [0.0, 3 * 2.25],
        "style": [28.5, 6.75],
        "content": [0.0, 2.0],
        "tv": [0.0, TV_VALUE],
        "total": [28.5, 0.5 * 2.0 + 6.75 + 0.1 * TV_VALUE],
    }
    assert set(parts) == set(expected)
    for name, values in expected.items():
        torch.testing.assert_close(parts[name], torch.tensor(values), msg=name)


def test_layer_that_no_cell_uses_is_not_computed():
    loss = _loss([{"conv1_1": 2.0, "conv1_2": 0.0}], content_weight=1.0, tv_weight=0.0)
    assert loss.style_layers == ["conv1_1"]
    assert not hasattr(loss, "gram_conv1_2")
    features = {"conv1_1": torch.zeros(1, 2, 2, 2), "conv4_2": torch.tensor([[[[1.0, 3.0]]]])}
    parts = loss(features, TV_IMAGE)  # no conv1_2 features needed
    assert set(parts) == {"total", "content", "style", "tv", "conv1_1"}
    torch.testing.assert_close(parts["total"], torch.tensor([28.5]))


def test_style_gram_is_rescaled_to_the_synthesized_size():
    # a 4x4 style map of ones has Gram 16; at the synthesized 2x2 size that is 4
    loss = StyleTransferLoss(
        {"conv1_1": torch.ones(1, 1, 4, 4)},
        {"conv1_1": torch.ones(1, 1, 2, 2)},
        [{"conv1_1": 1.0}],
        content_layer="conv1_1",
        content_weight=1.0,
        tv_weight=0.0,
        target_size={"conv1_1": (2, 2)},
    )
    torch.testing.assert_close(loss.gram_conv1_1, torch.tensor([[[4.0]]]))
    parts = loss({"conv1_1": torch.ones(1, 1, 2, 2)}, torch.zeros(1, 3, 2, 2))
    torch.testing.assert_close(parts["total"], torch.tensor([0.0]))


def test_gradients_stay_within_their_cell():
    loss = _loss([{"conv1_1": 2.0}, {"conv1_2": 3.0}])
    images = torch.rand(2, 3, 4, 4, requires_grad=True)
    features = {
        "conv1_1": images[:, :2, :2, :2] * 3,
        "conv1_2": images[:, 2:, :2, :2],
        "conv4_2": images[:, :1, :1, :2],
    }
    parts = loss(features, images)
    (grad,) = torch.autograd.grad(parts["total"][0], images)
    assert grad[0].abs().sum() > 0
    assert grad[1].abs().sum() == 0


@pytest.mark.parametrize("shape", [(1, 64, 8, 12), (3, 16, 4, 6)])
def test_gram_matches_a_loop_over_channel_pairs(shape):
    """Every entry is the dot product of two flattened maps of one image (not, e.g., a transposed
    or normalised product, nor one mixing the images of a batch)."""
    features = torch.randn(shape, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    grams = gram(features)
    assert grams.shape == (shape[0], shape[1], shape[1])
    flat = features.flatten(2)
    for b in range(shape[0]):
        for i in range(0, shape[1], 5):
            for j in range(0, shape[1], 3):
                torch.testing.assert_close(grams[b, i, j], (flat[b, i] * flat[b, j]).sum())


def test_gram_backward_matches_autograd_of_the_plain_product():
    features = torch.randn(2, 3, 4, 5, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(gram, (features,))
    weights = torch.randn(2, 3, 3, dtype=torch.float64)
    (gram(features) * weights).sum().backward()
    custom = features.grad.clone()
    features.grad = None
    flat = features.flatten(2)
    ((flat @ flat.transpose(1, 2)) * weights).sum().backward()
    assert torch.allclose(custom, features.grad)


def test_gram_precision_leaves_the_cpu_and_the_global_flags_alone(monkeypatch):
    import steel.transfer.losses as losses

    before = torch.backends.cuda.matmul.allow_tf32
    features = torch.randn(2, 3, 4, 5)
    reference = gram(features)
    for choice in (None, True, False):
        monkeypatch.setattr(losses, "GRAM_TF32", choice)
        torch.testing.assert_close(gram(features), reference, rtol=0, atol=0)
        with losses._gram_precision(features):
            assert torch.backends.cuda.matmul.allow_tf32 == before  # no CUDA tensor: untouched
    assert torch.backends.cuda.matmul.allow_tf32 == before


# ---- the loss's scale: loss.normalise and loss.style_weight -------------------------------------


def test_gatys_and_rrmina_normalisations_by_hand():
    zero = torch.zeros_like(G)
    # gatys: sum (A - G)^2 / (4 N^2 M^2), N = 2 maps, M = H W = 4: 912 / (4 * 4 * 16)
    torch.testing.assert_close(style_layer_loss(zero, G, 2, 2, "gatys"), torch.tensor([912 / 256]))
    # rrmina: mean over the C^2 = 4 entries of ((A - G) / M)^2, divided again by C^2:
    # (30^2 + 3 * 2^2) / 16 / 4 / 4
    torch.testing.assert_close(style_layer_loss(zero, G, 2, 2, "rrmina"), torch.tensor([912 / 16 / 4 / 4]))
    # one map of 1 x 4 with Gram [[4]]: gatys 16 / (4 * 1 * 16); rrmina (4 / 4)^2 / 1
    one = torch.tensor([[[4.0]]])
    torch.testing.assert_close(
        style_layer_loss(torch.zeros_like(one), one, 1, 4, "gatys"), torch.tensor([0.25])
    )
    torch.testing.assert_close(
        style_layer_loss(torch.zeros_like(one), one, 1, 4, "rrmina"), torch.tensor([1.0])
    )
    # the paper's eq. 3 is unchanged: the number of maps does not enter
    torch.testing.assert_close(style_layer_loss(zero, G, 2, 2, "paper"), torch.tensor([14.25]))


def test_rrmina_total_on_a_known_tiny_tensor():
    """rrmina/neural-style-pytorch: w_c MSE + w_s sum_l layer_weight_l * mean((G/HW - A/HW)^2) / C^2."""
    loss = StyleTransferLoss(
        {"conv1_1": F},
        {"conv1_1": F, "conv4_2": torch.tensor([[[[1.0, 3.0]]]])},
        [{"conv1_1": 0.2}],
        content_layer="conv4_2",
        content_weight=5.0,
        tv_weight=0.0,
        target_size={"conv1_1": (2, 2)},
        normalise="rrmina",
        style_weight=1e5,
    )
    features = {"conv1_1": torch.zeros(1, 2, 2, 2), "conv4_2": torch.tensor([[[[3.0, 3.0]]]])}
    parts = loss(features, TV_IMAGE)
    style = 1e5 * 0.2 * (912 / 16 / 4) / 4  # = 71,250
    content = (2.0**2 + 0.0) / 2
    torch.testing.assert_close(parts["style"], torch.tensor([style]))
    torch.testing.assert_close(parts["conv1_1"], torch.tensor([style]))
    torch.testing.assert_close(parts["total"], torch.tensor([5.0 * content + style]))


def test_style_weight_defaults_by_normalisation_and_multiplies_the_style_term():
    cells = [{"conv1_1": 2.0}, {"conv1_2": 3.0}]
    features = {
        "conv1_1": torch.stack([torch.zeros(2, 2, 2), F[0]]),
        "conv1_2": torch.stack([torch.ones(1, 2, 2), 2 * torch.ones(1, 2, 2)]),
        "conv4_2": torch.tensor([[[[1.0, 3.0]]], [[[3.0, 3.0]]]]),
    }
    for normalise, default in DEFAULT_STYLE_WEIGHTS.items():
        base = _loss(cells, normalise=normalise, style_weight=1.0)(features, TV_IMAGE.repeat(2, 1, 1, 1))
        defaulted = _loss(cells, normalise=normalise)(features, TV_IMAGE.repeat(2, 1, 1, 1))
        torch.testing.assert_close(defaulted["style"], default * base["style"], msg=normalise)
        doubled = _loss(cells, normalise=normalise, style_weight=2.0)(features, TV_IMAGE.repeat(2, 1, 1, 1))
        torch.testing.assert_close(doubled["style"], 2 * base["style"], msg=normalise)
        torch.testing.assert_close(doubled["content"], base["content"], msg=normalise)
    assert DEFAULT_STYLE_WEIGHTS["paper"] == 1.0


def _old_paper_total(features, images, cells, style, content_target, content_weight, tv_weight):
    """The loss as it was before loss.normalise existed, written out (eq. 1 and eq. 3)."""
    names = [n for n in style if any(c.get(n, 0) for c in cells)]
    layer_losses = []
    for name in names:
        f = features[name].float()
        h, w = f.shape[2], f.shape[3]
        layer_losses.append((gram(f) - gram(style[name])).square().sum((1, 2)) / (4.0 * h**2 * w**2))
    coefficients = torch.tensor([[c.get(n, 0.0) for n in names] for c in cells])
    weighted = torch.stack(layer_losses, 1) * coefficients
    content = (features["conv4_2"].float() - content_target).square().mean((1, 2, 3))
    return content_weight * content + weighted.sum(1) + tv_weight * tv_loss(images), weighted.sum(1)


@pytest.mark.parametrize("style_weight", [None, 1.0])
def test_paper_normalisation_is_bit_identical_to_the_old_formula(style_weight):
    generator = torch.Generator().manual_seed(3)
    style = {"conv1_1": torch.rand(1, 3, 4, 5, generator=generator) * 90}
    style["conv1_2"] = torch.rand(1, 2, 4, 5, generator=generator) * 300
    content = {"conv4_2": torch.rand(1, 4, 2, 3, generator=generator) * 50}
    cells = [{"conv1_1": 2000.0, "conv1_2": 20.0}, {"conv1_2": 200.0}]
    loss = StyleTransferLoss(
        style,
        content,
        cells,
        content_layer="conv4_2",
        content_weight=0.7,
        tv_weight=0.001,
        target_size={"conv1_1": (4, 5), "conv1_2": (4, 5)},
        normalise="paper",
        style_weight=style_weight,
    )
    features = {
        "conv1_1": torch.rand(2, 3, 4, 5, generator=generator) * 90,
        "conv1_2": torch.rand(2, 2, 4, 5, generator=generator) * 300,
        "conv4_2": torch.rand(2, 4, 2, 3, generator=generator) * 50,
    }
    images = torch.rand(2, 3, 6, 7, generator=generator) * 255
    parts = loss(features, images)
    total, style_term = _old_paper_total(features, images, cells, style, content["conv4_2"], 0.7, 0.001)
    assert torch.equal(parts["total"], total)
    assert torch.equal(parts["style"], style_term)


def test_unknown_normalisation_is_a_one_line_error():
    with pytest.raises(
        SteelError, match=r"^unknown loss normalise 'caffe'; use one of paper, gatys, rrmina$"
    ):
        _loss([{"conv1_1": 1.0}], normalise="caffe")
    with pytest.raises(SteelError, match="unknown loss normalise"):
        style_layer_loss(G, G, 2, 2, "caffe")


# ---- the shape term (loss.shape_weight / shape_reach) --------------------------------------------


def _glyph_logo() -> torch.Tensor:
    """A 40x64 white logo with one black bar (rows 15-24, columns 20-43)."""
    logo = torch.full((1, 3, 40, 64), 255.0)
    logo[:, :, 15:25, 20:44] = 0.0
    return logo


def test_glyph_distance_counts_px_from_the_glyphs():
    from steel.transfer.losses import glyph_distance

    distance = glyph_distance(_glyph_logo(), 64)[0, 0]
    assert distance[15:25, 20:44].eq(0).all()
    assert distance[20, 19] == 1 and distance[20, 10] == 10 and distance[5, 20] == 10
    assert distance[0, 0] == 20  # chessboard: max of 15 rows, 20 columns
    assert glyph_distance(torch.full((1, 3, 40, 64), 255.0), 7).eq(7).all()  # no glyph: the limit


def test_shape_term_is_zero_on_the_content_and_grows_with_ink_far_from_the_glyphs():
    from steel.transfer.losses import darkness, shape_loss, shape_weights

    content = _glyph_logo()
    weights, ink = shape_weights(content, 4.0), darkness(content)
    assert shape_loss(content, ink, weights).item() == 0.0
    near = content.clone()
    near[:, :, 12:15, 20:44] = 0.0  # a serif 3 px above the bar: within reach
    assert shape_loss(near, ink, weights).item() == 0.0
    values = []
    for column in (50, 56, 62):  # the same blob ever further right of the bar (ends at column 43)
        blob = content.clone()
        blob[:, :, 18:21, column : column + 2] = 0.0
        values.append(shape_loss(blob, ink, weights).item())
    assert 0 < values[0] < values[1] < values[2]
    grey_blob = blob[:, :1]  # one grey channel reads the same
    assert shape_loss(grey_blob, ink, weights).item() == pytest.approx(values[2], rel=1e-5)


def test_shape_term_enters_the_total_only_when_on():
    content = _glyph_logo()
    features = {"conv1_2": torch.rand(2, 4, 8, 8), "conv4_2": torch.rand(2, 4, 8, 8)}
    args = ({"conv1_2": features["conv1_2"][:1]}, {"conv4_2": features["conv4_2"][:1]})
    cells = [{"conv1_2": 20.0}, {"conv1_2": 200.0}]
    common = {
        "content_layer": "conv4_2",
        "content_weight": 1.0,
        "tv_weight": 0.001,
        "target_size": {"conv1_2": (8, 8)},
    }
    images = content.repeat(2, 1, 1, 1)
    images[1, :, 0:3, 0:3] = 0.0  # ink in the far corner of the second image
    off = StyleTransferLoss(*args, cells, **common)(features, images)
    on = StyleTransferLoss(*args, cells, **common, shape_content=content, shape_weight=2.0, shape_reach=4.0)(
        features, images
    )
    assert "shape" not in off
    assert on["shape"][0] == 0 and on["shape"][1] > 0
    torch.testing.assert_close(on["total"], off["total"] + 2.0 * on["shape"])


def test_shape_term_makes_no_tensor_per_step(monkeypatch):
    """A tensor made from Python values per step is a host-to-device copy, which CUDA graph capture
    refuses (the fast path would fall back to the eager loop): the term only reads its buffers."""
    content = _glyph_logo()
    features = {"conv1_2": torch.rand(1, 4, 8, 8), "conv4_2": torch.rand(1, 4, 8, 8)}
    loss = StyleTransferLoss(
        {"conv1_2": features["conv1_2"]},
        {"conv4_2": features["conv4_2"]},
        [{"conv1_2": 20.0}],
        content_layer="conv4_2",
        content_weight=1.0,
        tv_weight=0.001,
        target_size={"conv1_2": (8, 8)},
        shape_content=content,
        shape_weight=1.0,
    )

    def refused(*args, **kwargs):
        raise AssertionError("torch.tensor inside the step")

    monkeypatch.setattr(torch, "tensor", refused)
    assert loss(features, content)["shape"].item() == 0.0


# ---- details that surviving mutants (make mutants) showed unpinned ---------------------------------


@pytest.mark.parametrize(
    ("normalise", "expected"),
    [
        ("paper", 12 / (4 * 2**2 * 3**2)),  # sum (G - A)^2 / (4 H^2 W^2)
        ("gatys", 12 / (4 * 2**2 * 6**2)),  # / (4 C^2 M^2), C = 2 maps, M = H W = 6
        ("rrmina", 12 / 6**2 / 4 / 2**2),  # mean ((G - A) / M)^2 / C^2
    ],
)
def test_each_normalisation_compares_the_gram_with_a_non_zero_target(normalise, expected):
    grams = torch.tensor([[[1.0, 2.0], [2.0, 5.0]]])
    target = torch.tensor([[[0.0, 1.0], [1.0, 2.0]]])  # G - A = [[1, 1], [1, 3]]: 12 squared
    torch.testing.assert_close(style_layer_loss(grams, target, 2, 3, normalise), torch.tensor([expected]))


def test_an_unknown_normalisation_is_named():
    words = r"^unknown loss normalise 'bogus'; use one of paper, gatys, rrmina$"
    with pytest.raises(SteelError, match=words):
        style_layer_loss(torch.ones(1, 1, 1), torch.ones(1, 1, 1), 1, 1, "bogus")


def test_luminance_and_darkness_by_hand():
    from steel.transfer.losses import darkness, luminance

    pixel = torch.tensor([10.0, 20.0, 30.0]).reshape(1, 3, 1, 1)
    torch.testing.assert_close(luminance(pixel), torch.tensor([[[[0.299 * 10 + 0.587 * 20 + 0.114 * 30]]]]))
    torch.testing.assert_close(darkness(pixel), 255.0 - luminance(pixel))
    torch.testing.assert_close(darkness(torch.full((1, 3, 1, 1), 255.0)), torch.zeros(1, 1, 1, 1))


def test_a_pixel_exactly_at_the_glyph_level_is_not_a_glyph():
    from steel.transfer.losses import GLYPH_LEVEL, glyph_distance

    logo = torch.full((1, 3, 5, 5), 255.0)
    logo[:, :, 2, 2] = 255.0 - GLYPH_LEVEL  # darkness exactly GLYPH_LEVEL
    assert glyph_distance(logo, 4).eq(4).all()
    logo[:, :, 2, 2] -= 1.0
    assert glyph_distance(logo, 4)[0, 0, 2, 2] == 0


def test_shape_weights_reach_up_to_the_longer_side_of_a_tall_image():
    from steel.transfer.losses import shape_weights

    blank = torch.full((1, 3, 30, 6), 255.0)  # no glyph: every pixel at the limit, 30 (not 6)
    assert shape_weights(blank, 8.0).eq(22.0).all()


def test_faint_content_ink_far_from_the_glyphs_is_not_added_ink():
    from steel.transfer.losses import darkness, shape_loss, shape_weights

    content = _glyph_logo()
    content[:, :, 30:33, 2:5] = 200.0  # a light grey mark (darkness 55, not a glyph), far out
    weights = shape_weights(content, 4.0)
    assert weights[0, 0, 31, 3] > 0
    assert shape_loss(content, darkness(content), weights).item() == 0.0


def test_the_shape_term_is_off_by_default_and_needs_a_content():
    from steel.transfer.losses import shape_weights

    content = _glyph_logo()
    features = {"conv1_2": torch.rand(1, 4, 8, 8), "conv4_2": torch.rand(1, 4, 8, 8)}
    args = ({"conv1_2": features["conv1_2"]}, {"conv4_2": features["conv4_2"]})
    cells = [{"conv1_2": 20.0}]
    common = {
        "content_layer": "conv4_2",
        "content_weight": 1.0,
        "tv_weight": 0.001,
        "target_size": {"conv1_2": (8, 8)},
    }
    assert "shape" not in StyleTransferLoss(*args, cells, **common, shape_content=content)(features, content)
    assert "shape" not in StyleTransferLoss(*args, cells, **common, shape_weight=2.0)(features, content)
    on = StyleTransferLoss(*args, cells, **common, shape_content=content, shape_weight=2.0)
    torch.testing.assert_close(on.shape_weights, shape_weights(content, 8.0))  # the default reach


# --- found by surviving mutants -------------------------------------------------------------


def test_a_layer_absent_from_every_cell_is_not_computed():
    # the cells' mappings name only their active layers (steel.layers.parse_cell_id): a style
    # layer that no mapping mentions must not be computed, nor its features asked for
    style = {"conv1_1": torch.ones(1, 1, 2, 2), "conv1_2": torch.ones(1, 1, 2, 2)}
    loss = StyleTransferLoss(
        style,
        {"conv4_2": torch.zeros(1, 1, 1, 2)},
        [{"conv1_1": 1.0}],
        content_layer="conv4_2",
        content_weight=1.0,
        tv_weight=0.0,
        target_size={"conv1_1": (2, 2), "conv1_2": (2, 2)},
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
        content_layer="conv1_1",
        content_weight=1.0,
        tv_weight=0.0,
        target_size={"conv1_1": (4, 2)},
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
        content_layer="conv4_2",
        content_weight=0.0,
        tv_weight=0.0,
        target_size={"conv1_1": (1, 4)},
    )
    features = {"conv1_1": torch.ones(1, 1, 1, 4), "conv4_2": torch.zeros(1, 1, 1, 1)}
    parts = loss(features, torch.zeros(1, 3, 2, 2))
    torch.testing.assert_close(parts["conv1_1"], torch.tensor([0.25]))
    torch.testing.assert_close(parts["total"], torch.tensor([0.25]))
