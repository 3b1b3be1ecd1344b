"""Training MSG-Net (:mod:`steel.msgnet.model`) on the config's logos, and stylizing with it.

The loss network is this package's frozen VGG16 (:class:`steel.transfer.features.VGGFeatures`, whatever
weights :func:`steel.transfer.weights.load_weights` loads): style on relu1_2, relu2_2, relu3_3, relu4_3
(mean squared error between Gram matrices normalised by C*H*W), content on relu2_2 (mean squared
error), as in the public MSG-Net code. The paper fine-tuned with style weight 10000, content weight
1 and learning rate 1.0 (Adam): those are the defaults.

Logos are wide: every content is scaled to the training width with its aspect kept and laid on a
white canvas as tall as the tallest one (never squashed); each training sample is one of them,
randomly scaled down, shifted and rotated a little on white (no colour inversion). Each step
trains one style (the styles take turns, as in the public code) on a batch of such samples.

Training checkpoints every ``checkpoint_every`` steps (model, optimiser, random state, loss log),
written atomically with :class:`steel.io.outputs.StagedFiles`, and resumes a checkpoint that matches
its settings, weights and images to the same state.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from steel.errors import SteelError
from steel.io.outputs import StagedFiles
from steel.msgnet.model import NGF, MSGNet, gram_matrix, load_public_checkpoint
from steel.transfer.features import VGGFeatures
from steel.transfer.weights import Weights

STYLE_LAYERS = ("relu1_2", "relu2_2", "relu3_3", "relu4_3")
CONTENT_LAYER = "relu2_2"
#: the cell name of MSG-Net's results in results/runs/{style}/{content}/
CELL = "msgnet"
#: bumped when training changes what it computes (a checkpoint of another version is not resumed)
TRAIN_VERSION = 1


@dataclass(frozen=True)
class MSGNetSettings:
    """What shapes a trained model. Bad values are one-line :class:`SteelError`s."""

    steps: int = 2000
    batch_size: int = 4
    width: int = 256
    lr: float = 1.0
    style_weight: float = 10000.0
    content_weight: float = 1.0
    seed: int = 0
    ngf: int = NGF
    #: augmentation: smallest scale of a logo on its canvas (1 = no scaling), largest rotation
    min_scale: float = 0.75
    max_rotation: float = 5.0

    def __post_init__(self):
        def need(ok: bool, what: str) -> None:
            if not ok:
                raise SteelError(f"msgnet: {what}")

        for name in ("steps", "batch_size", "width", "ngf", "seed"):
            value = getattr(self, name)
            need(
                isinstance(value, int) and not isinstance(value, bool),
                f"{name} must be an integer, not {value!r}",
            )
        for name in ("lr", "style_weight", "content_weight", "min_scale", "max_rotation"):
            value = getattr(self, name)
            need(
                isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value),
                f"{name} must be a finite number, not {value!r}",
            )
        need(self.steps >= 1, f"steps must be at least 1, not {self.steps}")
        need(self.batch_size >= 1, f"batch_size must be at least 1, not {self.batch_size}")
        need(self.width >= 32, f"width must be at least 32 px, not {self.width}")
        need(self.ngf >= 1, f"ngf must be at least 1, not {self.ngf}")
        need(self.lr > 0, f"lr must be above 0, not {self.lr}")
        need(self.style_weight >= 0, f"style_weight must be 0 or more, not {self.style_weight}")
        need(self.content_weight >= 0, f"content_weight must be 0 or more, not {self.content_weight}")
        need(self.style_weight + self.content_weight > 0, "style_weight and content_weight are both 0")
        need(0 < self.min_scale <= 1, f"min_scale must be in (0, 1], not {self.min_scale}")
        need(0 <= self.max_rotation <= 45, f"max_rotation must be 0-45 degrees, not {self.max_rotation}")

    @classmethod
    def from_config(cls, section: dict, seed: int = 0) -> MSGNetSettings:
        """From the config's ``msgnet:`` section (keys that do not shape the model are ignored)."""
        fields = {f.name for f in dataclasses.fields(cls)} - {"seed"}
        return cls(seed=seed, **{k: v for k, v in section.items() if k in fields})


@dataclass
class TrainResult:
    model: MSGNet
    rows: list[dict[str, float]]  # iteration, total, content, style per step
    steps_run: int  # steps run by this call (fewer than settings.steps after a resume)
    seconds: float


# --- data ------------------------------------------------------------------------------------


