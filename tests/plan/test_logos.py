"""A logo entry checked while the workflow plans (steel.plan.logos): its image file, or its word and font."""

from __future__ import annotations

import errno
import os
import re
import sys

import pytest
from workflow_helpers import METAL_FONT

from steel.errors import SteelError
from steel.plan.logos import MAX_TEXT_CHARS, check_font_file, check_logo, check_text


def entry(image=None, text=None, font=None) -> dict:
    return {"image": image, "text": text, "font": font}


def test_a_text_of_the_longest_length_is_kept_stripped_and_one_more_is_refused():
    longest = "A" * MAX_TEXT_CHARS
    assert check_text(f"  {longest}\r\n") == longest
    assert check_text("Acme\r\nCorp") == "Acme\nCorp"
    with pytest.raises(SteelError, match=f"^the band name has {MAX_TEXT_CHARS + 1} characters; a logo shows"):
        check_text(longest + "A", what="band name")


def test_every_control_character_is_named():
    with pytest.raises(
        SteelError, match=r"^the text holds control characters \(U\+0007, U\+200E\); remove them$"
    ):
        check_text("Ac\u200eme\x07")


def test_a_font_file_is_a_font_by_its_first_bytes(tmp_path):
    assert check_font_file(METAL_FONT) == METAL_FONT
    (tmp_path / "fake.ttf").write_bytes(b"\x00\x01\x00")
    with pytest.raises(
        SteelError, match=r"fake\.ttf \(not a TrueType, OpenType or WOFF file\); give a \.ttf"
    ):
        check_font_file(tmp_path / "fake.ttf")
    with pytest.raises(SteelError, match=r"^font .*nowhere\.ttf does not exist; give a \.ttf or \.otf file$"):
        check_font_file(tmp_path / "nowhere.ttf")


@pytest.mark.skipif(sys.platform != "linux", reason="needs Linux's /proc")
def test_a_font_file_that_cannot_be_read_is_one_line_with_the_systems_reason():
    # a regular file whose first bytes cannot be read: a process's memory at address 0 (EIO)
    why = re.escape(os.strerror(errno.EIO))
    with pytest.raises(
        SteelError,
        match=rf"^cannot read font /proc/self/mem \({why}\); give a \.ttf or \.otf file$",
    ):
        check_font_file("/proc/self/mem")


def test_a_font_path_may_start_at_home(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "band.ttf").write_bytes(METAL_FONT.read_bytes())
    assert check_font_file("~/band.ttf") == tmp_path / "band.ttf"


@pytest.mark.parametrize(
    ("logo", "message"),
    [
        (entry(text="   "), "^style grimhollow: the text is empty; give the word to draw"),
        (entry(text="Acme", font="nowhere.ttf"), "^style grimhollow: font nowhere.ttf does not exist"),
        (
            entry(text="Ac\x07me", font=str(METAL_FONT)),
            r"^style grimhollow: the text holds control characters",
        ),
    ],
)
def test_a_word_logos_mistakes_name_the_entry(logo, message):
    with pytest.raises(SteelError, match=message):
        check_logo(logo, "style grimhollow")


def test_a_good_word_logo_and_an_image_logo_pass(tmp_path):
    check_logo(entry(text="Acme", font=str(METAL_FONT)), "content acme")
    check_logo(entry(text="Acme"), "content acme")  # the bundled font
    (tmp_path / "logo.png").write_bytes(b"")  # read by the jobs, not while planning
    check_logo(entry(image=str(tmp_path / "logo.png"), text="   ", font="nowhere.ttf"), "content acme")


def test_an_image_logo_is_a_regular_file_named_without_braces(tmp_path):
    """A missing or mistyped path, or one Snakemake would fill in as a wildcard, would let the
    workflow plan nothing over stale results; a pipe would block planning."""
    (tmp_path / "logo{x}.png").write_bytes(b"")
    os.mkfifo(tmp_path / "pipe.png")
    for image, words in (
        ("nowhere.png", "does not exist; check the path"),
        (str(tmp_path / "logo{x}.png"), "has { or } in its path, which the workflow reads as a wildcard"),
        (str(tmp_path), "is not a regular file (a folder, pipe or device)"),
        (str(tmp_path / "pipe.png"), "is not a regular file (a folder, pipe or device)"),
    ):
        with pytest.raises(SteelError, match=f"^content acme: image .* {re.escape(words)}") as error:
            check_logo(entry(image=image, text="Acme"), "content acme")
        assert "\n" not in str(error.value)
    with pytest.raises(SteelError, match=r"^font .* has \{ or \} in its path"):
        check_font_file(tmp_path / "logo{x}.png")
