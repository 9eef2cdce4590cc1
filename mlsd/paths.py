"""Where things live: shipped content, user content and the user's data folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _content_dir(name: str) -> Path:
    # A wheel carries content inside the package (mlsd/_content/NAME); an
    # editable checkout reads it from the repository root beside the package.
    bundled = _PACKAGE_DIR / "_content" / name
    if bundled.is_dir():
        return bundled
    return _PACKAGE_DIR.parent / name


def shipped_cases_dir() -> Path:
    return _content_dir("cases")


def shipped_frameworks_dir() -> Path:
    return _content_dir("frameworks")


def shipped_pitfalls_dir() -> Path:
    return _content_dir("pitfalls")


def shipped_templates_dir() -> Path:
    return _content_dir("templates")


def user_cases_dirs() -> list[Path]:
    """Extra case folders from MLSD_CASES (os.pathsep-separated)."""
    raw = os.environ.get("MLSD_CASES", "")
    return [Path(p).expanduser() for p in raw.split(os.pathsep) if p.strip()]


def data_home() -> Path:
    """The per-user data folder; MLSD_HOME overrides it."""
    override = os.environ.get("MLSD_HOME")
    if override:
        return Path(override).expanduser()
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "mlsd"
    if os.name == "nt":
        base = os.environ.get("APPDATA") or str(Path.home() / "AppData" / "Roaming")
        return Path(base) / "mlsd"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "mlsd"


def database_path() -> Path:
    return data_home() / "mlsd.sqlite3"
