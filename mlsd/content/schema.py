"""The content objects mlsd works with: frameworks, cases and their parts.

Light, frozen objects with the fields, defaults and methods of the pydantic models in
`mlsd.content.rules`, which validate framework and case files. Importing this module
costs no pydantic (about 130 ms of every command that reads content): a command whose
cases come from the content cache never imports it. The rules are not bypassed:

- every object is made from a validated model (`from_model`), or by calling a class
  (`Estimate(id=..., ...)`) or `Cls.model_validate(data)`, both of which validate with
  the rules first (and raise pydantic's ValidationError);
- `model_copy(update=...)` and `model_dump()` behave as pydantic's (no validation on copy).

A field added to a model in `rules` must be added to its class here (same order);
tests/test_schema_light.py checks that they agree.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from mlsd.content.behaviour import ArchitectureMethods, CaseMethods, FlowMethods, FrameworkMethods, ReferenceMethods
from mlsd.content.levels import LEVELS  # noqa: F401  (re-exported)

FORMAT_VERSION = 1

Level = Literal["mid", "senior", "staff"]
Difficulty = Literal["easy", "medium", "hard"]


class FrozenInstanceError(AttributeError):
    """Content objects are frozen, as the pydantic models are."""


class _Content:
    """Base of the content objects: fields in `__slots__`, set once."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()

    def __new__(cls, **data: Any):
        """`Cls(field=value, ...)`: validated by the rules, as a file's content is."""
        return cls.model_validate(data)

    @classmethod
    def _make(cls, values: tuple) -> "_Content":
        obj = object.__new__(cls)
        for name, value in zip(cls._fields, values, strict=True):
            object.__setattr__(obj, name, value)
        return obj

    @classmethod
    def model_validate(cls, data: Any) -> "_Content":
        if isinstance(data, cls):
            return data
        from mlsd.content import rules

        return from_model(getattr(rules, cls.__name__).model_validate(data))

    @classmethod
    def model_json_schema(cls, **kwargs: Any) -> dict:
        from mlsd.content import rules

        return getattr(rules, cls.__name__).model_json_schema(**kwargs)

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> "_Content":
        values = {name: getattr(self, name) for name in self._fields}
        if deep:
            import copy

            values = copy.deepcopy(values)
        if update:
            unknown = set(update) - set(self._fields)
            if unknown:
                raise ValueError(f"{type(self).__name__} has no field {', '.join(sorted(unknown))}")
            values.update(update)
        return self._make(tuple(values[name] for name in self._fields))

    def model_dump(self) -> dict[str, Any]:
        return {name: _dump(getattr(self, name)) for name in self._fields}

    def _values(self) -> tuple:
        return tuple(getattr(self, name) for name in self._fields)

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"{type(self).__name__} is frozen: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"{type(self).__name__} is frozen: cannot delete {name!r}")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:  # as pydantic's frozen models: fails for a field holding a list
        return hash((type(self), self._values()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{n}={getattr(self, n)!r}' for n in self._fields)})"

    def __reduce__(self):
        return (_rebuild, (type(self), self._values()))


def _rebuild(cls: type[_Content], values: tuple) -> _Content:
    return cls._make(values)


def _dump(value: Any) -> Any:
    if isinstance(value, _Content):
        return value.model_dump()
    if isinstance(value, list):
        return [_dump(v) for v in value]
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    return value


def from_model(model: Any) -> Any:
    """The light object for a validated pydantic model of `rules` (recursively)."""
    fields = getattr(type(model), "model_fields", None)
    if fields is None:
        if isinstance(model, list):
            return [from_model(v) for v in model]
        if isinstance(model, dict):
            return {k: from_model(v) for k, v in model.items()}
        return model
    light = _CLASSES[type(model).__name__]
    return light._make(tuple(from_model(getattr(model, name)) for name in light._fields))


# ---------------------------------------------------------------- framework


class FrameworkStep(_Content):
    __slots__ = _fields = ("id", "title", "goal", "question", "minutes")
    id: str
    title: str
    goal: str
    question: str
    minutes: float


class Framework(FrameworkMethods, _Content):
    __slots__ = _fields = ("format_version", "id", "title", "description", "steps")
    format_version: int
    id: str
    title: str
    description: str
    steps: list[FrameworkStep]


# --------------------------------------------------------------------- case


class Reference(ReferenceMethods, _Content):
    __slots__ = _fields = ("id", "authors", "year", "title", "venue", "url", "note")
    id: str
    authors: str
    year: int
    title: str
    venue: str
    url: str
    note: str


class Concept(_Content):
    __slots__ = _fields = ("id", "label", "weight", "level", "phrasings", "why", "hint")
    id: str
    label: str
    weight: float
    level: Level
    phrasings: list[str]
    why: str
    hint: str


class RedFlag(_Content):
    __slots__ = _fields = ("id", "claim", "phrasings", "penalty", "why", "fix", "unless", "needs", "when",
                           "examples", "counterparts", "patterns")
    id: str
    claim: str
    phrasings: list[str]
    penalty: float
    why: str
    fix: str
    unless: list[str]
    needs: list[str]
    when: Literal["asserted", "dismissed"]
    examples: list[str]
    counterparts: list[str]
    patterns: list[str]


class Pitfall(RedFlag):
    """A wrong claim candidates make in any case, inherited by every case's rubric."""

    __slots__ = ("steps",)
    _fields = (*RedFlag._fields, "steps")
    steps: list[str]


class PitfallLibrary(_Content):
    __slots__ = _fields = ("format_version", "pitfalls")
    format_version: int
    pitfalls: list[Pitfall]


class Rubric(_Content):
    __slots__ = _fields = ("concepts", "red_flags", "pitfalls_off")
    concepts: list[Concept]
    red_flags: list[RedFlag]
    pitfalls_off: list[str]


class CaseStep(_Content):
    __slots__ = _fields = ("question", "hints", "follow_ups", "rubric", "model_answer", "references", "labs")
    question: str
    hints: list[str]
    follow_ups: list[str]
    rubric: Rubric
    model_answer: str
    references: list[str]
    labs: list[str]


class Fact(_Content):
    __slots__ = _fields = ("id", "topic", "asks", "answer")
    id: str
    topic: str
    asks: list[str]
    answer: str


class WorkLine(_Content):
    """One link of an estimate's worked chain: `name = value` (see rules.WorkLine)."""

    __slots__ = _fields = ("name", "value", "note")
    name: str
    value: str | float
    note: str


class Estimate(_Content):
    """A back-of-envelope question (see rules.Estimate)."""

    __slots__ = _fields = ("id", "step", "question", "unit", "unit_label", "facts", "work", "expected",
                           "tolerance", "why")
    id: str
    step: str
    question: str
    unit: str
    unit_label: str
    facts: list[str]
    work: list[WorkLine]
    expected: float
    tolerance: float
    why: str


class Component(_Content):
    __slots__ = _fields = ("id", "label", "names", "why", "optional")
    id: str
    label: str
    names: list[str]
    why: str
    optional: bool


class Flow(FlowMethods, _Content):
    """A required order between two components: 'a -> b' holds when the sketch has a path from a to b."""

    __slots__ = _fields = ("edge", "why", "optional", "directed")
    edge: str
    why: str
    optional: bool
    directed: bool


class Architecture(ArchitectureMethods, _Content):
    """The reference design a sketch (arrow lines or a Mermaid flowchart) is graded against."""

    __slots__ = _fields = ("step", "components", "edges")
    step: str
    components: list[Component]
    edges: list[Flow]


class Case(CaseMethods, _Content):
    __slots__ = _fields = ("format_version", "id", "title", "difficulty", "framework", "companies", "summary",
                           "prompt", "facts", "tradeoffs", "references", "steps", "estimates", "architecture")
    format_version: int
    id: str
    title: str
    difficulty: Difficulty
    framework: str
    companies: list[str]
    summary: str
    prompt: str
    facts: list[Fact]
    tradeoffs: list[str]
    references: list[Reference]
    steps: dict[str, CaseStep]
    estimates: list[Estimate]
    architecture: Architecture | None


_CLASSES: dict[str, type[_Content]] = {
    cls.__name__: cls for cls in (FrameworkStep, Framework, Reference, Concept, RedFlag, Pitfall, PitfallLibrary,
                                  Rubric, CaseStep, Fact, WorkLine, Estimate, Component, Flow, Architecture, Case)
}


def json_schema() -> dict:
    """JSON Schema of a case file, for editors (yaml-language-server and the like)."""
    from mlsd.content import rules

    return rules.json_schema()
