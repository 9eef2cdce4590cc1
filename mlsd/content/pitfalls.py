"""The shared library of wrong claims (pitfalls/common.yaml) every case inherits.

Loaded once per process and validated with the case schema; a broken shipped
file is a ContentError like a broken case.
"""

from __future__ import annotations

from functools import lru_cache

from mlsd import paths
from mlsd.errors import ContentError
from mlsd.content.schema import Pitfall, PitfallLibrary, RedFlag, Rubric

LIBRARY_FILE = "common.yaml"


@lru_cache(maxsize=1)
def library() -> tuple[Pitfall, ...]:
    from mlsd.content.loader import _validate_cached  # the loader's YAML reading, error lines and cache

    path = paths.shipped_pitfalls_dir() / LIBRARY_FILE
    loaded, _, problems = _validate_cached(PitfallLibrary, path)
    if problems or loaded is None:
        raise ContentError([str(p) for p in problems])
    return tuple(loaded.pitfalls)


def for_step(rubric: Rubric, step_id: str) -> list[RedFlag]:
    """The rubric's own red flags, then every shared pitfall that applies to this step
    and is not switched off. A case's red flag with a pitfall's id keeps its own claim
    and reason (in the case's terms) and adds the pitfall's phrasings and fix; those
    phrasings keep the pitfall's `unless` words (which give them a correct sense) and `needs`, so
    they come as a second flag of the same id (the grader counts an id once)."""
    shared = {p.id: p for p in library()}
    off = set(rubric.pitfalls_off)
    flags: list[RedFlag] = []
    for flag in rubric.red_flags:
        common = shared.pop(flag.id, None)
        if common is None or flag.id in off:
            flags.append(flag)
            continue
        fix = flag.fix or common.fix
        flags.append(flag.model_copy(update={"fix": fix}))
        extra = [p for p in common.phrasings if p not in flag.phrasings]
        if extra:
            flags.append(flag.model_copy(update={"phrasings": extra, "fix": fix, "unless": list(common.unless),
                                                     "needs": list(common.needs)}))
    flags += [p for p in shared.values() if p.id not in off and (not p.steps or step_id in p.steps)]
    return flags
