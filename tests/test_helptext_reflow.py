"""Command help is reflowed to the terminal's width: a docstring wrapped at 100 columns in the
source must not end ragged at 80 (typer keeps docstring line breaks in rich mode)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from mlsd.cli.helptext import reflow


def test_lines_of_a_paragraph_are_joined_and_paragraphs_kept():
    text = "First line\nsecond line.\n\nNext paragraph\n  continues here."
    assert reflow(text) == "First line second line.\n\nNext paragraph continues here."


def test_list_items_keep_their_own_lines_and_continuations_join_them():
    text = "Steps:\n- one thing\n  that wraps\n- another\n1. numbered"
    assert reflow(text) == "Steps:\n- one thing that wraps\n- another\n1. numbered"


def test_a_paragraph_marked_with_click_no_rewrap_is_kept():
    text = "Intro.\n\n\b\nkeep   this\nas is"
    assert reflow(text) == text


@pytest.mark.parametrize("command", ["grade", "practice", "export", "mock", "review"])
def test_help_at_60_columns_has_no_ragged_lines(command):
    env = dict(os.environ, NO_COLOR="1", COLUMNS="60", MLSD_NO_CACHE="1")
    out = subprocess.run([sys.executable, "-m", "mlsd", command, "--help"], env=env, capture_output=True,
                         text=True, timeout=60).stdout
    description = out.split("╭")[0].splitlines()  # the prose above the option panels
    lines = [line.rstrip() for line in description if line.strip()]
    # a ragged break leaves a line far shorter than the width while the next line goes on the same
    # paragraph; at 60 columns a reflowed paragraph's lines (but its last) are at least 40 long
    for line, following in zip(lines, lines[1:]):
        if following.strip() and not line.strip().startswith(("Usage:", "Examples:")) and line == line.rstrip(".:"):
            assert len(line) >= 40, f"ragged line in `mlsd {command} --help`: {line!r}"
