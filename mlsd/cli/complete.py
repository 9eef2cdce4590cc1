"""Shell completion of case ids, lab ids and levels (`mlsd --install-completion`).

The shell runs `mlsd` on every Tab, so these callbacks stay cheap: case ids and titles come from
the first lines of each case file (no YAML parsing, no schema), lab ids from the lab registry,
whose modules import no numpy, pandas or scikit-learn. Nothing here may raise: a broken folder
means fewer completions, never a traceback in the user's prompt.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

# patterns as strings: compiled (and cached by re) on the first Tab, not at every `mlsd` start-up
_KEY = r"^(id|title):[ \t]*(.+?)[ \t]*$"
_STEP = r"^\s*-\s*id:[ \t]*(\S+)\s*\n\s*title:[ \t]*(.+?)[ \t]*$"


def _head_fields(path: Path) -> dict[str, str]:
    """`id` and `title` from the top of a case file (they come first; 4 kB is plenty)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            head = handle.read(4096)
    except OSError:
        return {}
    found: dict[str, str] = {}
    for key, value in re.findall(_KEY, head, re.MULTILINE):
        found.setdefault(key, value.strip("'\""))
    return found


def case_titles(extra_dirs: Iterable[Path | str] = ()) -> dict[str, str]:
    """Case id -> title for the shipped cases, MLSD_CASES and `extra_dirs` (a case file's stem
    when it names no id in its first lines)."""
    from mlsd import paths

    folders = [paths.shipped_cases_dir(), *paths.user_cases_dirs(), *(Path(d) for d in extra_dirs)]
    titles: dict[str, str] = {}
    for folder in folders:
        try:
            files = sorted(Path(folder).expanduser().glob("*.y*ml"))
        except OSError:
            continue
        for path in files:
            fields = _head_fields(path)
            titles.setdefault(fields.get("id", path.stem), fields.get("title", ""))
    return titles


def _matches(choices: dict[str, str], incomplete: str) -> list[tuple[str, str]]:
    return [(name, help_) for name, help_ in sorted(choices.items()) if name.startswith(incomplete)]


def _cases_dirs(ctx) -> list:
    params = getattr(ctx, "params", None) or {}
    return list(params.get("cases_dir") or [])


def complete_case(ctx, incomplete: str) -> list[tuple[str, str]]:
    """Case ids starting with what was typed, each with its title."""
    try:
        return _matches(case_titles(_cases_dirs(ctx)), incomplete)
    except Exception:  # never a traceback at the user's prompt
        return []


def complete_lab_or_case(ctx, incomplete: str) -> list[tuple[str, str]]:
    """Lab ids and case ids (a case runs all its labs) starting with what was typed."""
    try:
        from mlsd.labs.registry import all_labs

        specs = all_labs()
        titles = case_titles()
        cases = {spec.case: f"all labs of {titles.get(spec.case, spec.case)}" for spec in specs}
        return _matches({**cases, **{spec.id: spec.title for spec in specs}}, incomplete)
    except Exception:
        return []


def complete_level(ctx, incomplete: str) -> list[str]:
    from mlsd.content.levels import LEVELS

    return [level for level in LEVELS if level.startswith(incomplete.lower())]




def _sessions(incomplete: str, open_only: bool) -> list[tuple[str, str]]:
    """The newest session numbers starting with what was typed, each with case, mode and date;
    nothing (and no data folder created) before the first session."""
    try:
        from datetime import datetime

        from mlsd import paths

        if not paths.database_path().is_file():
            return []
        from mlsd.session.store import Store

        store = Store.open()
        try:
            rows = store.sessions(limit=30)
        finally:
            store.close()
        if open_only:
            rows = [row for row in rows if not row.finished and row.mode in ("practice", "review")]
        return [(str(row.id), f"{row.case_id} {row.mode}, {datetime.fromtimestamp(row.started_at):%Y-%m-%d %H:%M}")
                for row in rows if str(row.id).startswith(incomplete)]
    except Exception:
        return []


def complete_session(ctx, incomplete: str) -> list[tuple[str, str]]:
    """Session numbers for export and history rm, and `last`."""
    found = _sessions("" if "last".startswith(incomplete) else incomplete, open_only=False)
    last = [("last", "the newest session")] if found and "last".startswith(incomplete) else []
    return last + [(name, help_) for name, help_ in found if name.startswith(incomplete)]


def complete_open_session(ctx, incomplete: str) -> list[tuple[str, str]]:
    """Unfinished practice or review sessions, for resume."""
    return _sessions(incomplete, open_only=True)


def complete_step(ctx, incomplete: str) -> list[tuple[str, str]]:
    """Step ids of the shipped frameworks (the seven steps), each with its title."""
    try:
        from mlsd import paths

        steps: dict[str, str] = {}
        for path in sorted(paths.shipped_frameworks_dir().glob("*.y*ml")):
            for step_id, title in re.findall(_STEP, path.read_text(encoding="utf-8", errors="replace"), re.MULTILINE):
                steps.setdefault(step_id.strip("'\""), title.strip("'\""))
        return [(step_id, title) for step_id, title in steps.items() if step_id.startswith(incomplete)]
    except Exception:
        return []
