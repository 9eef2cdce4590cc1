"""What content objects can do besides holding fields: looking a step, an estimate or a
reference up by id, a citation, an edge's two ends.

Shared by the pydantic models that validate files (`rules`) and the light objects the
rest of mlsd holds (`schema`), so the two kinds of object answer alike from one copy.
Mixins only: no fields, no pydantic, empty __slots__ (the light objects keep theirs).
"""

from __future__ import annotations

import re

EDGE = re.compile(r"^\s*([a-z0-9][a-z0-9-]*)\s*->\s*([a-z0-9][a-z0-9-]*)\s*$")


def _by_id(items, item_id: str):
    for item in items:
        if item.id == item_id:
            return item
    raise KeyError(item_id)


class FrameworkMethods:
    __slots__ = ()

    def step(self, step_id: str):
        return _by_id(self.steps, step_id)

    @property
    def step_ids(self) -> list[str]:
        return [s.id for s in self.steps]

    @property
    def total_minutes(self) -> float:
        return sum(s.minutes for s in self.steps)


class ReferenceMethods:
    __slots__ = ()

    def cite(self) -> str:
        venue = f", {self.venue}" if self.venue else ""
        return f"{self.authors} ({self.year}). {self.title}{venue}."


class FlowMethods:
    __slots__ = ()

    @property
    def ends(self) -> tuple[str, str]:
        found = EDGE.match(self.edge)
        assert found is not None
        return found.group(1), found.group(2)


class ArchitectureMethods:
    __slots__ = ()

    def component(self, component_id: str):
        return _by_id(self.components, component_id)


class CaseMethods:
    __slots__ = ()

    def estimate(self, estimate_id: str):
        return _by_id(self.estimates, estimate_id)

    def reference(self, ref_id: str):
        return _by_id(self.references, ref_id)
