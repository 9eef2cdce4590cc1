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
from rich.markup import escape


def _read_line(prompt: str) -> str:
    # input() gives readline editing on a terminal; EOFError on Ctrl-D.
    return input(prompt)


def _read_line_timed(prompt, timeout: float | None, initial: str = "") -> str:
    # select()-based on POSIX, so a mock interview can move on mid-line (pipes, no terminal).
    from mlsd.tui.entry import read_line_timed

    return read_line_timed(prompt, timeout, initial)


_AUTO = object()


def _say(message: str) -> None:
    Console(stderr=True, highlight=False).print(f"[yellow]{escape(message)}[/]", soft_wrap=True)


def _open_editor(initial: str) -> str:
    """`:edit`: the answer so far in $VISUAL or $EDITOR; returns the edited text.

    Whatever goes wrong (no editor set, one that cannot start or fails, text
    that is not UTF-8) is one line on stderr and the user is back at their
    answer: the text so far is returned unchanged, or the editor's text with
    bad bytes replaced, and then the file the editor wrote is kept, not deleted.
    """
    import shlex
    import subprocess
    import tempfile
    from pathlib import Path

    editor = (os.environ.get("VISUAL") or os.environ.get("EDITOR") or "").strip()
    if not editor:
        _say("no editor set: export EDITOR (e.g. EDITOR=nano) to write answers in an editor; keep typing here")
        return initial
    try:
        command = shlex.split(editor)  # from the user's own environment, never from answer text
    except ValueError as exc:
        _say(f"cannot run the editor {editor!r}: {exc}; keep typing here")
        return initial
    handle = tempfile.NamedTemporaryFile("w", suffix=".md", prefix="mlsd-answer-", delete=False, encoding="utf-8")
    with handle:
        handle.write(initial)
    path = Path(handle.name)
    keep = False
    try:
        try:
            done = subprocess.run([*command, str(path)], check=False)
        except OSError as exc:
            _say(f"cannot run the editor {command[0]!r}: {exc.strerror or exc}; keep typing here")
            return initial
        if done.returncode != 0:
            _say(f"the editor {command[0]!r} exited with status {done.returncode}; your answer is as it was")
            return initial
        data = path.read_bytes()
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            keep = True
            _say(f"the editor saved text that is not UTF-8; bad bytes are shown as \ufffd and the file "
                 f"is kept at {path}")
            return data.decode("utf-8", errors="replace")
    except OSError as exc:
        keep = True
        _say(f"cannot read what the editor wrote ({exc.strerror or exc}); it is kept at {path}")
        return initial
    finally:
        if not keep:
            path.unlink(missing_ok=True)


def _is_tty(stream) -> bool:
    """A closed stdin (`<&-`) is None in Python, and a detached one raises: neither is a terminal."""
    try:
        return stream is not None and stream.isatty()
    except (ValueError, OSError, AttributeError):
        return False


class _TrimmedLines:
    """Stdout for a pipe or a file: lines without the spaces rich pads them with to the width
    (`mlsd show ctr > case.txt` keeps no trailing blanks). A line's trailing spaces are held
    back until its newline, or dropped if none comes."""

    def __init__(self, stream) -> None:
        self._stream = stream
        self._held = ""

    def write(self, text: str) -> int:
        text = self._held + text
        body = text.rstrip(" ")
        self._held = text[len(body):]
        self._stream.write("\n".join(line.rstrip(" ") for line in body.split("\n")))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self._stream.fileno()


def _stdout_console() -> Console:
    # rich pads every line of a panel or an indented block to the full width; on a terminal that
    # is invisible, in a pipe or a file it is trailing whitespace
    return Console() if _is_tty(sys.stdout) else Console(file=_TrimmedLines(sys.stdout))


@dataclass
class Context:
    console: Console = field(default_factory=_stdout_console)
    err_console: Console = field(default_factory=lambda: Console(stderr=True))
    read_line: Callable[[str], str] = _read_line
    # (prompt or prompt function, timeout seconds or None, text typed so far) -> line;
    # raises mlsd.tui.answer_input.LineTimeout(partial) when the time is up
    read_line_timed: Callable[..., str] = _read_line_timed
    clock: Callable[[], float] = time.monotonic
    open_editor: Callable[[str], str] = _open_editor
    stdin_is_tty: bool = field(default_factory=lambda: _is_tty(sys.stdin))
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    # (mlsd.tui.entry.Request) -> Entry: the answer editor on a terminal (prompt_toolkit). By
    # default it is used when stdin and stdout are terminals and no line reader was swapped in;
    # otherwise entries are built from read_line / read_line_timed.
    editor: object = _AUTO

    def __post_init__(self) -> None:
        if self.editor is _AUTO:
            self.editor = None
            if self.read_line is _read_line and self.read_line_timed is _read_line_timed and self.stdin_is_tty:
                from mlsd.tui import line_editor  # prompt_toolkit itself is imported only when an entry is read

                self.editor = line_editor.choose(self.env)

    def read_entry(self, request):
        """One entry of answer text (see mlsd.tui.entry): the editor, or lines from the line readers.
        A Ctrl-C that Python dropped since the last entry ends this one as if pressed in it."""
        from mlsd.tui.signals import take_swallowed_interrupt

        if take_swallowed_interrupt():
            from mlsd.tui.entry import AnswerInterrupted

            raise AnswerInterrupted(request.initial)
        if self.editor is not None:
            return self.editor(request)
        from mlsd.tui.entry import read_from_lines, untimed

        reader = self.read_line_timed if request.timed else untimed(self.read_line)
        return read_from_lines(reader, request, self.clock)
