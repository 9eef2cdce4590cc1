"""The rules for framework and case files: the pydantic models that validate them.

Every model forbids unknown keys, so a typo in a case file is an error that
names the field rather than a silently ignored key. `json_schema()` exports
the same rules for editors (see `mlsd validate --schema`).

Only validation uses these models (a file read afresh, `Case.model_validate`); what
the rest of mlsd holds are the light objects of `mlsd.content.schema`, with the same
names, fields and methods, made from a validated model (`schema.from_model`), so a
command whose content comes from the cache never imports pydantic. A field added
here must be added there too (tests/test_schema_light.py checks they agree).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from mlsd.content.behaviour import EDGE, ArchitectureMethods, CaseMethods, FlowMethods, FrameworkMethods, ReferenceMethods

FORMAT_VERSION = 1


def _not_bool(value):
    if isinstance(value, bool):  # YAML `true` equals 1 in Python; a version is a number
        raise ValueError(f"format_version must be the number {FORMAT_VERSION}, not {str(value).lower()}")
    return value


FormatVersion = Annotated[Literal[1], BeforeValidator(_not_bool)]

Level = Literal["mid", "senior", "staff"]
from mlsd.content.levels import LEVELS  # noqa: E402  (re-exported)
Difficulty = Literal["easy", "medium", "hard"]

_ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"


class _Strict(BaseModel):
    # defer_build: the validators are built on first validation, not at import
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def _non_blank(items: list[str], what: str) -> list[str]:
    for item in items:
        if not item or not item.strip():
            raise ValueError(f"{what} must not contain blank entries")
    return items


# ---------------------------------------------------------------- framework


class FrameworkStep(_Strict):
    id: str = Field(pattern=_ID_PATTERN, description="Stable step id, e.g. 'data'.")
    title: str = Field(min_length=1)
    goal: str = Field(min_length=1, description="What a good answer to this step covers.")
    question: str = Field(min_length=1, description="Generic question, used when a case has none.")
    minutes: float = Field(gt=0, description="Default time budget in a 45-minute interview.")


class Framework(FrameworkMethods, _Strict):
    format_version: FormatVersion
    id: str = Field(pattern=_ID_PATTERN)
    title: str = Field(min_length=1)
    description: str = ""
    steps: list[FrameworkStep] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_step_ids(self) -> "Framework":
        seen: set[str] = set()
        for step in self.steps:
            if step.id in seen:
                raise ValueError(f"duplicate step id '{step.id}'")
            seen.add(step.id)
        return self


# --------------------------------------------------------------------- case


class Reference(ReferenceMethods, _Strict):
    id: str = Field(pattern=_ID_PATTERN)
    authors: str = Field(min_length=1, description="e.g. 'He et al.' or 'Uber Engineering'.")
    year: int = Field(ge=1950, le=2100)
    title: str = Field(min_length=1)
    venue: str = Field(default="", description="Conference, journal or blog.")
    url: str = ""
    note: str = Field(default="", description="What the case takes from it.")


class Concept(_Strict):
    id: str = Field(pattern=_ID_PATTERN)
    label: str = Field(min_length=1, description="Short human name of the concept.")
    weight: float = Field(gt=0, le=5)
    level: Level
    phrasings: list[str] = Field(
        min_length=1,
        description="Phrases that show the concept; words may come in any order and inflection.",
    )
    why: str = Field(min_length=1, description="Why it matters; shown when missed.")
    hint: str = Field(default="", description="A nudge shown when missed; defaults to the label.")

    @field_validator("phrasings")
    @classmethod
    def _phrasings_not_blank(cls, value: list[str]) -> list[str]:
        return _non_blank(value, "phrasings")


class RedFlag(_Strict):
    id: str = Field(pattern=_ID_PATTERN)
    claim: str = Field(min_length=1, description="The wrong claim, stated as a candidate would.")
    phrasings: list[str] = Field(min_length=1, description="Phrases that make the wrong claim.")
    penalty: float = Field(gt=0, le=1, description="Score points subtracted when raised.")
    why: str = Field(min_length=1, description="Why the claim is wrong.")
    fix: str = Field(default="", description="What to say or do instead.")
    unless: list[str] = Field(default_factory=list, description="Words that, in the same sentence, "
                              "give the phrasing a correct sense.")
    needs: list[str] = Field(default_factory=list, description="The claim's context: words of which one must "
                             "be in the same sentence for a phrasing to make the claim ('smote', 'downsampled' for "
                             "a claim about resampled scores). Empty: any sentence.")
    when: Literal["asserted", "dismissed"] = Field(
        default="asserted",
        description="'asserted': raised when the phrasing is claimed (not negated); 'dismissed': raised when "
        "the phrasing is denied or waved away ('no need to recalibrate').",
    )
    examples: list[str] = Field(default_factory=list, description="Sentences making the wrong claim, in the "
                                "voices candidates write in; the flag must catch each (checked by tests).")
    counterparts: list[str] = Field(default_factory=list, description="Correct sentences near the claim "
                                    "(its fix, its negation); the flag must spare each (checked by tests).")
    patterns: list[str] = Field(default_factory=list, description="Regular expressions (case-insensitive, "
                                "matched within a sentence) for a claim whose small words carry it, which a "
                                "phrasing's content words cannot hold ('averages out'); `needs`, `unless` and a "
                                "negating clause apply as for phrasings, the negation to the group named 'claim' "
                                "when there is one.")

    @field_validator("phrasings")
    @classmethod
    def _phrasings_not_blank(cls, value: list[str]) -> list[str]:
        return _non_blank(value, "phrasings")

    @field_validator("patterns")
    @classmethod
    def _patterns_compile(cls, value: list[str]) -> list[str]:
        for pattern in _non_blank(value, "patterns"):
            try:
                compiled = re.compile(pattern, re.IGNORECASE)
            except re.error as err:
                raise ValueError(f"pattern {pattern!r} is not a regular expression: {err}") from None
            if compiled.search(""):
                raise ValueError(f"pattern {pattern!r} matches an empty string")
        return value


class Pitfall(RedFlag):
    """A wrong claim candidates make in any case, inherited by every case's rubric."""

    fix: str = Field(min_length=1, description="What to say or do instead.")
    steps: list[str] = Field(default_factory=list, description="Step ids it applies to; empty for every step.")
    examples: list[str] = Field(min_length=1, description="Wrong claims it must catch (checked by tests).")
    counterparts: list[str] = Field(min_length=1, description="Correct statements it must not flag (tests).")  # required here


