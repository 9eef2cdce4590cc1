"""Content lint beyond the schema: what `mlsd validate` and `mlsd dev check` add.

The schema says a case is well-formed; these checks say it is usable:
labs exist, every step teaches (hints, follow-ups, red flags), and the
shipped grader agrees with the case's own model answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from mlsd.grader import grade
from mlsd.content.schema import LEVELS, Case

MODEL_ANSWER_MIN = 0.85
WEAK_ANSWER_MAX = 0.35
MIN_CONCEPTS = 6
MIN_RED_FLAGS = 2
MIN_ESTIMATES = 6


@dataclass(frozen=True)
class StepCheck:
    case: str
    step: str
    model_score: float
    empty_score: float
    one_sentence_score: float
    problems: tuple[str, ...]


def _case_files(targets: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for target in targets:
        if target.is_dir():
            files += sorted(p for p in target.iterdir() if p.suffix in (".yaml", ".yml"))
        elif target.suffix in (".yaml", ".yml"):
            files.append(target)
    return [f for f in files if f.parent.name != "frameworks"]


def lab_id_problems(targets: Iterable[Path]) -> list[str]:
    """Lab ids named by cases that no registered lab has. Files are read through the
    loader's one reader; a file it cannot read is left to the schema check to report."""
    from mlsd.labs import all_labs
    from mlsd.content.loader import _line_of, read_document

    known = {spec.id for spec in all_labs()}
    problems: list[str] = []
    for path in _case_files(targets):
        data, node, _ = read_document(path)
        steps = data.get("steps") if isinstance(data, dict) else None  # None: unreadable, reported elsewhere
        if not isinstance(steps, dict):
            continue
        for step_id, step in steps.items():
            labs = step.get("labs", []) if isinstance(step, dict) else []
            for index, lab_id in enumerate(labs if isinstance(labs, list) else []):
                if isinstance(lab_id, str) and lab_id not in known:
                    line = _line_of(node, ("steps", step_id, "labs", index))
                    problems.append(f"{path}:{line}: steps.{step_id}.labs: unknown lab '{lab_id}'")
    return problems


def one_sentence(case: Case, step_id: str) -> str:
    """A plausible but thin answer: the first sentence of the model answer."""
    from mlsd.grader.text import sentences

    found = sentences(case.steps[step_id].model_answer.strip())
    return found[0].text if found else ""


def numbers_and_boxes_problems(case: Case) -> dict[str, list[str]]:
    """Step id -> problems of the case's estimates (count, units, worked chains that must compute
    to the expected value) and reference architecture (names that read as their own component, and
    a sketch of the reference itself grading 100%)."""
    from mlsd.grader.architecture import reference_self_check
    from mlsd.drills.estimate import estimate_problems

    first = next(iter(case.steps))
    found: dict[str, list[str]] = {}
    home = "requirements" if "requirements" in case.steps else first
    if len(case.estimates) < MIN_ESTIMATES:
        found.setdefault(home, []).append(f"needs at least {MIN_ESTIMATES} estimates (has {len(case.estimates)})")
    for step_id, problem in estimate_problems(case):
        found.setdefault(step_id, []).append(problem)
    if case.architecture is None:
        found.setdefault("serving" if "serving" in case.steps else first, []).append("needs a reference architecture")
    else:
        for problem in reference_self_check(case.architecture):
            found.setdefault(case.architecture.step, []).append(f"architecture: {problem}")
    return found


_LISTED_FIELDS = ("phrasings", "unless", "needs", "examples", "counterparts")


def repeated_entries(item) -> list[str]:
    """A concept's, red flag's or pitfall's list entries given twice: each is matched or tested
    again for nothing (a drill that appends phrasings can repeat one)."""
    problems = []
    for name in _LISTED_FIELDS:
        entries = getattr(item, name, ())
        repeated = sorted({entry for entry in entries if entries.count(entry) > 1})
        if repeated:
            problems.append(f"{item.id}: {name} repeats {', '.join(repr(e) for e in repeated)}")
    return problems