def canvas_batch(images: Sequence[torch.Tensor], multiple: int = 4) -> torch.Tensor:
    """(N, 3, H, W): (1, 3, h, W) images of one width centred on a white canvas as tall as the
    tallest, rounded up to ``multiple`` (aspect kept: logos are padded, never squashed)."""
    width = images[0].shape[-1]
    if any(image.shape[-1] != width for image in images):
        raise ValueError("canvas_batch needs images of one width")
    height = max(image.shape[-2] for image in images)
    height += -height % multiple
    canvas = torch.full((len(images), 3, height, width), 255.0)
    for i, image in enumerate(images):
        top = (height - image.shape[-2]) // 2
        canvas[i, :, top : top + image.shape[-2]] = image[0]
    return canvas


def augment(
    canvas: torch.Tensor, batch_size: int, generator: torch.Generator, min_scale: float, max_rotation: float
) -> torch.Tensor:
    """``batch_size`` samples of the canvases: each a random one, scaled by [min_scale, 1], rotated
    by up to ``max_rotation`` degrees and shifted within the room the scaling leaves, on white."""
    n, _, h, w = canvas.shape
    pick = torch.randint(n, (batch_size,), generator=generator)
    u = torch.rand(batch_size, 4, generator=generator)
    scale = min_scale + (1 - min_scale) * u[:, 0]
    angle = torch.deg2rad((2 * u[:, 1] - 1) * max_rotation)
    # shift in pixels within the free room left by the scaling
    tx = (2 * u[:, 2] - 1) * (1 - scale) * w / 2
    ty = (2 * u[:, 3] - 1) * (1 - scale) * h / 2
    # output pixel p (centred) comes from input pixel R(-a) (p - t) / s; in affine_grid's
    # normalised coordinates x_n = x / (w / 2), y_n = y / (h / 2)
    cos, sin = torch.cos(angle), torch.sin(angle)
    a = torch.stack([cos, sin, -sin, cos], 1).view(batch_size, 2, 2) / scale.view(-1, 1, 1)
    d = torch.tensor([w / 2, h / 2])
    a_n = a * d.view(1, 1, 2) / d.view(1, 2, 1)  # D^-1 A D
    t_n = torch.stack([tx / (w / 2), ty / (h / 2)], 1)
    theta = torch.cat([a_n, -(a_n @ t_n.unsqueeze(2))], 2)
    grid = F.affine_grid(theta, (batch_size, 3, h, w), align_corners=False)
    samples = F.grid_sample(
        canvas[pick] - 255.0, grid, mode="bilinear", padding_mode="zeros", align_corners=False
    )
    return samples + 255.0


# --- training --------------------------------------------------------------------------------


def _fingerprint(settings: MSGNetSettings, weights: Weights, styles, contents, init: str | None) -> str:
    digest = hashlib.sha256()
    digest.update(
        json.dumps(
            [TRAIN_VERSION, dataclasses.asdict(settings), weights.spec, weights.sha256, init], sort_keys=True
        ).encode()
    )
    for image in (*styles, *contents):
        digest.update(str(tuple(image.shape)).encode())
        digest.update(image.detach().cpu().numpy().tobytes())
    return digest.hexdigest()


def _losses(model, vgg, x, style, style_grams, settings, content_vgg=None) -> dict[str, torch.Tensor]:
    """``content_vgg``: the loss network truncated after the content layer, for the target (the
    content batch changes every step; it needs no deeper layer); ``None`` uses ``vgg``."""
    y = model(x, model.style_gram(style))
    features_y = vgg(y)
    with torch.no_grad():
        target = (content_vgg or vgg)(x)[CONTENT_LAYER]
    content = settings.content_weight * F.mse_loss(features_y[CONTENT_LAYER], target)
    style_loss = sum(
        F.mse_loss(gram_matrix(features_y[layer]), style_grams[layer].expand(x.shape[0], -1, -1))
        for layer in STYLE_LAYERS
    )
    style_loss = settings.style_weight * style_loss
    return {"total": content + style_loss, "content": content, "style": style_loss}


