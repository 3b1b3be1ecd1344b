"""The ``steel`` command."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from steel.blend import blend_weights
from steel.config import vector_options, working_style_width
from steel.errors import Interrupted, SteelError
from steel.layers import cell_id, parse_layer_spec
from steel.plan.run_folder import (
    ALPHA,
    DRAWN_CONTENT,
    DRAWN_STYLE,
    INTERRUPTED,
    INTERRUPTED_RECORD,
    LOSSES,
    MANIFEST,
    RECORD,
    STYLIZED,
    SVG,
    drawn_style,
)
from steel.presets import COMMAND_PRESET, PRESET_SETTINGS, PRESETS, preset_values
from steel.setting_row import Setting
from steel.settings import (
    BY_NAME,
    OUTLINE,
    OUTLINE_FIXED,
    OUTLINE_ROWS,
    OUTLINE_SWITCH,
    SETTINGS,
    OutlineOptions,
    RunOptions,
    Settings,
    outline_field,
    outline_problem,
)

if TYPE_CHECKING:
    from steel.cells.pair import StyleSource

BEST = "conv1_1=2000,conv1_2=2000,conv4_1=200,conv4_2=200,conv4_3=200"

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
Writes {STYLIZED}, {ALPHA}, {LOSSES} and {RECORD} into the output folder and lists
them in {MANIFEST}: a rerun replaces what the list names as a whole, and a file of the command's
names that the list does not name (it may be yours) is never overwritten: the run is refused.

No logo image yet? Draw a word instead: --content-text Acme [--font FONT.ttf] (default font: the
bundled Inter Bold), --style-text NAME --style-font METAL.ttf; the drawn logos are kept as
OUT/{DRAWN_CONTENT} and OUT/{DRAWN_STYLE}. SVG files are rasterised at the working width.

Several bands in one logo: --style a.png --style b.png --blend 0.7,0.3 (or --style-text words,
one --style-font each): each layer's Gram target is the styles' weighted mean; drawn styles of a
blend are kept as OUT/{drawn_style(1)}, OUT/{drawn_style(2)}, ...
"""

#: the command's argument groups: the settings of each config section, then the rest
GROUPS = {
    "optimizer": "optimiser (config: optimizer)",
    "loss": "loss (config: loss)",
    "image": "image (config: image)",
    None: "weights and seed",
    "execution": "where and how it runs (config: execution)",
    "vector": "vector logo (config: vector)",
    "outline": "outline method (--outline: the glyph outlines are optimised instead of pixels)",
    "outputs": "outputs",
}
#: the pixel optimiser's flags that the outline method replaces with its own
REPLACED_BY_OUTLINE = {
    "iterations": "--outline-iterations",
    "lr": "--outline-lr",
    "lr_schedule": "--outline-lr-final (the outline schedule is a cosine)",
    "lr_final": "--outline-lr-final",
}
#: flags that do nothing with --outline: the network runs eagerly in float32, and the result is
#: its own SVG (no trace)
UNUSED_BY_OUTLINE = (
    "channels_last",
    "fast",
    *(s.name for s in SETTINGS if s.target == "vector" and s.name != "svg"),
)


class _HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """The description as written, every option's default shown (a switch's is: off)."""

    def _get_help_string(self, action):
        if action.default is None or (
            action.nargs == 0 and not isinstance(action, argparse.BooleanOptionalAction)
        ):
            return action.help  # its help says what none means
        return super()._get_help_string(action)


class _Parser(argparse.ArgumentParser):
    """Argparse, whose refusals are one line (the usage is a --help away)."""

    def error(self, message: str):
        self.exit(2, f"steel: error: {message}; see {self.prog} --help\n")


def _argparse_type(parse):
    def convert(text: str):
        try:
            return parse(text)
        except (ValueError, SteelError) as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return convert


def _group_of(setting: Setting) -> str | None:
    if setting.target in (OUTLINE, OUTLINE_SWITCH):
        return OUTLINE
    if setting.key is None:
        return "outputs"
    return setting.section