class PitfallLibrary(_Strict):
    format_version: FormatVersion
    pitfalls: list[Pitfall] = Field(min_length=1)


class Rubric(_Strict):
    concepts: list[Concept] = Field(min_length=1)
    red_flags: list[RedFlag] = Field(default_factory=list)
    pitfalls_off: list[str] = Field(
        default_factory=list, description="Ids of shared pitfalls (pitfalls/common.yaml) that do not apply here."
    )

    @model_validator(mode="after")
    def _unique_ids(self) -> "Rubric":
        ids = [c.id for c in self.concepts] + [r.id for r in self.red_flags]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate rubric ids: {', '.join(dupes)}")
        return self


class CaseStep(_Strict):
    question: str = Field(min_length=1, description="The interviewer's question, in the case's terms.")
    hints: list[str] = Field(default_factory=list, description="From a nudge to a near-giveaway.")
    follow_ups: list[str] = Field(default_factory=list, description="Probes that push deeper.")
    rubric: Rubric
    model_answer: str = Field(min_length=1)
    references: list[str] = Field(default_factory=list, description="Reference ids of the case.")
    labs: list[str] = Field(default_factory=list, description="Lab ids that demonstrate this step.")


class Fact(_Strict):
    id: str = Field(pattern=_ID_PATTERN)
    topic: str = Field(min_length=1, description="e.g. 'Scale', 'Latency budget'.")
    asks: list[str] = Field(min_length=1, description="Phrasings of the question that asks for it.")
    answer: str = Field(min_length=1, description="The interviewer's reply, in character.")


_NAME_PATTERN = r"^[a-z_][a-z0-9_]*$"


class WorkLine(_Strict):
    """One link of an estimate's worked chain: `name = value`, where value is a number with
    units (pint syntax: "60000 / s", "5 TB / day") or an expression of earlier names."""

    name: str = Field(pattern=_NAME_PATTERN, description="A name later lines can use, e.g. 'peak_qps'.")
    value: str | float = Field(description="Number with units, or an expression of earlier names.")
    note: str = Field(default="", description="Where the number comes from (a fact, an assumption).")


