"""What a session asks of an input reader, and what the reader hands back.

A session (practice or mock) asks for one *entry* at a time: the user types
answer text, line after line, until a line that ends the entry:

- a line holding only `.`   -> Entry("finish", text above it)
- a command line            -> Entry("command", text above it, line)
  (which lines are commands is the caller's call: `:hint`, `? question`, ...)
- the time runs out         -> Entry("timeout", everything typed, the half-typed line included)
- the input ends (Ctrl-D)   -> Entry("eof", everything typed)
- Ctrl-C or a closed terminal raises AnswerInterrupted(everything typed).

The text is a buffer: its last line is the line still being typed, so
`Request(initial=entry.text)` carries on exactly where the user was.

Two readers implement this: the prompt_toolkit editor on a terminal
(`mlsd.tui.line_editor`: edit any line, paste, history, a live toolbar), and
`read_from_lines` here, which builds entries from a plain line reader
(pipes, the fallback without a terminal, and the scripted users of the
tests, who run on a fake clock).
"""

from __future__ import annotations

import codecs
import os
import select
import sys
import time
from dataclasses import dataclass
from typing import Callable, Union

FINISH = "."

Prompt = Union[str, Callable[[], str]]


def prompt_text(prompt: Prompt) -> str:
    return prompt() if callable(prompt) else prompt


def is_colon_command(line: str) -> bool:
    """`:word` (or `:word args`) is a command; `: text` and a lone `:` are answer text."""
    return line.startswith(":") and len(line) > 1 and not line[1].isspace()


@dataclass
class Request:
    """One entry to read. `initial` is text already typed (its last line is the one being typed)."""

    prompt: Prompt = "› "
    initial: str = ""
    timeout: float | None = None  # seconds until the reader must give the text back (Entry "timeout")
    is_command: Callable[[str], bool] = is_colon_command  # called with the stripped line
    on_draft: Callable[[str], None] | None = None  # the whole text, after each line and every second of typing
    toolbar: Callable[[], str] | None = None  # a bottom line kept current (the mock's clock)
    continuation: str = "  "  # the prompt of the lines after the first
    timed: bool = False  # the line reader: read through the timed reader (a mock) or the plain one


@dataclass(frozen=True)
class Entry:
    kind: str  # finish | command | timeout | eof
    text: str  # the buffer without the finishing or command line
    line: str = ""  # the command line, stripped


class AnswerInterrupted(KeyboardInterrupt):
    """Ctrl-C or a closed terminal while typing; carries the text typed so far."""

    def __init__(self, text: str):
        super().__init__("interrupted")
        self.text = text


class LineTimeout(Exception):
    """A line reader ran out of time before the line was finished; carries what was typed of it."""

    def __init__(self, partial: str):
        super().__init__("timed out")
        self.partial = partial


class LineInterrupted(KeyboardInterrupt):
    """Ctrl-C while a line reader was reading a line; carries what was typed of it."""

    def __init__(self, partial: str):
        super().__init__()
        self.partial = partial


def split_current(text: str) -> tuple[str, str]:
    """(the lines entered, the line being typed) of a buffer."""
    above, newline, current = text.rpartition("\n")
    return (above + newline), current


