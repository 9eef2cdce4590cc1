"""The terminal environment a session runs in, injected so tests can swap it.

Like httpie's Environment: the console, where input lines come from, the
clock and whether stdin is a terminal live in one object.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from typing import Callable

from rich.console import Console


def _read_line(prompt: str) -> str:
    # input() gives readline editing on a terminal; EOFError on Ctrl-D.
    return input(prompt)


def _read_line_timed(prompt, timeout: float | None, initial: str = "") -> str:
    # select()-based on POSIX, so a mock interview can move on mid-line.
    from mlsd.tui.answer_input import read_line_timed

    return read_line_timed(prompt, timeout, initial)


def _open_editor(initial: str) -> str:
    from mlsd.tui.editor import edit_text  # only when asked for

    return edit_text(initial)


@dataclass
class Context:
    console: Console = field(default_factory=Console)
    err_console: Console = field(default_factory=lambda: Console(stderr=True))
    read_line: Callable[[str], str] = _read_line
    # (prompt or prompt function, timeout seconds or None, text typed so far) -> line;
    # raises mlsd.tui.answer_input.LineTimeout(partial) when the time is up
    read_line_timed: Callable[..., str] = _read_line_timed
    clock: Callable[[], float] = time.monotonic
    open_editor: Callable[[str], str] = _open_editor
    stdin_is_tty: bool = field(default_factory=lambda: sys.stdin.isatty())
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
