"""Each weights mode through the real loading path, offline; wrong files give one clear error."""

from __future__ import annotations

import hashlib
import time

import pytest
import torch
import torch.nn.functional as functional
from torchvision.models.vgg import cfgs, make_layers
from workflow_helpers import Planted

from steel.errors import SteelError
from steel.transfer.features import VGGFeatures
from steel.transfer.weights import CAFFE, TORCHVISION, load_weights, resolve_spec, weights_file


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _assert_same_features(weights, state):
    loaded = weights.features.state_dict()
    assert set(loaded) == set(state)
    for key, tensor in state.items():
        assert torch.equal(loaded[key], tensor), key


def test_torch_hub_dir_follows_torch_home(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    assert torch.hub.get_dir() == str(tmp_path / "hub")


def test_imagenet_from_the_torchvision_cache(monkeypatch, saved_state, no_network):
    monkeypatch.setenv("TORCH_HOME", str(saved_state["torch_home"]))
    weights = load_weights("imagenet")
    _assert_same_features(weights, saved_state["state"])
    assert weights.convention == TORCHVISION
    assert weights.spec == "imagenet"
    assert weights.sha256 == _sha256(saved_state["imagenet"])


def test_imagenet_missing_offline_names_the_cache_path(monkeypatch, tmp_path, no_network):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    started = time.perf_counter()
    with pytest.raises(SteelError) as caught:
        load_weights("imagenet")
    assert time.perf_counter() - started < 30
    message = str(caught.value)
    assert str(tmp_path / "hub" / "checkpoints" / "vgg16-397923af.pth") in message
    assert "https://download.pytorch.org/models/vgg16-397923af.pth" in message
    assert "caffe:PATH" in message and "random" in message
    assert "\n" not in message
    # nothing half-downloaded is left where torchvision looks
    checkpoints = tmp_path / "hub" / "checkpoints"
    assert not checkpoints.exists() or not any(checkpoints.iterdir())


@pytest.mark.parametrize("layout", ["full", "plain"])
def test_torchvision_layout_file(saved_state, layout):
    path = saved_state[layout]
    weights = load_weights(str(path))
    _assert_same_features(weights, saved_state["state"])
    assert weights.convention == TORCHVISION
    assert weights.spec == str(path)
    assert weights.sha256 == _sha256(path)


@pytest.mark.parametrize("layout", ["full", "plain"])
def test_caffe_file_and_its_bgr_0_255_input(saved_state, layout):
    path = saved_state[layout]
    weights = load_weights(f"caffe:{path}")
    _assert_same_features(weights, saved_state["state"])
    assert weights.convention == CAFFE
    assert weights.spec == f"caffe:{path}"
    assert weights.sha256 == _sha256(path)
    # the preprocessing follows the weights: RGB -> BGR, minus the Caffe means, no scaling
    extractor = VGGFeatures(weights, ["conv1_1"])
    rgb = torch.tensor([200.0, 100.0, 50.0]).view(1, 3, 1, 1).expand(1, 3, 32, 32)
    expected = torch.tensor([50 - 103.939, 100 - 116.779, 200 - 123.68])
    torch.testing.assert_close(extractor.preprocess(rgb)[0, :, 0, 0], expected)
    images = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(0)) * 255
    bgr = images.flip(1) - torch.tensor([103.939, 116.779, 123.68]).view(1, 3, 1, 1)
    conv = weights.features[0]
    torch.testing.assert_close(
        extractor(images)["conv1_1"], functional.conv2d(bgr, conv.weight, conv.bias, padding=1)
    )


def test_random_is_seeded_and_deterministic(random_weights):
    again = load_weights("random:0")
    _assert_same_features(again, random_weights.features.state_dict())
    assert random_weights.spec == again.spec == "random:0"
    assert random_weights.sha256 is None
    assert random_weights.convention == TORCHVISION
    other = load_weights(" random:1 ")
    assert other.spec == "random:1"
    assert not torch.equal(other.features[0].weight, again.features[0].weight)
    with pytest.raises(SteelError, match="random:SEED"):
        load_weights("random:abc")


def _tiny_state(cfg: str) -> dict[str, torch.Tensor]:
    """The keys and shapes of a VGG ``features`` state dict, stored in a few bytes (expanded zeros)."""
    with torch.device("meta"):
        shapes = {k: v.shape for k, v in make_layers(cfgs[cfg]).state_dict().items()}
    return {k: torch.zeros(1).expand(shape) for k, shape in shapes.items()}


def test_vgg19_file_is_refused_naming_the_keys(tmp_path):
    path = tmp_path / "vgg19.pth"
    torch.save({f"features.{k}": v for k, v in _tiny_state("E").items()}, path)
    with pytest.raises(SteelError) as caught:
        load_weights(str(path))
    message = str(caught.value)
    assert str(path) in message and "not a VGG16 state dict" in message
    assert "17.weight" in message  # VGG16's conv4_1, absent from VGG19's layout
    assert "16.weight" in message  # VGG19's fourth conv of block 3


