"""An on-disk cache of validated content, so a command does not re-validate every case.

Validating the shipped cases with pydantic takes most of a second; unpickling the
result (light objects of mlsd.content.schema: no pydantic import) takes milliseconds.
An entry's key is a hash of the file's text and of everything the result depends on
besides: mlsd's version, the source of the schema, rules, loader and index modules
(which hold the loader's limits), and the Python, pydantic and PyYAML versions. A
changed file, schema or library gives a new key, so an entry is never
stale; old entries are simply no longer read.

Where: `$XDG_CACHE_HOME/mlsd/content` (default `~/.cache/mlsd/content`; the usual
caches folder on macOS and Windows). `MLSD_NO_CACHE=1` turns the cache off.
An entry that is missing, truncated, corrupt, written by someone else or of the
wrong type is ignored (and rewritten on the next store): the cache can only make
a command faster, never make it fail or show other content. Only results
without problems are stored; a file with problems is checked afresh every time.
Past MAX_ENTRIES entries the oldest written are removed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

try:  # BLAKE2 straight from CPython's built-in module: `import hashlib` first loads OpenSSL (~3 ms
    from _blake2 import blake2b as _blake2b  # of every command: --help, list, show, grade)
except ImportError:  # pragma: no cover - another Python
    from hashlib import blake2b as _blake2b


def digest(data: bytes = b"") -> Any:
    """A new 256-bit BLAKE2b hash object over `data`: every key and fingerprint of the cache."""
    return _blake2b(data, digest_size=32)


DISABLE_ENV = "MLSD_NO_CACHE"
_MAGIC = b"mlsd-content-cache-1\n"
_salt: bytes | None = None


def enabled() -> bool:
    return os.environ.get(DISABLE_ENV, "").strip().lower() in ("", "0", "false", "no")


def cache_dir() -> Path:
    """The folder for content cache entries (not created here). XDG_CACHE_HOME wins everywhere."""
    if os.environ.get("XDG_CACHE_HOME"):
        base = Path(os.environ["XDG_CACHE_HOME"]).expanduser()
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    elif os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        base = Path.home() / ".cache"
    return base / "mlsd" / "content"


def _file_bytes(path: Path | str | None) -> bytes:
    try:
        return Path(path).read_bytes() if path else b""
    except OSError:
        return b"?"


def _package_file(package: str, name: str) -> bytes:
    """The bytes of a small file of an installed package (its version module), without importing it."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return b"?"
    if spec is None or not spec.submodule_search_locations:
        return b"?"
    return _file_bytes(Path(list(spec.submodule_search_locations)[0]) / name)


def salt() -> bytes:
    """Everything besides a file's text that a validated result depends on (once per process)."""
    global _salt
    if _salt is None:
        from mlsd import __version__

        here = Path(__file__).resolve().parent
        parts = [  # the loader's limits (MAX_FILE_BYTES, ...) are in its and index.py's source: not imported
            _MAGIC, __version__.encode(), sys.version.encode(),
            _file_bytes(here / "schema.py"), _file_bytes(here / "rules.py"), _file_bytes(here / "loader.py"),
            _file_bytes(here / "index.py"), _file_bytes(__file__),
            _package_file("pydantic", "version.py"), _package_file("yaml", "__init__.py"),
        ]
        _salt = digest(b"\0".join(parts)).digest()
    return _salt


def key(kind: str, text: str) -> str:
    """The entry name for one file's text, read as `kind` (e.g. "case", "framework")."""
    found = digest(salt())
    found.update(kind.encode() + b"\0")
    found.update(text.encode("utf-8", "surrogatepass"))
    return found.hexdigest()


def sources_beside(module_file: str) -> list[str]:
    """The .py files in the folder of `module_file`, sorted: the code whose bytes a `derived_key`
    of data that package derives is built from (listed without glob, which imports fnmatch)."""
    folder = os.path.dirname(os.path.abspath(module_file))
    return sorted(os.path.join(folder, name) for name in os.listdir(folder) if name.endswith(".py"))


def derived_key(kind: str, text: str, sources: "list[Path | str]") -> str:
    """The entry name for data derived from `text` by code in `sources` (files whose bytes join
    the key: a change to that code gives a new key). E.g. the grader's topic profiles."""
    found = digest(salt())
    found.update(kind.encode() + b"\0")
    for source in sources:
        found.update(digest(_file_bytes(source)).digest())
    found.update(text.encode("utf-8", "surrogatepass"))
    return found.hexdigest()


def get(entry: str, expected: type | tuple[type, ...]) -> Any | None:
    """The stored value of `entry` if it is readable, ours and of the expected type; else None."""
    if not enabled():
        return None
    import pickle

    path = cache_dir() / f"{entry}.pickle"
    try:
        with open(path, "rb") as handle:
            if hasattr(os, "getuid") and os.fstat(handle.fileno()).st_uid != os.getuid():
                return None  # never unpickle a file another user could have written
            blob = handle.read()
        if not blob.startswith(_MAGIC):
            return None
        stored_key, value = pickle.loads(blob[len(_MAGIC):])
    except Exception:  # missing, unreadable, truncated or corrupt: rebuild silently
        return None
    if stored_key != entry or not isinstance(value, expected):
        return None
    return value


MAX_ENTRIES = 400  # about 50 MB of cases; an author editing a case adds one entry per save


def _prune(folder: Path, keep: int | None = None) -> None:
    """Keep the folder from growing without end: past `keep` (MAX_ENTRIES) entries, drop the
    oldest written, down to three quarters (an entry still in use is written again on its next miss)."""
    keep = MAX_ENTRIES if keep is None else keep
    entries = list(folder.glob("*.pickle"))
    if len(entries) <= keep:
        return
    def written(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except OSError:
            return 0.0
    for path in sorted(entries, key=written)[: len(entries) - keep * 3 // 4]:
        try:
            path.unlink()
        except OSError:
            pass


def put(entry: str, value: Any) -> None:
    """Store `value` under `entry` (atomically: a reader sees the old file or the whole new one).
    A cache that cannot be written (read-only home, full disk) is skipped without a word."""
    if not enabled():
        return
    import pickle
    import tempfile

    folder = cache_dir()
    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        blob = _MAGIC + pickle.dumps((entry, value), protocol=pickle.HIGHEST_PROTOCOL)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".pickle")
        with os.fdopen(fd, "wb") as handle:
            handle.write(blob)
        os.replace(tmp, folder / f"{entry}.pickle")
        tmp = None
        _prune(folder)
    except Exception:
        pass
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
