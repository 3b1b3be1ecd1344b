"""The ``steel`` command."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections.abc import Callable
from pathlib import Path

from steel.errors import SteelError
from steel.layers import LAYERS, cell_id, parse_layer_spec
from steel.losses import DEFAULT_STYLE_WEIGHTS, NORMALISES
from steel.optimise import INITS, LR_SCHEDULES, OPTIMIZERS, Settings
from steel.run_folder import STYLIZED

BEST = "conv1_1=2000,conv1_2=2000,conv4_1=200,conv4_2=200,conv4_3=200"
DEFAULTS = Settings()

DESCRIPTION = f"""\
Put the font style of a heavy-metal logo (--style) onto a plain logo (--content) by optimising
the pixels of a copy of the content image so that its VGG16 Gram matrices match the style's
(Network of Steel, Ter-Sarkisov 2020).

example (the paper's best cell):
  steel stylize --style band.png --content company.png --out out/ \\
      --layers {BEST} --iterations 500 --width 384

--layers LAYER=COEFFICIENT,...: convB_J is a convolution output before its ReLU (the paper's
choice), reluB_J after it, poolB a pooling output. Repeat --layers to optimise several cells
together as one batch; each then goes to OUT/<cell id>/.
Writes stylized.png, losses.tsv and run.json into the output folder.

No logo image yet? Draw a word instead: --content-text Acme [--font FONT.ttf] (default font: the
bundled Inter Bold), --style-text NAME --style-font METAL.ttf; the drawn logos are kept as
OUT/content.png and OUT/style.png. SVG files are rasterised at the working width.
"""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} must be at least 1")
    return value


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"{text} must be >= 0")
    return value


def _numbers(kind: type) -> Callable[[str], tuple]:
    """A comma-separated list of ``kind`` (checked further by Settings)."""

    def parse(text: str) -> tuple:
        try:
            return tuple(kind(part) for part in text.split(","))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of numbers") from None

    return parse


def _layers(text: str) -> dict[str, float]:
    try:
        return parse_layer_spec(text)
    except SteelError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="steel", description="Neural font style transfer for logos.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    s = commands.add_parser(
        "stylize",
        help="stylize one content logo with one style logo",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    style = s.add_mutually_exclusive_group(required=True)
    style.add_argument("--style", type=Path, help="style image (a metal logo): PNG, JPEG, WebP, BMP or SVG")
    style.add_argument(
        "--style-text", metavar="WORD", help="draw this word in --style-font as the style (e.g. a band name)"
    )
    content = s.add_mutually_exclusive_group(required=True)
    content.add_argument(
        "--content", type=Path, help="content image (a plain logo): PNG, JPEG, WebP, BMP or SVG"
    )
    content.add_argument(
        "--content-text", metavar="WORD", help="draw this word in --font as the content (e.g. a company name)"
    )
    s.add_argument(
        "--font", type=Path, help="font of --content-text, .ttf or .otf (default: the bundled Inter Bold)"
    )
    s.add_argument("--style-font", type=Path, help="font of --style-text, .ttf or .otf (e.g. a metal font)")
    s.add_argument("--out", required=True, type=Path, help="output folder")
    s.add_argument(
        "--layers",
        action="append",
        type=_layers,
        metavar="SPEC",
        help=f"style layers and coefficients, e.g. {BEST} (repeatable; this is the default)",
    )
    s.add_argument(
        "--weights",
        default="imagenet",
        help="imagenet (torchvision, downloaded once), caffe:PATH, PATH (torchvision state "
        "dict) or random[:SEED] (default: %(default)s)",
    )
    s.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps (default: auto)")
    s.add_argument(
        "--width",
        type=_positive_int,
        default=384,
        help="resize the content to this width, keeping its aspect ratio (default: %(default)s)",
    )
    s.add_argument(
        "--style-width",
        type=_positive_int,
        help="resize the style to this width (default: --width)",
    )
    s.add_argument(
        "--iterations",
        type=_positive_int,
        default=DEFAULTS.iterations,
        help="optimisation steps (at the full width, see --scales); the paper used 50,000 "
        "(default: %(default)s)",
    )
    s.add_argument("--optimizer", choices=OPTIMIZERS, default=DEFAULTS.optimizer)
    s.add_argument(
        "--lr",
        type=_non_negative,
        default=DEFAULTS.lr,
        help="learning rate on the 0-255 pixel scale (default: %(default)s)",
    )
    s.add_argument(
        "--lr-schedule",
        choices=LR_SCHEDULES,
        default=DEFAULTS.lr_schedule,
        help="constant, or cosine: from --lr down to --lr-final within each scale (default: %(default)s)",
    )
    s.add_argument(
        "--lr-final",
        type=_non_negative,
        default=DEFAULTS.lr_final,
        help="the cosine schedule's last learning rate (default: %(default)s)",
    )
    s.add_argument(
        "--scales",
        type=_numbers(float),
        default=DEFAULTS.scales,
        metavar="S,...,1",
        help="coarse to fine: optimise at each fraction of --width in turn, e.g. 0.25,0.5,1 "
        "(default: 1, the full width only)",
    )
    s.add_argument(
        "--coarse-iterations",
        type=_numbers(int),
        default=DEFAULTS.coarse_iterations,
        metavar="N,...",
        help="steps at each scale below 1, e.g. 400,200 (default: --iterations at each); "
        "--iterations are the steps at the full width",
    )
    s.add_argument("--init", choices=INITS, default=DEFAULTS.init, help="starting image (default: content)")
    s.add_argument("--seed", type=int, default=DEFAULTS.seed)
    s.add_argument(
        "--content-layer",
        choices=LAYERS,
        default=DEFAULTS.content_layer,
        metavar="LAYER",
        help="layer of the content loss (default: %(default)s)",
    )
    s.add_argument("--content-weight", type=_non_negative, default=DEFAULTS.content_weight)
    s.add_argument(
        "--tv-weight",
        type=_non_negative,
        default=DEFAULTS.tv_weight,
        help="total-variation weight, the paper's 'regularization constant' (default: %(default)s)",
    )
    s.add_argument(
        "--normalise",
        choices=NORMALISES,
        default=DEFAULTS.normalise,
        help="the style loss's scale: paper (eq. 3, Adam sees only the coefficients' ratios), gatys "
        "(1/(4 N^2 M^2) per layer: --content-weight / --style-weight trade readability against "
        "style) or rrmina (table 1's baseline code) (default: %(default)s)",
    )
    s.add_argument(
        "--style-weight",
        type=_non_negative,
        help="global style weight multiplying every coefficient (default: paper 1, gatys "
        f"{DEFAULT_STYLE_WEIGHTS['gatys']:g}, rrmina {DEFAULT_STYLE_WEIGHTS['rrmina']:g})",
    )
    s.add_argument(
        "--log-every",
        type=_positive_int,
        default=DEFAULTS.log_every,
        help="write a row of losses.tsv every N steps (default: %(default)s)",
    )
    s.add_argument(
        "--snapshot-every",
        type=_positive_int,
        default=0,
        metavar="N",
        help="save snapshots/stepNNNNNN.png every N steps",
    )
    s.add_argument("--gif", action="store_true", help="also write optimisation.gif from the snapshots")
    s.add_argument(
        "--checkpoint-every",
        type=_positive_int,
        default=0,
        metavar="N",
        help="save a resumable checkpoint every N steps; a rerun with the same settings resumes",
    )
    s.add_argument(
        "--amp",
        action="store_true",
        help="bfloat16 autocast of the network on CUDA or the CPU (faster on bf16 units; changes results)",
    )
    s.add_argument("--channels-last", action="store_true", help="CUDA: channels-last memory layout")
    s.add_argument(
        "--eager",
        action="store_true",
        help="CUDA: run each step eagerly instead of replaying it as a CUDA graph (the fast path, "
        "on by default with Adam on CUDA; results agree within float rounding)",
    )
    s.add_argument(
        "--invert",
        choices=("auto", "true", "false"),
        default="auto",
        help="light glyphs on a dark ground: optimise the inverted logo and invert the result back; "
        "auto = when the content's border is dark (default: %(default)s)",
    )
    s.add_argument(
        "--grey",
        action="store_true",
        help="optimise one grey channel (R = G = B): no colour pixel can appear; for monochrome logos",
    )
    s.add_argument(
        "--alpha",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also write stylized_alpha.png, the result with its background transparent (default: on)",
    )
    s.add_argument(
        "--shape-weight",
        type=_non_negative,
        default=DEFAULTS.shape_weight,
        help="weight of the shape term: ink added far from the content's glyphs costs its distance "
        "beyond --shape-reach (default: %(default)s = off; try 1-100)",
    )
    s.add_argument(
        "--shape-reach",
        type=_non_negative,
        default=DEFAULTS.shape_reach,
        help="px at the working width from the glyphs where ink stays free (default: %(default)s)",
    )
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


@contextlib.contextmanager
def _output_folder(out: Path):
    """``out`` created and shown to be writable (a probe file written and removed) before the first
    step, so that a read-only or full folder fails in seconds, not after hours; the folders this
    creates are removed again (when empty) if the run fails."""
    if out.exists() and not out.is_dir():
        raise SteelError(f"--out {out} is a file; give a folder")
    created = [folder for folder in (out, *out.parents) if not folder.exists()]
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".steel-write-probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        _remove_empty(created)
        raise SteelError(
            f"cannot write to --out {out} ({error.strerror or error}); choose a folder you can write to"
        ) from None
    try:
        yield out
    except BaseException:
        _remove_empty(created)
        raise


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:  # deepest first
        with contextlib.suppress(OSError):
            folder.rmdir()


def _png_bytes(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@contextlib.contextmanager
def _text_logos(args: argparse.Namespace):
    """The style and content files: given, or drawn from --style-text/--content-text into
    OUT/style.png and OUT/content.png (removed again if the run fails: no files are left behind).
    A file of that name that is not the same drawing is never overwritten: it may be the user's."""
    from steel.logo_text import render_text

    if args.font and args.content_text is None:
        raise SteelError("--font is the font of --content-text; give --content-text WORD too")
    if args.style_font and args.style_text is None:
        raise SteelError("--style-font is the font of --style-text; give --style-text WORD too")
    if args.style_text is not None and args.style_font is None:
        raise SteelError(
            "--style-text needs --style-font (a metal font, e.g. resources/fonts/MetalMania-Regular.ttf)"
        )
    drawn = {}  # every word is drawn before anything is written
    if args.style_text is not None:
        drawn["style.png"] = render_text(args.style_text, args.style_font, args.style_width or args.width)
    if args.content_text is not None:
        drawn["content.png"] = render_text(args.content_text, args.font, args.width)
    encoded = {name: _png_bytes(image) for name, image in drawn.items()}
    for name, data in encoded.items():
        path = args.out / name
        if path.exists() and (not path.is_file() or path.read_bytes() != data):
            raise SteelError(
                f"{path} exists and is not this run's drawing of the word; it may be yours: "
                "choose another --out, or move it away"
            )
    written = []
    try:
        for name, data in encoded.items():
            path = args.out / name
            if not path.exists():
                path.write_bytes(data)
                written.append(path)
        yield (
            args.out / "style.png" if "style.png" in drawn else args.style,
            args.out / "content.png" if "content.png" in drawn else args.content,
        )
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise


def stylize_command(args: argparse.Namespace) -> None:
    from steel.run import run  # imports torch: keep --help fast

    cells = args.layers or [parse_layer_spec(BEST)]
    out_dirs = [args.out] if len(cells) == 1 else [args.out / cell_id(c) for c in cells]
    settings = Settings(
        iterations=args.iterations,
        optimizer=args.optimizer,
        lr=args.lr,
        lr_schedule=args.lr_schedule,
        lr_final=args.lr_final,
        scales=args.scales,
        coarse_iterations=args.coarse_iterations,
        init=args.init,
        seed=args.seed,
        content_layer=args.content_layer,
        content_weight=args.content_weight,
        tv_weight=args.tv_weight,
        normalise=args.normalise,
        style_weight=args.style_weight,
        log_every=args.log_every,
        snapshot_every=args.snapshot_every or 0,
        amp=args.amp,
        channels_last=args.channels_last,
        colour="grey" if args.grey else "rgb",
        shape_weight=args.shape_weight,
        shape_reach=args.shape_reach,
    )
    with _output_folder(args.out), _text_logos(args) as (style, content):
        try:
            records = run(
                style,
                content,
                cells,
                out_dirs,
                settings=settings,
                weights=args.weights,
                device=args.device,
                width=args.width,
                style_width=args.style_width,
                gif=args.gif,
                checkpoint_every=args.checkpoint_every,
                progress=False if args.quiet else None,
                fast=False if args.eager else None,
                invert=args.invert,
                alpha=args.alpha,
            )
        except OSError as error:  # a full disk, a folder made read-only mid-run
            raise SteelError(
                f"cannot write the results to {args.out} ({error.strerror or error}); "
                "free some space or choose another --out"
            ) from None
    for out, record in zip(out_dirs, records, strict=True):
        print(f"{out / STYLIZED}  ({record['seconds_per_iteration']:.3f} s/step on {record['device']})")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "stylize":
            stylize_command(args)
    except SteelError as error:
        print(f"steel: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("steel: interrupted; no finished files were written", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