def _add_setting(group, setting: Setting) -> None:
    """One setting's flag, as the table defines it."""
    options: dict = {"dest": setting.name, "help": setting.help}
    if setting.switch is not None:
        options |= {"action": "store_const", "const": setting.switch[1], "default": setting.switch[0]}
        group.add_argument(setting.flag, **options)
        return
    options["default"] = setting.command
    if setting.name in PRESETS[COMMAND_PRESET]:
        # filled from --preset unless given: None tells them apart
        options["default"] = None
        values = ", ".join(f"{name} {PRESETS[name][setting.name]}" for name in PRESETS)
        options["help"] += f" (default: the preset's: {values})"
    if setting.toggle:
        options["action"] = argparse.BooleanOptionalAction
    if setting.kind is not None:
        options["type"] = _argparse_type(setting.from_text)
    if setting.choices is not None:
        options["choices"] = setting.choices
    if setting.metavar is not None:
        options["metavar"] = setting.metavar
    group.add_argument(setting.flag, **options)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    from steel import DISTRIBUTION

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "(not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="steel", description="Neural font style transfer for logos.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    s = commands.add_parser(
        "stylize",
        help="stylize one content logo with one style logo",
        description=DESCRIPTION,
        formatter_class=_HelpFormatter,
    )
    logos = s.add_argument_group("logos")
    # one list in the order given, so that --blend's weights follow the styles however they mix
    logos.add_argument(
        "--style",
        dest="styles",
        action="append",
        type=lambda path: StyleArg(path=Path(path)),
        metavar="STYLE",
        help="style image (a metal logo): PNG, JPEG, WebP, BMP or SVG; repeat it (or --style-text) "
        "with --blend to blend several styles",
    )
    logos.add_argument(
        "--style-text",
        dest="styles",
        action="append",
        type=lambda word: StyleArg(text=word),
        metavar="WORD",
        help="draw this word in --style-font as the style (e.g. a band name); repeatable",
    )
    logos.add_argument(
        "--style-mask",
        action="append",
        metavar="PATH|alpha|auto",
        help="which pixels of the --style file are the logo (a logo on an album cover): a mask "
        "image of its size (white = logo), its own alpha channel, or auto (the lettering found); "
        "the Gram targets leave the rest out. Several --style: one each, in order (none: unmasked)",
    )
    logos.add_argument(
        "--blend",
        type=_argparse_type(parse_blend),
        metavar="WEIGHTS",
        help="the weights of two or more styles, in the order given (e.g. 0.7,0.3: normalised to "
        "sum 1): each layer's Gram target is their weighted mean",
    )
    content = logos.add_mutually_exclusive_group(required=True)
    content.add_argument(
        "--content", type=Path, help="content image (a plain logo): PNG, JPEG, WebP, BMP or SVG"
    )
    content.add_argument(
        "--content-text", metavar="WORD", help="draw this word in --font as the content (e.g. a company name)"
    )
    logos.add_argument(
        "--font", type=Path, help="font of --content-text, .ttf or .otf (none: the bundled Inter Bold)"
    )
    logos.add_argument(
        "--style-font",
        type=Path,
        action="append",
        help="font of --style-text, .ttf or .otf (e.g. a metal font); one for every --style-text, or "
        "one each, in their order",
    )
    logos.add_argument("-o", "--out", required=True, help="output folder")
    logos.add_argument(
        "--layers",
        action="append",
        type=_argparse_type(parse_layer_spec),
        metavar="SPEC",
        help=f"style layers and coefficients, e.g. {BEST} (repeatable; none: that one, the paper's "
        "best cell)",
    )
    s.add_argument(
        "--preset",
        choices=tuple(PRESETS),
        default=COMMAND_PRESET,
        help="quick: a hot Adam annealed along a cosine, 300 steps at 256 px, minutes on a CPU; paper: "
        "the paper's run, Adam at lr 1.0 for 50,000 steps at 384 px, hours on a GPU. Flags given "
        "explicitly win",
    )
    groups = {section: s.add_argument_group(title) for section, title in GROUPS.items()}
    for setting in SETTINGS:
        if setting.flag is not None:
            _add_setting(groups[_group_of(setting)], setting)
    return parser