def train(
    weights: Weights,
    styles: Sequence[torch.Tensor],
    contents: Sequence[torch.Tensor],
    settings: MSGNetSettings,
    *,
    device: torch.device | str = "cpu",
    checkpoint: Path | None = None,
    checkpoint_every: int = 0,
    init: str | Path | None = None,
    on_log: Callable[[dict[str, float]], None] | None = None,
    log_every: int = 0,
    stop_after: int | None = None,
) -> TrainResult:
    """Train MSG-Net on every style x content. ``styles`` and ``contents`` are (1, 3, h, w) 0-255
    tensors, the contents all at ``settings.width`` wide. With ``checkpoint``, state is saved there
    every ``checkpoint_every`` steps and a matching checkpoint is resumed. ``init``: a public
    MSG-Net ``.model`` file to start from. ``stop_after`` ends the call after that step (as an
    interruption would; for tests)."""
    started = time.perf_counter()
    device = torch.device(device)
    if not styles or not contents:
        raise SteelError("msgnet: training needs at least one style and one content")
    torch.manual_seed(settings.seed)
    model = MSGNet(settings.ngf)
    if init is not None:
        load_public_checkpoint(model, init)
    model.to(device).train()
    vgg = VGGFeatures(weights, STYLE_LAYERS).to(device)
    content_vgg = VGGFeatures(weights, (CONTENT_LAYER,)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.lr)
    generator = torch.Generator().manual_seed(settings.seed)
    canvas = canvas_batch(contents)
    style_images = [s.to(device) for s in styles]
    with torch.no_grad():
        style_grams = [{k: gram_matrix(v) for k, v in vgg(s).items()} for s in style_images]

    fingerprint = _fingerprint(settings, weights, styles, contents, None if init is None else str(init))
    step, rows = 0, []
    if checkpoint is not None and Path(checkpoint).is_file():
        try:
            state = torch.load(checkpoint, map_location=device, weights_only=True)
        except Exception:
            state = None
        if state is not None and state.get("fingerprint") == fingerprint:
            model.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
            generator.set_state(state["generator"])
            step, rows = state["step"], state["rows"]

    first = step
    while step < settings.steps:
        x = augment(canvas, settings.batch_size, generator, settings.min_scale, settings.max_rotation).to(
            device
        )
        which = step % len(style_images)
        optimizer.zero_grad(set_to_none=True)
        parts = _losses(model, vgg, x, style_images[which], style_grams[which], settings, content_vgg)
        parts["total"].backward()
        optimizer.step()
        step += 1
        row = {"iteration": step, **{k: float(v.detach()) for k, v in parts.items()}}
        if not math.isfinite(row["total"]):
            raise SteelError(f"msgnet: the loss is not finite at step {step}; lower msgnet.lr or the weights")
        rows.append(row)
        if on_log is not None and log_every and (step % log_every == 0 or step == settings.steps):
            on_log(row)
        if checkpoint is not None and checkpoint_every and step % checkpoint_every == 0:
            state = {
                "fingerprint": fingerprint,
                "step": step,
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "generator": generator.get_state(),
                "rows": rows,
            }
            with StagedFiles() as staged:
                staged.stage(Path(checkpoint), lambda tmp, state=state: torch.save(state, tmp))
        if stop_after is not None and step >= stop_after:
            break
    model.eval()
    return TrainResult(model, rows, step - first, time.perf_counter() - started)


# --- saving, loading, stylizing --------------------------------------------------------------


def save_model(model: MSGNet, settings: MSGNetSettings, weights: Weights) -> Callable[[Path], None]:
    """A writer of the model file (state dict and what made it)."""
    state = {
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "ngf": model.ngf,
        "settings": dataclasses.asdict(settings),
        "weights": weights.spec,
        "train_version": TRAIN_VERSION,
    }
    return lambda tmp: torch.save(state, tmp)


def load_model(path: str | Path, device: torch.device | str = "cpu") -> tuple[MSGNet, dict]:
    path = Path(path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        model = MSGNet(int(state["ngf"]))
        model.load_state_dict(state["state_dict"])
    except Exception as error:
        raise SteelError(
            f"cannot load the MSG-Net model {path} ({type(error).__name__}); retrain it"
        ) from None
    return model.to(device).eval(), state


@torch.no_grad()
def stylize(model: MSGNet, style: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
    """One forward pass: the content (1, 3, H, W) in the style, 0-255, same size as the content."""
    device = next(model.parameters()).device
    return model(content.to(device), model.style_gram(style.to(device))).clamp(0, 255).cpu()


# --- jobs (the workflow's scripts call these) --------------------------------------------------


def load_at_width(path: str, width: int) -> torch.Tensor:
    """A logo at ``width`` px, aspect kept. Unlike a cell's image it may be flatter than VGG16's
    five pooling stages allow: the loss network stops at relu4_3 and the canvas is padded."""
    from PIL import Image

    from steel.io.images import is_svg, read_image, to_tensor
    from steel.io.limits import check_pixels, check_upscale

    image = read_image(path, width)
    if not is_svg(path):
        check_upscale(image.size, width, f"MSG-Net training logo {path}")
    height = max(8, round(image.height * width / image.width))
    check_pixels((width, height), f"MSG-Net training logo {path} at msgnet.width {width}")
    return to_tensor(image.resize((width, height), Image.Resampling.LANCZOS))
