"""Writing a file the user asked for (export notes, plots): whole or not at all.

The text goes to a temporary file beside the target, is flushed to disk,
and only then takes the target's name, so a full disk or a kill leaves the
old file as it was. An existing file is not replaced without `force`, and a
symbolic link is never written through: with `force` the link itself is
replaced by the new file, its target is untouched.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from mlsd.errors import UserError

_os_write = os.write  # one name to stand in for a full disk in tests


def _umask_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def check_target(path: Path, force: bool) -> None:
    """Refuse, before any work is done, a target that must not be written."""
    if path.is_symlink():
        if not force:
            raise UserError(f"{path} is a symbolic link; mlsd does not write through links "
                            "(pass --force to replace the link itself with the file)")
        return
    if path.is_dir():
        raise UserError(f"cannot write {path}: it is a folder")
    if path.exists():
        if not path.is_file():
            raise UserError(f"cannot write {path}: not a regular file")
        if not force:
            raise UserError(f"{path} exists; pass --force to overwrite it, or name another file with -o")


def _fail(path: Path, exc: OSError) -> UserError:
    return UserError(f"cannot write {path}: {exc.strerror or exc}")


def place(temporary: Path, path: Path, force: bool) -> None:
    """Give a finished temporary file (in the same folder) the target's name."""
    try:
        if force:
            os.replace(temporary, path)  # replaces a link itself, never what it points at
            return
        try:
            os.link(temporary, path)  # fails if the name was taken meanwhile: no silent overwrite
        except FileExistsError:
            raise UserError(f"{path} exists; pass --force to overwrite it, or name another file with -o") from None
        except OSError:  # a file system without hard links
            if os.path.lexists(path):
                raise UserError(f"{path} exists; pass --force to overwrite it, or name another file with -o") from None
            os.replace(temporary, path)
    except OSError as exc:
        raise _fail(path, exc) from None
    finally:
        if temporary.exists():
            temporary.unlink()


def temporary_beside(path: Path) -> Path:
    """A new empty file in the target's folder (created if need be), for writing into first."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # the target's own suffix last, so a writer that goes by it (matplotlib: .png) still can
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=f".part{path.suffix}")
    except OSError as exc:
        raise _fail(path, exc) from None
    os.close(fd)
    return Path(name)


def write_file(path: Path, text: str, *, force: bool = False) -> None:
    """Write `text` (UTF-8) to `path` whole, or raise UserError and leave `path` as it was."""
    check_target(path, force)
    temporary = temporary_beside(path)
    data = memoryview(text.encode("utf-8"))
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0))
        try:
            while data:
                written = _os_write(fd, data)
                data = data[written:]
            if hasattr(os, "fchmod"):  # mkstemp makes 0600; notes get the user's usual mode
                os.fchmod(fd, _umask_mode())
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise _fail(path, exc) from None
    place(temporary, path, force)