def resolve_presets(args: argparse.Namespace) -> argparse.Namespace:
    """Fill the flags a preset sets and the user did not give from ``--preset``, for the run's
    optimiser (:func:`steel.presets.preset_values`)."""
    given = [name for name in PRESET_SETTINGS if getattr(args, name) is not None]
    for name, value in preset_values(args.preset, args.optimizer, given).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


def settings_from_args(args: argparse.Namespace) -> Settings:
    """:class:`Settings` from the command's flags (the table's rows with a flag and target settings)."""
    return Settings(
        **{s.name: getattr(args, s.name) for s in SETTINGS if s.target == "settings" and s.flag is not None}
    )


def run_options_from_args(args: argparse.Namespace) -> RunOptions:
    """:class:`RunOptions` from the command's flags (the table's rows with a flag)."""
    return RunOptions(
        settings=settings_from_args(args),
        outline=OutlineOptions(**{outline_field(s): getattr(args, s.name) for s in OUTLINE_ROWS}),
        **{s.name: getattr(args, s.name) for s in SETTINGS if s.target == "run" and s.flag is not None},
    )


def check_outline_flags(args: argparse.Namespace) -> None:
    """Refuse, in one line, a flag given that the run's method would not use: the outline method's
    without --outline; with it, the pixel optimiser's (before a preset fills them) and those that
    do nothing for outlines. A flag left at its default is not a flag given."""
    if not args.outline:
        for setting in OUTLINE_ROWS:
            if getattr(args, setting.name) != setting.command:
                raise SteelError(f"{setting.flag} is a setting of the outline method; add --outline")
        return
    if args.optimizer != BY_NAME["optimizer"].command:  # before a preset's schedule refuses it
        raise SteelError(
            f"--optimizer {args.optimizer} does not apply to outlines ({OUTLINE_FIXED['optimizer']})"
        )
    for name, instead in REPLACED_BY_OUTLINE.items():
        if getattr(args, name) is not None:
            raise SteelError(f"{BY_NAME[name].flag} is the pixel optimiser's; with --outline use {instead}")
    for name in UNUSED_BY_OUTLINE:
        if getattr(args, name) != BY_NAME[name].command:
            raise SteelError(f"{BY_NAME[name].flag} does nothing with --outline; leave it out")


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


def _out_folder(text: str) -> Path:
    """``--out`` as a folder; an empty one (an unset variable) would be the current folder."""
    if not text.strip():
        raise SteelError("--out is empty (an unset variable?); give a folder, e.g. --out out/")
    return Path(text)


@dataclass(frozen=True)
class StyleArg:
    """A --style file or a --style-text word, in the order given; ``font``: the word's, once known."""

    path: Path | None = None
    text: str | None = None
    font: Path | None = None
    mask: str | None = None  # a --style file's --style-mask


def parse_blend(text: str) -> tuple[float, ...]:
    """--blend's weights: numbers separated by commas (checked against the styles later)."""
    try:
        return tuple(float(part) for part in text.split(","))
    except ValueError:
        raise SteelError(f"{text!r} is not numbers separated by commas; e.g. --blend 0.7,0.3") from None