class Estimate(_Strict):
    """A back-of-envelope question: its worked chain must compute to `expected` (checked by
    `mlsd dev check`); an answer within a factor `tolerance` of it counts as right."""

    id: str = Field(pattern=_ID_PATTERN)
    step: str = Field(default="requirements", pattern=_ID_PATTERN, description="The step it belongs to.")
    question: str = Field(min_length=1)
    unit: str = Field(min_length=1, description="Unit the answer is checked in (pint syntax), e.g. '1/s', 'GB'.")
    unit_label: str = Field(default="", description="How the unit reads, e.g. 'queries per second'.")
    facts: list[str] = Field(default_factory=list, description="Ids of the case facts the question needs.")
    work: list[WorkLine] = Field(min_length=1, description="The worked chain; the last line is the answer.")
    expected: float = Field(gt=0, description="The answer in `unit`.")
    tolerance: float = Field(default=2.0, gt=1, le=10, description="Accepted factor either way (2: half to double).")
    why: str = Field(default="", description="Why an interviewer asks for this number.")

    @model_validator(mode="after")
    def _names_unique(self) -> "Estimate":
        names = [line.name for line in self.work]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"work names used twice: {', '.join(dupes)}")
        return self


class Component(_Strict):
    id: str = Field(pattern=_ID_PATTERN)
    label: str = Field(min_length=1, description="Name shown in reports and the reference diagram.")
    names: list[str] = Field(min_length=1, description="What people call it in a sketch; words in any order.")
    why: str = Field(min_length=1, description="What leaving it out costs; shown when missing.")
    optional: bool = Field(default=False, description="Good to have; its absence costs no points.")

    @field_validator("names")
    @classmethod
    def _names_not_blank(cls, value: list[str]) -> list[str]:
        return _non_blank(value, "names")


class Flow(FlowMethods, _Strict):
    """A required order between two components: 'a -> b' holds when the sketch has a path from a to b."""

    edge: str = Field(description="'component-id -> component-id'.")
    why: str = Field(min_length=1, description="Why the order matters; shown when missing or reversed.")
    optional: bool = False
    directed: bool = Field(default=True, description="False: a path either way counts (a lookup, a read).")

    @field_validator("edge")
    @classmethod
    def _edge_form(cls, value: str) -> str:
        if not EDGE.match(value):
            raise ValueError(f"edge must read 'component-id -> component-id', not {value!r}")
        return value


class Architecture(ArchitectureMethods, _Strict):
    """The reference design a sketch (arrow lines or a Mermaid flowchart) is graded against."""

    step: str = Field(default="serving", pattern=_ID_PATTERN, description="The step whose answers carry sketches.")
    components: list[Component] = Field(min_length=2)
    edges: list[Flow] = Field(min_length=1)

    @model_validator(mode="after")
    def _edges_resolve(self) -> "Architecture":
        ids = [c.id for c in self.components]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate component ids: {', '.join(dupes)}")
        for flow in self.edges:
            for end in flow.ends:
                if end not in ids:
                    raise ValueError(f"edge '{flow.edge}' names unknown component '{end}'")
        return self


class Case(CaseMethods, _Strict):
    format_version: FormatVersion
    id: str = Field(pattern=_ID_PATTERN)
    title: str = Field(min_length=1)
    difficulty: Difficulty
    framework: str = Field(default="seven-step", pattern=_ID_PATTERN)
    companies: list[str] = Field(default_factory=list, description="Companies known to ask it.")
    summary: str = Field(default="", description="One line for `mlsd list`.")
    prompt: str = Field(min_length=1, description="The problem as the interviewer states it.")
    facts: list[Fact] = Field(default_factory=list)
    tradeoffs: list[str] = Field(default_factory=list)
    references: list[Reference] = Field(default_factory=list)
    steps: dict[str, CaseStep] = Field(min_length=1)
    estimates: list[Estimate] = Field(default_factory=list, description="Back-of-envelope questions (`mlsd estimate`).")
    architecture: Architecture | None = Field(default=None, description="Reference architecture sketches are graded against.")

    @model_validator(mode="after")
    def _references_resolve(self) -> "Case":
        known = {r.id for r in self.references}
        for step_id, step in self.steps.items():
            for ref in step.references:
                if ref not in known:
                    raise ValueError(f"step '{step_id}' cites unknown reference '{ref}'")
        return self

    @model_validator(mode="after")
    def _estimates_resolve(self) -> "Case":
        facts = {f.id for f in self.facts}
        ids = [e.id for e in self.estimates]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate estimate ids: {', '.join(dupes)}")
        for estimate in self.estimates:
            if estimate.step not in self.steps:
                raise ValueError(f"estimate '{estimate.id}' belongs to unknown step '{estimate.step}'")
            for fact in estimate.facts:
                if fact not in facts:
                    raise ValueError(f"estimate '{estimate.id}' needs unknown fact '{fact}'")
        if self.architecture is not None and self.architecture.step not in self.steps:
            raise ValueError(f"architecture belongs to unknown step '{self.architecture.step}'")
        return self


def json_schema() -> dict:
    """JSON Schema of a case file, for editors (yaml-language-server and the like)."""
    schema = Case.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "mlsd case"
    return schema
