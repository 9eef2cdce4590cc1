"""Caches keyed by object identity, for values derived from frozen content objects.

Rubrics and cases are frozen content objects holding lists, so they cannot be
hashed; the grader derives a vocabulary, cue weights and a rubric tuple from
them once per object. Each entry keeps its objects alive, so an id is never
reused while its entry stands.
"""

from __future__ import annotations

from typing import Callable, TypeVar

T = TypeVar("T")


def by_identity(cache: dict, objects: tuple, build: Callable[[], T]) -> T:
    """`build()` once per distinct tuple of objects (compared by identity)."""
    key = tuple(id(o) for o in objects)
    hit = cache.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], objects)):
        return hit[1]
    value = build()
    cache[key] = (objects, value)
    return value