def _check_logo_options(args: argparse.Namespace) -> None:
    if args.font and args.content_text is None:
        raise SteelError("--font is the font of --content-text; give --content-text WORD too")
    styles = args.styles or []
    if not styles:
        raise SteelError("no style: give --style FILE (a metal logo) or --style-text WORD --style-font FONT")
    words = [i for i, style in enumerate(styles) if style.text is not None]
    fonts = args.style_font or []
    if fonts and not words:
        raise SteelError("--style-font is the font of --style-text; give --style-text WORD too")
    if words and not fonts:
        raise SteelError(
            "--style-text needs --style-font (a metal font, e.g. resources/fonts/MetalMania-Regular.ttf)"
        )
    if len(fonts) not in (1, len(words)):
        raise SteelError(
            f"{len(words)} --style-text but {len(fonts)} --style-font; give one font for all the words or "
            "one for each"
        )
    for n, i in enumerate(words):
        styles[i] = dataclasses.replace(styles[i], font=fonts[n if len(fonts) > 1 else 0])
    files = [i for i, style in enumerate(styles) if style.path is not None]
    masks = args.style_mask or []
    if masks and not files:
        raise SteelError("--style-mask masks a --style file (a logo on a cover); give --style FILE")
    if len(masks) not in (0, len(files)):
        raise SteelError(
            f"{len(files)} --style file(s) but {len(masks)} --style-mask; give one per --style, in "
            "their order (none: that style unmasked)"
        )
    for i, mask in zip(files, masks, strict=False):
        styles[i] = dataclasses.replace(styles[i], mask=None if mask == "none" else mask)
    if len(styles) == 1:
        if args.blend is not None:
            raise SteelError("--blend weighs two styles or more; give a second --style (or --style-text)")
        return
    if args.blend is None:
        raise SteelError(
            f"{len(styles)} styles but no --blend; give their weights in order, e.g. --blend "
            + ",".join(["1"] * len(styles))
        )
    if len(args.blend) != len(styles):
        raise SteelError(
            f"--blend has {len(args.blend)} weight(s) for {len(styles)} styles; give one weight per "
            "--style/--style-text, in their order"
        )
    blend_weights(list(args.blend), "--blend")


def _drawn_logos(args: argparse.Namespace, staged, content: bool = True) -> tuple[StyleSource, Path]:
    """The style (a file, or a blend's files and weights) and content files: given, or drawn from
    --style-text/--content-text (the content only with ``content``) and staged as OUT/style.png
    (a blend's: OUT/style-N.png, N its place among the styles) and OUT/content.png with the run's
    files (read from their staged copies until then), so that a failed run leaves none and a
    rerun replaces them with the rest."""
    from steel.cells.pair import MaskedStyle
    from steel.io.logo_text import render_text
    from steel.io.outputs import write_png

    drawn = {}  # every word is drawn before anything is written
    names = drawn_style_names(args)
    style_width = working_style_width(args.width, args.style_width)
    for style, name in zip(args.styles, names, strict=True):
        if style.text is not None:
            drawn[name] = render_text(style.text, style.font, style_width)
    if args.content_text is not None and content:
        drawn[DRAWN_CONTENT] = render_text(args.content_text, args.font, args.width)
    paths = {name: staged.stage(args.out / name, write_png(image)) for name, image in drawn.items()}
    files = [
        paths.get(name) or (style.path if style.mask is None else MaskedStyle(style.path, style.mask))
        for style, name in zip(args.styles, names, strict=True)
    ]
    style = files[0] if len(files) == 1 else list(zip(files, args.blend, strict=True))
    return style, paths.get(DRAWN_CONTENT, args.content)


def _nth(flag: str, i: int, given: list) -> str:
    """A repeated flag's name in a message: ``--style`` alone, ``--style (2 of 3)`` among several."""
    return flag if len(given) == 1 else f"{flag} ({i} of {len(given)})"


def drawn_style_names(args: argparse.Namespace) -> list[str]:
    """The name each style would be drawn under in --out (one style: style.png)."""
    return [drawn_style(None if len(args.styles) == 1 else i) for i in range(1, len(args.styles) + 1)]


@contextlib.contextmanager
def _written_or_one_line(out: Path):
    try:
        yield
    except OSError as error:  # a full disk, a folder made read-only mid-run
        raise SteelError(
            f"cannot write the results to {out} ({error.strerror or error}); "
            "free some space or choose another --out"
        ) from None


