"""Which content files make up the catalog, and the catalog's index (what `mlsd list` shows).

Kept apart from the loader so that `mlsd list` with nothing changed reads one cache entry
without importing the loader: the files are found and hashed here, the index comes from
the content cache, and only a miss loads the catalog (mlsd.content.loader).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from mlsd import paths
from mlsd.content import cache

# Limits on a content file. The largest shipped case is about 200 kB; a user's
# file may be several times that, but not so big that every command slows down.
MAX_FILE_BYTES = 1_000_000


def _yaml_files(folder: Path) -> list[Path]:
    """The *.yaml and *.yml entries of a folder, whatever they are (read_document reports a
    FIFO or a folder so named); hidden ones such as an editor's `.#case.yaml` lock are left out."""
    try:
        entries = list(folder.iterdir()) if folder.is_dir() else []
    except OSError:
        return []
    return sorted(p for p in entries if p.suffix in (".yaml", ".yml") and not p.name.startswith("."))


def _catalog_sources(cases_dirs: Iterable[Path] | None, include_shipped: bool) -> tuple[list[Path], list[tuple[Path, bool]]]:
    """(extra framework folders, [(case folder, shipped)]) of a catalog, in loading order."""
    extra = list(cases_dirs) if cases_dirs is not None else []
    extra += paths.user_cases_dirs()
    sources = ([(paths.shipped_cases_dir(), True)] if include_shipped else []) + [(d, False) for d in extra]
    return [d.parent / "frameworks" for d in extra], sources


def catalog_fingerprint(cases_dirs: Iterable[Path] | None = None, include_shipped: bool = True) -> str:
    """Every framework and case file `load_catalog` would read: path, folder kind and a hash of
    its bytes (or why it cannot be read), in loading order. The catalog depends on nothing else
    (but the loader's code and limits, in the cache's salt), so an entry keyed by this is never
    stale. Hashing the bytes, not decoding the text: ~2 ms for the shipped cases."""
    from mlsd.textfile import TextFileError, read_bytes

    cases_dirs = list(cases_dirs) if cases_dirs is not None else None
    framework_dirs, sources = _catalog_sources(cases_dirs, include_shipped)
    files = [(p, None) for d in [paths.shipped_frameworks_dir(), *framework_dirs] for p in _yaml_files(d)]
    files += [(p, shipped) for folder, shipped in sources for p in _yaml_files(folder)]
    parts = []
    for path, shipped in files:
        try:
            state = cache.digest(read_bytes(path, MAX_FILE_BYTES)).hexdigest()
        except TextFileError as exc:
            state = f"unreadable: {exc}"
        parts.append(f"{path}\0{shipped}\0{state}")
    return "\0\0".join(parts)


@dataclass(frozen=True)
class CaseSummary:
    """What `mlsd list` shows of a case: plain values, so reading them needs no schema or pydantic."""

    id: str
    title: str
    difficulty: str
    path: Path
    shipped: bool


def case_index(cases_dirs: Iterable[Path] | None = None, include_shipped: bool = True,
               fingerprint: str | None = None) -> tuple[list[CaseSummary], list[str]]:
    """(the catalog's cases as summaries, sorted by id; its problems as one-line strings).

    The same cases and problems as `load_catalog`, from one cache entry keyed by every
    framework and case file's path and bytes: when nothing changed, no YAML is parsed
    and neither the loader nor pydantic is imported. `fingerprint`: `catalog_fingerprint` of the
    same arguments, when the caller has computed it already (it hashes every file).
    """
    cases_dirs = list(cases_dirs) if cases_dirs is not None else None
    if fingerprint is None:
        fingerprint = catalog_fingerprint(cases_dirs, include_shipped)
    entry = cache.key("index", fingerprint)
    hit = cache.get(entry, tuple)
    if hit is not None and len(hit) == 2:
        return hit
    from mlsd.content.loader import load_catalog

    catalog = load_catalog(cases_dirs, include_shipped)
    summaries = [CaseSummary(id=case_id, title=item.case.title, difficulty=item.case.difficulty,
                             path=item.path, shipped=item.shipped) for case_id, item in sorted(catalog.cases.items())]
    result = (summaries, [str(p) for p in catalog.problems])
    cache.put(entry, result)
    return result