def read_from_lines(read_line: Callable[[Prompt, float | None, str], str], request: Request,
                    clock: Callable[[], float] = time.monotonic) -> Entry:
    """An entry from a line reader `read_line(prompt, timeout, typed so far) -> line`.

    The reader raises LineTimeout(partial) when its time is up, EOFError at the
    end of input and KeyboardInterrupt (LineInterrupted with the partial line)
    on Ctrl-C. Each entered line is passed to `on_draft` with the text so far.
    """
    initial = request.initial
    if initial and not request.timed and not initial.endswith("\n"):
        initial += "\n"  # a plain line reader cannot show a half line to carry on: start a new one
    entered, current = split_current(initial)
    deadline = None if request.timeout is None else clock() + request.timeout
    while True:
        prompt = request.prompt if not entered.strip() else request.continuation
        wait = None if deadline is None else max(0.0, deadline - clock())
        try:
            line = read_line(prompt, wait, current)
        except LineTimeout as exc:
            return Entry("timeout", entered + exc.partial)
        except EOFError:
            return Entry("eof", entered + current)
        except KeyboardInterrupt as exc:
            raise AnswerInterrupted(entered + getattr(exc, "partial", current)) from None
        current = ""
        stripped = line.strip()
        if stripped == FINISH:
            return Entry("finish", entered.rstrip("\n"))
        if request.is_command(stripped):
            return Entry("command", entered.rstrip("\n"), stripped)
        entered += line + "\n"
        if request.on_draft is not None:
            request.on_draft(entered.rstrip("\n"))
        if deadline is not None and clock() >= deadline:  # a reader that cannot time out came back late
            return Entry("timeout", entered)


def untimed(read_line: Callable[[str], str]) -> Callable[[Prompt, float | None, str], str]:
    """A plain `read_line(prompt)` (input() or a test's script) as a line reader."""

    def read(prompt: Prompt, timeout: float | None, typed: str) -> str:
        try:
            return typed + read_line(prompt_text(prompt))
        except KeyboardInterrupt:
            raise LineInterrupted(typed) from None

    return read


# ---------------------------------------------------------- piped input
#
# Without a terminal (a pipe, a file), a mock interview must still move on
# when a step's time is up: lines are read with select() so a read can time
# out, keeping what was read of an unfinished line.


def read_line_timed(prompt: Prompt, timeout: float | None, initial: str = "") -> str:
    """Read one line from stdin, giving up after `timeout` seconds (None: wait).

    Raises LineTimeout(partial) when the time is up, EOFError at the end of
    input, LineInterrupted (a KeyboardInterrupt) on Ctrl-C. Without a file
    descriptor (or off POSIX) it falls back to input() and cannot time out.
    """
    stdin = sys.stdin
    try:
        fd = stdin.fileno() if stdin is not None else -1
    except (AttributeError, OSError, ValueError):
        fd = -1
    if fd < 0 or os.name != "posix":
        if stdin is None:
            raise EOFError
        return untimed(input)(prompt, timeout, initial)
    reader = _READERS.get(fd)
    if reader is None:
        reader = _READERS[fd] = _PipeReader(fd)
    return reader.read(prompt, timeout, initial)


class _PipeReader:
    """Lines from one file descriptor, keeping what was read past a line's end."""

    def __init__(self, fd: int):
        self.fd = fd
        self.pending = ""
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.ended = False

    def read(self, prompt: Prompt, timeout: float | None, initial: str) -> str:
        deadline = None if timeout is None else time.monotonic() + max(0.0, timeout)
        buf = initial
        _write(prompt_text(prompt))
        try:
            while True:
                line, newline, rest = self.pending.partition("\n")
                if newline:
                    self.pending = rest
                    _write(line + "\n")
                    return buf + line.rstrip("\r")
                if self.ended:
                    buf, self.pending = buf + self.pending, ""
                    if buf:
                        _write("\n")
                        return buf
                    raise EOFError
                wait = None if deadline is None else deadline - time.monotonic()
                if wait is not None and wait <= 0:
                    buf, self.pending = buf + self.pending, ""
                    _write("\n")
                    raise LineTimeout(buf)
                ready, _, _ = select.select([self.fd], [], [], wait)
                if not ready:
                    continue
                data = os.read(self.fd, 4096)
                if not data:
                    self.pending += self.decoder.decode(b"", final=True)
                    self.ended = True
                    continue
                self.pending += self.decoder.decode(data)
        except KeyboardInterrupt:
            raise LineInterrupted(buf + self.pending.partition("\n")[0]) from None


def _write(text: str) -> None:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except (OSError, ValueError, AttributeError):  # stdout closed or gone: the input still counts
        pass


_READERS: dict[int, _PipeReader] = {}