def stylize_command(args: argparse.Namespace) -> None:
    from steel.cells.stylize import run  # imports torch: keep --help fast
    from steel.io.out_folder import OutFolder
    from steel.io.outputs import StagedFiles

    args.out = _out_folder(args.out)
    _check_logo_options(args)
    cells = args.layers or [parse_layer_spec(BEST)]
    out_dirs = [args.out] if len(cells) == 1 else [args.out / cell_id(c) for c in cells]
    options = run_options_from_args(args)
    fonts = args.style_font or []
    inputs = {
        **{_nth("--style", i, args.styles): style.path for i, style in enumerate(args.styles, 1)},
        "--content": args.content,
        "--font": args.font,
        **{_nth("--style-font", i, fonts): font for i, font in enumerate(fonts, 1)},
        **{
            _nth("--style-mask", i, args.styles): Path(style.mask)
            for i, style in enumerate(args.styles, 1)
            if style.mask not in (None, "alpha", "auto")
        },
    }
    drawn = [name for style, name in zip(args.styles, drawn_style_names(args), strict=True) if style.text]
    drawn += [DRAWN_CONTENT] if args.content_text is not None else []
    if args.outline:  # every cell's folder holds the content as its outlines were drawn
        drawn = [*{*drawn, DRAWN_CONTENT}]
        _check_outline_run(options)
    folder = OutFolder(args.out, out_dirs, inputs, drawn, outline=args.outline)
    folder.check()
    with (
        _written_or_one_line(args.out),
        _output_folder(args.out),
        folder.under_way(),
        StagedFiles() as staged,  # committed by the folder, with its list of files
    ):
        if args.outline:
            records = _outline_run(args, cells, out_dirs, options, staged)
        else:
            style, content = _drawn_logos(args, staged)
            records = run(style, content, cells, out_dirs, options, staged)
        folder.commit(staged)
    for out, record in zip(out_dirs, records, strict=True):
        made = f"{out / SVG} and {STYLIZED}" if args.outline else f"{out / STYLIZED}"
        print(f"{made}  ({record['seconds_per_iteration']:.3f} s/step on {record['device']})")
    options = vector_options(vars(args))
    if options["svg"] and not args.outline:  # an outline result is its own SVG
        from steel.cells.trace import trace_cell
        from steel.render.vector import TraceSettings

        with _written_or_one_line(args.out), StagedFiles() as staged:
            traces = [
                trace_cell(out, TraceSettings.from_options(options), args.content_text, staged)
                for out in out_dirs
            ]
            folder.commit(staged, replace=False)
        for out, trace in zip(out_dirs, traces, strict=True):
            print(
                f"{out / SVG}  ({trace['mode']} trace, {trace['vector_paths']} paths, "
                f"ink IoU {trace['vector_iou']})"
            )


def _check_outline_run(options: RunOptions) -> None:
    problem = outline_problem(options)
    if problem:
        name, why = problem
        raise SteelError(f"{BY_NAME[name].flag} {why}")


def _outline_run(args: argparse.Namespace, cells, out_dirs, options: RunOptions, staged) -> list[dict]:
    """The outline method's run: the style as given or drawn, the content laid out as outlines."""
    from steel.cells.outline import content_outlines, stylize_outline

    style, _ = _drawn_logos(args, staged, content=False)
    content = content_outlines(args.content, text=args.content_text, font=args.font, width=args.width)
    return stylize_outline(style, content, cells, out_dirs, options, staged)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "stylize":
            check_outline_flags(args)
            stylize_command(resolve_presets(args))
    except SteelError as error:
        print(f"steel: error: {error}", file=sys.stderr)
        return 2
    except Interrupted as stop:
        where = args.out / INTERRUPTED if len(args.layers or [None]) == 1 else args.out / "*" / INTERRUPTED
        print(
            f"steel: interrupted at step {stop.step} of {stop.total}; the newest image is {where} "
            f"({INTERRUPTED_RECORD} says so); no finished files were written",
            file=sys.stderr,
        )
        return 130
    except KeyboardInterrupt:
        print("steel: interrupted; no finished files were written", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
