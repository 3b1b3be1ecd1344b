"""Shared fixtures: tiny logos, random VGG16 weights and state dicts saved once per session.

Everything here is offline and CPU-only. Images are about 48x32 px (VGG16's five pooling stages
need at least 32 px on a side), so an optimisation step costs a few tens of milliseconds.
"""

from __future__ import annotations

import socket
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from steel.transfer.weights import load_weights

#: the file name torchvision caches VGG16_Weights.IMAGENET1K_V1 under
IMAGENET_FILE = "vgg16-397923af.pth"


def logo_array(width: int, height: int, seed: int) -> np.ndarray:
    """A white image with a band of dark, textured 'glyphs' in the middle (uint8, H x W x 3)."""
    rng = np.random.default_rng(seed)
    array = np.full((height, width, 3), 255, dtype=np.uint8)
    top, bottom = height // 4, height - height // 4
    left = width // 8
    while left < width - width // 8:
        glyph = int(rng.integers(3, 7))
        right = min(left + glyph, width - width // 8)
        array[top:bottom, left:right] = rng.integers(0, 140, size=(bottom - top, right - left, 3))
        left = right + int(rng.integers(1, 3))
    return array


def save_logo(path: Path, width: int, height: int, seed: int) -> Path:
    Image.fromarray(logo_array(width, height, seed), "RGB").save(path)
    return path


def logo_tensor(width: int, height: int, seed: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """(1, 3, H, W) on the 0-255 scale, as steel.io.images.load_image returns it."""
    array = logo_array(width, height, seed)
    return torch.from_numpy(array).permute(2, 0, 1).unsqueeze(0).to(dtype).contiguous()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    """One chunk of a PNG file: length, kind, data, checksum."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG that declares ``width`` x ``height`` pixels but holds almost no data."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\0" * 16))
        + png_chunk(b"IEND", b"")
    )
    return path


def png_chunk_bomb(path: Path, kind: str) -> Path:
    """A 48x32 logo as PNG with a ``kind`` ("zTXt" or "iCCP") chunk of 8 KB that inflates to 8 MB,
    past Pillow's cap on such chunks."""
    logo = save_logo(path, 48, 32, seed=3).read_bytes()
    name = b"Comment" if kind == "zTXt" else b"icc"
    bomb = png_chunk(kind.encode(), name + b"\0\0" + zlib.compress(b"\0" * 8 * 2**20, 9))
    end_of_header = 8 + 25  # the signature, then the IHDR chunk
    path.write_bytes(logo[:end_of_header] + bomb + logo[end_of_header:])
    return path


@pytest.fixture(scope="session")
def make_logo_tensor():
    """``make_logo_tensor(width, height, seed, dtype=torch.float32)``: a logo as a (1, 3, H, W) tensor."""
    return logo_tensor


@pytest.fixture(scope="session")
def make_logo_file():
    """``make_logo_file(path, width, height, seed)``: a logo saved as an image file."""
    return save_logo


@pytest.fixture(scope="session")
def make_png_chunk_bomb():
    """``make_png_chunk_bomb(path, kind)``: a logo whose zTXt or iCCP chunk is a decompression bomb."""
    return png_chunk_bomb


@pytest.fixture(scope="session")
def make_png_header_only():
    """``make_png_header_only(path, width, height)``: a PNG announcing a size it does not hold."""
    return png_header_only


@pytest.fixture(scope="session")
def logos(tmp_path_factory) -> dict[str, Path]:
    """Two PNG logos with a 3:2 aspect ratio, so that ``--width 48`` gives 48x32 images."""
    folder = tmp_path_factory.mktemp("logos")
    return {
        "style": save_logo(folder / "metal.png", 96, 64, seed=1),
        "content": save_logo(folder / "corp.png", 72, 48, seed=2),
    }


@pytest.fixture(scope="session")
def random_weights():
    """Seeded random VGG16 weights (the ``random`` mode), built once."""
    return load_weights("random")


@pytest.fixture(scope="session")
def saved_state(tmp_path_factory) -> dict:
    """A random VGG16 ``features`` state dict saved in the layouts the loader accepts (once per session).

    - ``prefixed``: ``features.N.weight`` keys only, also placed as torchvision's ImageNet cache file
      under ``torch_home/hub/checkpoints/``
    - ``full``: a full-model state dict (``features.*`` and ``classifier.*`` keys)
    - ``plain``: a features-only state dict (``N.weight`` keys)
    """
    folder = tmp_path_factory.mktemp("weights")
    state = load_weights("random:7").features.state_dict()
    prefixed = {f"features.{k}": v for k, v in state.items()}
    torch_home = folder / "torch_home"
    cache = torch_home / "hub" / "checkpoints" / IMAGENET_FILE
    cache.parent.mkdir(parents=True)
    torch.save(prefixed, cache)
    classifier = {"classifier.0.weight": torch.ones(4, 8), "classifier.0.bias": torch.zeros(4)}
    torch.save(prefixed | classifier, folder / "full.pth")
    torch.save(state, folder / "plain.pth")
    return {
        "state": state,
        "torch_home": torch_home,
        "imagenet": cache,
        "prefixed": cache,
        "full": folder / "full.pth",
        "plain": folder / "plain.pth",
    }


@pytest.fixture
def no_network(monkeypatch):
    """Make any attempt to reach the network fail at once (tests must be offline)."""

    def refuse(*args, **kwargs):
        raise OSError("network access is disabled in the tests")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
