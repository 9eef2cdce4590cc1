"""The process's standard streams, made safe before any command runs.

- A closed descriptor 0, 1 or 2 (`<&-`, `>&-`) gets /dev/null, so no file
  mlsd opens (the database) can land on it; a closed stdout is reported.
- Standard output is wrapped so a write that fails (a full disk, a closed
  pipe, a vanished terminal) does not stop the command halfway: a practice
  run from a sheet stores every answer, then the failure is one line.
- COLUMNS or LINES that are not a usable size are ignored (COLUMNS=0 made
  rich print nothing at all).
"""

from __future__ import annotations

import errno
import io
import os
import sys

MIN_COLUMNS = 20
MIN_LINES = 5


def _fill_closed_descriptors() -> set[int]:
    closed: set[int] = set()
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            closed.add(fd)
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
    return closed


def _sane_size_variables() -> None:
    for name, least in (("COLUMNS", MIN_COLUMNS), ("LINES", MIN_LINES)):
        value = os.environ.get(name)
        if value is not None and not (value.strip().isdigit() and int(value) >= least):
            del os.environ[name]


class GuardedStream(io.TextIOBase):
    """A text stream that records the first OSError on write or flush and drops output after it."""

    def __init__(self, stream):
        self._stream = stream
        self.error: OSError | None = None

    def _fail(self, exc: OSError) -> None:
        if self.error is None:
            self.error = exc
        try:  # pending buffered output would fail again at exit: send it nowhere
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, self._stream.fileno())
            os.close(null)
        except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
            pass

    def write(self, text: str) -> int:
        if not isinstance(text, str):  # as a text stream does: click probes with write(b"") to learn this
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if self.error is None:
            try:
                self._stream.write(text)
            except OSError as exc:
                self._fail(exc)
        return len(text)

    def flush(self) -> None:
        if self.error is None:
            try:
                self._stream.flush()
            except OSError as exc:
                self._fail(exc)

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        try:
            return self._stream.isatty()
        except (OSError, ValueError):
            return False

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self):  # type: ignore[override]
        return self._stream.encoding

    @property
    def errors(self):  # type: ignore[override]
        return self._stream.errors

    @property
    def buffer(self):
        return self._stream.buffer

    @property
    def name(self):
        return getattr(self._stream, "name", "<stdout>")

    def __getattr__(self, name):
        return getattr(self._stream, name)


def prepare() -> tuple[bool, GuardedStream | None]:
    """Make the streams safe; returns (stdout was closed, the stdout guard)."""
    closed = _fill_closed_descriptors()
    _sane_size_variables()
    if sys.stdout is None or 1 in closed:
        return True, None
    guard = GuardedStream(sys.stdout)
    sys.stdout = guard  # type: ignore[assignment]
    if sys.stderr is not None:
        sys.stderr = GuardedStream(sys.stderr)  # type: ignore[assignment]
    return False, guard


def broken_pipe(error: OSError) -> bool:
    """A reader that stopped reading (`mlsd show ctr | head`): not worth a message."""
    return error.errno == errno.EPIPE