def test_wrong_keys_are_refused(tmp_path):
    path = tmp_path / "other.pth"
    torch.save({"encoder.weight": torch.zeros(2, 2)}, path)
    with pytest.raises(SteelError, match=r"not a VGG16 state dict.*missing keys.*unexpected keys"):
        load_weights(f"caffe:{path}")


def test_wrong_shape_is_refused(tmp_path):
    state = _tiny_state("D")
    state["10.weight"] = torch.zeros(1).expand(256, 128, 5, 5)  # conv3_1 with 5x5 kernels
    path = tmp_path / "resized.pth"
    torch.save(state, path)
    with pytest.raises(SteelError) as caught:
        load_weights(str(path))
    message = str(caught.value)
    assert "10.weight" in message and "(256, 128, 5, 5)" in message and "(256, 128, 3, 3)" in message


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "does not exist"),
        (b"this is not a torch file", "cannot read weights file"),
        ("tensor", "does not hold a state dict"),
    ],
)
def test_unusable_weights_files(tmp_path, content, words):
    path = tmp_path / "weights.pth"
    if content == "tensor":
        torch.save(torch.zeros(3), path)
    elif content is not None:
        path.write_bytes(content)
    for spec in (str(path), f"caffe:{path}"):
        with pytest.raises(SteelError, match=words) as caught:
            load_weights(spec)
        assert "\n" not in str(caught.value)


def test_a_weights_file_that_would_run_code_is_refused_unrun(tmp_path):
    # a .pth is a pickle: loading an untrusted one in full would run whatever it names
    marker, path = tmp_path / "ran", tmp_path / "weights.pth"
    torch.save({"0.weight": Planted(marker)}, path)
    for spec in (str(path), f"caffe:{path}"):
        with pytest.raises(SteelError, match=r"saved with torch\.save"):
            load_weights(spec)
    assert not marker.exists()


def test_random_weights_are_initialised_like_torchvisions_vgg16(random_weights):
    # torchvision's VGG initialisation, Kaiming normal over the fan out: each layer's spread follows
    # its own shape, so activations keep their scale through all 13 convolutions
    convolutions = [m for m in random_weights.features if isinstance(m, torch.nn.Conv2d)]
    assert len(convolutions) == 13
    for conv in convolutions:
        fan_out = conv.out_channels * conv.kernel_size[0] * conv.kernel_size[1]
        # the sample spread of n >= 1,728 draws is within 5 % of the true one (over 3 sigma)
        assert conv.weight.std().item() == pytest.approx((2 / fan_out) ** 0.5, rel=0.05)
        assert not conv.bias.any()


def test_empty_weights_setting():
    with pytest.raises(SteelError, match="empty weights setting"):
        load_weights(" ")


def test_resolve_spec_expands_home_and_normalises(saved_state, monkeypatch, tmp_path):
    home = saved_state["plain"].parent
    monkeypatch.setenv("HOME", str(home))
    assert resolve_spec("~/plain.pth") == str(home / "plain.pth")
    assert resolve_spec("caffe:~/./plain.pth") == f"caffe:{home / 'plain.pth'}"
    monkeypatch.chdir(home)
    assert resolve_spec("sub/../plain.pth") == "plain.pth"  # relative stays relative
    assert load_weights("~/plain.pth").spec == str(home / "plain.pth")


@pytest.mark.parametrize(("spec", "canonical"), [("random", "random:0"), (" random:7 ", "random:7")])
def test_random_specs_are_matched_exactly(spec, canonical):
    assert resolve_spec(spec) == canonical
    assert weights_file(canonical) is None


def test_a_file_named_random_is_a_file(saved_state, monkeypatch):
    folder = saved_state["plain"].parent
    monkeypatch.chdir(folder)
    (folder / "random-vgg.pth").write_bytes(saved_state["plain"].read_bytes())
    assert resolve_spec("random-vgg.pth") == "random-vgg.pth"
    assert load_weights("random-vgg.pth").sha256 == _sha256(folder / "random-vgg.pth")


def test_a_missing_weights_file_is_one_error_before_loading(tmp_path):
    with pytest.raises(SteelError, match=r"weights file .*nowhere\.pth does not exist"):
        resolve_spec(f"caffe:{tmp_path}/nowhere.pth")


def test_a_missing_weights_file_says_every_kind_of_weights_setting(tmp_path):
    with pytest.raises(SteelError, match=r"\(imagenet, hed, caffe:PATH, PATH or random\)"):
        resolve_spec(str(tmp_path / "nowhere.pth"))


def test_an_imagenet_cache_file_that_is_not_vgg16_names_the_cached_file(monkeypatch, tmp_path, no_network):
    cache = tmp_path / "hub" / "checkpoints" / "vgg16-397923af.pth"
    cache.parent.mkdir(parents=True)
    torch.save({"features.0.weight": torch.zeros(3)}, cache)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(SteelError, match="is not a VGG16 state dict") as caught:
        load_weights("imagenet")
    assert str(caught.value).startswith(f"{cache} is not")
