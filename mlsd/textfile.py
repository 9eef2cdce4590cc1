"""Reading a user's text file (case, sheet, template) once, within limits.

Every file a user hands mlsd goes through here: it must be a regular file
(a FIFO or a device would block or never end), no larger than a limit, and
UTF-8 (a byte-order mark is dropped). Anything else is one `TextFileError`
naming the file and, for a bad byte, its line.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

from mlsd.errors import UserError


class TextFileError(UserError):
    """A file that cannot be read as text; `line` is 1-based (1 when the whole file is at fault)."""

    def __init__(self, source: str, message: str, line: int | None = None):
        self.source = source
        self.line = line or 1
        self.reason = message
        super().__init__(f"{source}:{line}: {message}" if line else f"cannot read {source}: {message}")


def _size(limit: int) -> str:
    return f"{limit // 1_000_000} MB" if limit >= 1_000_000 else f"{limit // 1000} kB"


def decode(data: bytes, source: str) -> str:
    """UTF-8 text without a byte-order mark; a binary or other-encoded file is a TextFileError."""
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        raise TextFileError(source, "not UTF-8 text (it looks like UTF-16); save it as UTF-8")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise TextFileError(source, f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8",
                            line) from None
    nul = text.find("\x00")
    if nul >= 0:
        raise TextFileError(source, "a binary file (it holds NUL bytes), not text", text.count("\n", 0, nul) + 1)
    return text


def read_bytes(path: Path, limit: int) -> bytes:
    """At most `limit` bytes of a regular file, or a TextFileError (never blocks on a FIFO)."""
    source = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise TextFileError(source, "no such file") from None
    except IsADirectoryError:
        raise TextFileError(source, "not a regular file (a folder)") from None
    except OSError as exc:
        raise TextFileError(source, f"cannot read: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise TextFileError(source, "not a regular file (a folder)")
        if not stat.S_ISREG(info.st_mode):
            raise TextFileError(source, "not a regular file (a pipe, socket or device)")
        if info.st_size > limit:
            raise TextFileError(source, f"larger than {_size(limit)} ({info.st_size:,} bytes)")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:  # the file may grow while read
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise TextFileError(source, f"larger than {_size(limit)}")
        return b"".join(chunks)
    except OSError as exc:
        if exc.errno == errno.EISDIR:
            raise TextFileError(source, "not a regular file (a folder)") from None
        raise TextFileError(source, f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def read_text(path: Path, limit: int) -> str:
    return decode(read_bytes(path, limit), str(path))


def read_stream(stream: BinaryIO | None, limit: int, source: str = "<stdin>") -> str:
    """A piped stream (standard input) as text, within the same limits as a file."""
    if stream is None:
        raise TextFileError(source, "standard input is closed")
    try:
        data = stream.read(limit + 1)
    except OSError as exc:
        raise TextFileError(source, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise TextFileError(source, f"larger than {_size(limit)}")
    return decode(data, source)