def shared_phrasings(concepts) -> list[str]:
    """Phrasings of two concepts of one step that the grader reads as the same words ("split
    documents" and "split by document" both become split + document): one sentence would earn both
    concepts, though it means one. Reported as the later concept's phrasing."""
    from mlsd.grader.text import phrase_terms

    owner: dict[frozenset[str], tuple[str, str]] = {}
    problems = []
    for concept in concepts:
        for phrasing in concept.phrasings:
            terms = frozenset(phrase_terms(phrasing))
            first = owner.setdefault(terms, (concept.id, phrasing))
            if terms and first[0] != concept.id:
                problems.append(f"{concept.id}: phrasing {phrasing!r} reads as {first[0]}'s {first[1]!r}")
    return problems


def phrasings_read_as_wrong(case: Case, step_id: str) -> list[str]:
    """Concept phrasings that, said alone, raise one of the step's red flags: a candidate who says
    the idea in those words is told it is wrong ('fail open' as the fallback concept and as the flag
    'approve everything on timeout'). Only phrasings that hold all of a flag phrasing's terms are graded."""
    from mlsd.content import pitfalls
    from mlsd.grader.text import phrase_terms

    step = case.steps[step_id]
    flags = [f for f in pitfalls.for_step(step.rubric, step_id) if f.when != "dismissed"]
    flag_terms = [(f.id, frozenset(phrase_terms(p))) for f in flags for p in f.phrasings]
    problems = []
    for concept in step.rubric.concepts:
        for phrasing in concept.phrasings:
            terms = frozenset(phrase_terms(phrasing))
            suspects = {fid for fid, needed in flag_terms if needed and needed <= terms}
            raised = suspects & {f.id for f in grade(case, step_id, phrasing).red_flags} if suspects else set()
            if raised:
                problems.append(f"{concept.id}: phrasing {phrasing!r} raises {', '.join(sorted(raised))}")
    return problems


def check_case(case: Case, level: str = "senior") -> list[StepCheck]:
    results: list[StepCheck] = []
    extra = numbers_and_boxes_problems(case)
    for step_id, step in case.steps.items():
        problems: list[str] = list(extra.get(step_id, []))
        if len(step.hints) < 2:
            problems.append(f"needs at least 2 hints (has {len(step.hints)})")
        if len(step.follow_ups) < 2:
            problems.append(f"needs at least 2 follow-ups (has {len(step.follow_ups)})")
        if len(step.rubric.concepts) < MIN_CONCEPTS:
            problems.append(f"needs at least {MIN_CONCEPTS} concepts (has {len(step.rubric.concepts)})")
        if len(step.rubric.red_flags) < MIN_RED_FLAGS:
            problems.append(f"needs at least {MIN_RED_FLAGS} red flags (has {len(step.rubric.red_flags)})")
        levels = {c.level for c in step.rubric.concepts}
        if levels != set(LEVELS):
            problems.append(f"concepts should span {', '.join(LEVELS)} (has {', '.join(sorted(levels))})")
        for item in (*step.rubric.concepts, *step.rubric.red_flags):
            problems.extend(repeated_entries(item))
        problems.extend(shared_phrasings(step.rubric.concepts))
        problems.extend(phrasings_read_as_wrong(case, step_id))
        words = len(step.model_answer.split())
        if not 150 <= words <= 350:
            problems.append(f"model answer has {words} words (want 150-350)")
        model = grade(case, step_id, step.model_answer, level).score
        empty = grade(case, step_id, "", level).score
        thin = grade(case, step_id, one_sentence(case, step_id), level).score
        if model < MODEL_ANSWER_MIN:
            missed = ", ".join(m.id for m in grade(case, step_id, step.model_answer, level).misses)
            problems.append(f"model answer grades {model:.2f} < {MODEL_ANSWER_MIN} (missed: {missed})")
        if empty > 0 or thin > WEAK_ANSWER_MAX:
            problems.append(f"weak answers grade too high (empty {empty:.2f}, one sentence {thin:.2f})")
        results.append(StepCheck(case.id, step_id, model, empty, thin, tuple(problems)))
    return results
