"""A practice session stepping through a framework: no terminal, only logic.

The engine stores each answer before grading it (so nothing typed is lost
even if grading fails), grades through `mlsd.grader`, and keeps the record
in the store. The terminal loop in `mlsd.tui` drives it; tests drive it
directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlsd.grader import Grade, grade
from mlsd.session.interviewer import question_grading_text
from mlsd.content.schema import Case, Framework, FrameworkStep
from mlsd.session.scorecard import ScoreRow  # noqa: F401  (defined apart, re-exported here)
from mlsd.session.store import AnswerRow, SessionRow, Store

if TYPE_CHECKING:
    from mlsd.content.schema import Estimate
    from mlsd.drills.estimate import EstimateCheck


FOLLOWUP_DRAFT = "followup:"  # the drafts key of a follow-up reply being typed, before the step id


class SessionEngine:
    """One session of one case: answer, skip, draft and score steps."""

    def __init__(self, store: Store, case: Case, framework: Framework, session: SessionRow):
        self.store = store
        self.case = case
        self.framework = framework
        self.session = session

    # -------------------------------------------------------- lifecycle

    @classmethod
    def start(cls, store: Store, case: Case, framework: Framework, *, level: str, mode: str = "practice",
              minutes: float | None = None, meta: dict | None = None, now: float | None = None,
              step_ids: list[str] | None = None) -> "SessionEngine":
        """Open a new session. `step_ids` restricts it to those framework steps (a drill);
        they are kept in the session's meta, so a resumed session walks the same steps."""
        if step_ids is not None:
            unknown = [s for s in step_ids if s not in framework.step_ids]
            if unknown or not step_ids:
                raise ValueError(f"step_ids must name steps of framework '{framework.id}': {unknown or step_ids}")
            chosen = set(step_ids)
            meta = {**(meta or {}), "step_ids": [s for s in framework.step_ids if s in chosen]}
        session_id = store.create_session(case.id, framework.id, mode, level, minutes=minutes, meta=meta, now=now)
        return cls(store, case, framework, store.session(session_id))

    @classmethod
    def reopen(cls, store: Store, case: Case, framework: Framework, session_id: int) -> "SessionEngine":
        return cls(store, case, framework, store.session(session_id))

    @property
    def id(self) -> int:
        return self.session.id

    @property
    def level(self) -> str:
        return self.session.level

    @property
    def steps(self) -> list[FrameworkStep]:
        """The framework's steps, or only those in the session's `step_ids` (a drill)."""
        chosen = self.session.meta.get("step_ids")
        if not chosen:
            return self.framework.steps
        return [s for s in self.framework.steps if s.id in chosen]

    def question(self, step_id: str) -> str:
        case_step = self.case.steps.get(step_id)
        return case_step.question if case_step else self.framework.step(step_id).question

    def hints(self, step_id: str) -> list[str]:
        case_step = self.case.steps.get(step_id)
        return list(case_step.hints) if case_step else []

    # ---------------------------------------------------------- answers

    def latest(self) -> dict[str, AnswerRow]:
        return self.store.latest_answers(self.id)

    def first_open_index(self) -> int | None:
        """Index of the first step with no answer and no skip, or None when all are done."""
        done = self.latest()
        for index, step in enumerate(self.steps):
            if step.id not in done:
                return index
        return None

    def submit(self, step_id: str, text: str, *, seconds: float | None = None, extra: dict | None = None,
               now: float | None = None) -> Grade:
        """Store the answer, then grade it and store the grade."""
        self.store.add_answer(self.id, step_id, text, seconds=seconds, extra=extra, now=now)
        result = self.grade_step(step_id)
        self.clear_draft(step_id)
        assert result is not None  # the row just stored is the step's main answer
        return result

    # ------------------------------------- questions and follow-ups

    @property
    def clarify_step(self) -> str:
        """The step clarifying questions count toward: requirements, else the first step."""
        ids = self.framework.step_ids
        return "requirements" if "requirements" in ids else ids[0]

    def add_answer(self, step_id: str, text: str, *, kind: str = "answer", seconds: float | None = None,
                   extra: dict | None = None, now: float | None = None) -> int:
        """Store one row as entered, without grading it (see `grade_step`)."""
        return self.store.add_answer(self.id, step_id, text, kind=kind, seconds=seconds, extra=extra, now=now)

    def add_question(self, step_id: str, question: str, reply: dict, *, seconds: float | None = None) -> int:
        """Store a clarifying question; `reply` holds the interviewer's answer and fact ids."""
        return self.add_answer(step_id, question, kind="question", seconds=seconds, extra=reply)

    def add_followup(self, step_id: str, probe: str, text: str, *, seconds: float | None = None,
                     extra: dict | None = None) -> int:
        """Store the reply to a follow-up probe; it is graded with the step's answer."""
        return self.add_answer(step_id, text, kind="followup", seconds=seconds,
                               extra={"question": probe, **(extra or {})})

    def add_estimate(self, step_id: str, result: "EstimateCheck", *, seconds: float | None = None) -> int:
        """Store an estimation answer asked in the step (kept beside the step, never scored with it)."""
        return self.add_answer(step_id, result.answer, kind="estimate", seconds=seconds, extra=result.to_json())

    def estimates(self) -> list[AnswerRow]:
        """Estimation answers of this session, in the order given."""
        return [row for row in self.store.answers(self.id) if row.kind == "estimate"]

    def next_estimate(self, step_id: str) -> "Estimate | None":
        """The estimation question to ask in the step: none already answered in this session,
        and among the rest the one the user's log says is due (see drills.estimate.pick_question)."""
        from mlsd.drills import estimate_log
        from mlsd.drills.estimate import pick_question

        asked = {str(row.extra.get("id")) for row in self.estimates()}
        return pick_question(self.case, step_id, estimate_log.attempts(self.case.id), asked)

    def questions(self) -> list[AnswerRow]:
        return [row for row in self.store.answers(self.id) if row.kind == "question"]

    def step_rows(self, step_id: str) -> tuple[AnswerRow | None, list[AnswerRow]]:
        """The step's latest main row and the follow-up replies stored after it."""
        main: AnswerRow | None = None
        followups: list[AnswerRow] = []
        for row in self.store.answers(self.id):
            if row.step != step_id:
                continue
            if row.kind in ("answer", "skip", "unanswered"):
                main, followups = row, []
            elif row.kind == "followup" and main is not None:
                followups.append(row)
        return main, followups

    def step_text(self, step_id: str) -> str:
        """What a step is graded on: the answer, then each follow-up reply, then (for
        the clarifying step) the questions asked so far."""
        main, followups = self.step_rows(step_id)
        parts = [main.text.strip()] if main is not None and main.kind == "answer" else []
        parts += [row.text.strip() for row in followups]
        if step_id == self.clarify_step and main is not None and main.kind == "answer":
            parts += [question_grading_text(self.case, row.text, row.extra.get("fact_ids", []))
                      for row in self.questions()]
        if len(parts) == 1:
            return main.text if main is not None else ""  # exactly as typed, as before
        return "\n\n".join(p for p in parts if p)  # paragraph breaks keep the parts' sentences apart

    def grade_step(self, step_id: str, level: str | None = None) -> Grade | None:
        """Grade the step's combined text and store the grade on its main answer row.

        None when the step has no answer (unanswered or skipped). With another
        `level` the grade is computed but not stored.
        """
        main, _ = self.step_rows(step_id)
        if main is None or main.kind != "answer":
            return None
        result = grade(self.case, step_id, self.step_text(step_id), level or self.level)
        # concepts the user marked covered stay marked while they are still missed
        missed = {m.id for m in result.misses}
        result.self_assessed[:] = [c for c in (main.grade or {}).get("self_assessed", []) if c in missed]
        raised = {f.id for f in result.red_flags}  # and so do red flags they disputed, while still raised
        result.disputed[:] = [f for f in (main.grade or {}).get("disputed", []) if f in raised]
        if level is None or level == self.level:
            self.store.set_grade(main.id, result.score, result.to_json())
        return result

    def mark_covered(self, step_id: str, concept: str) -> tuple[str, str]:
        """Mark a missed concept of the step's latest grade as covered (self-assessed) and
        log the dispute. `concept` is an id or the 1-based number of the miss as shown.
        Returns the concept's id and label; KeyError when nothing matches."""
        concept_id, _ = self._self_assess(step_id, concept, listed="missed", into="self_assessed", kind="concept")
        labels = {c.id: c.label for c in self.case.steps[step_id].rubric.concepts}
        return concept_id, labels.get(concept_id, concept_id)

    def dispute_flag(self, step_id: str, flag: str) -> tuple[str, str]:
        """Mark a red flag of the step's latest grade as disputed (the user says it misread
        them) and log the dispute. `flag` is an id or the 1-based number of the flag as shown.
        The score stays as graded: like a concept marked covered, this is self-assessed.
        Returns the flag's id and claim; KeyError when nothing matches."""
        flag_id, raised = self._self_assess(step_id, flag, listed="red_flags", into="disputed", kind="flag")
        return flag_id, str(raised.get("claim") or flag_id)

    def _self_assess(self, step_id: str, wanted: str, *, listed: str, into: str, kind: str) -> tuple[str, dict]:
        """The user overrules the grade: the item `wanted` (an id, or its 1-based number as shown) of the
        latest grade's `listed` entries is added to its `into` list and logged as a dispute of `kind`."""
        main, _ = self.step_rows(step_id)
        if main is None or main.kind != "answer" or not main.grade:
            raise KeyError(wanted)
        entries = main.grade.get(listed, [])
        ids = [str(entry.get("id", "")) for entry in entries]
        chosen = ids[int(wanted) - 1] if wanted.isdigit() and 0 < int(wanted) <= len(ids) else wanted
        if chosen not in ids:
            raise KeyError(wanted)
        stored = dict(main.grade)
        stored[into] = list(dict.fromkeys([*stored.get(into, []), chosen]))
        self.store.set_grade(main.id, main.score if main.score is not None else 0.0, stored)
        self.store.add_dispute(self.id, main.id, self.case.id, step_id, chosen, kind=kind)
        return chosen, entries[ids.index(chosen)]

    def skip(self, step_id: str, *, seconds: float | None = None, kind: str = "skip", text: str = "") -> None:
        self.store.add_answer(self.id, step_id, text, kind=kind, score=0.0, seconds=seconds)
        self.clear_draft(step_id)

    def save_draft(self, step_id: str, text: str) -> None:
        """Keep half-typed text so an interrupted answer comes back on resume."""
        text = text.rstrip("\n")
        if text.strip() and self.session_drafts().get(step_id) != text:
            self.store.update_meta(self.id, drafts={**self.session_drafts(), step_id: text})

    def answer_for_editing(self, step_id: str) -> str:
        """The text to edit when the user goes back to a step: its unfinished draft, else its
        answer with the follow-up replies it was graded with, so an edit adds to it."""
        draft = self.draft(step_id)
        if draft.strip():
            return draft
        main, followups = self.step_rows(step_id)
        if main is None:
            return ""
        parts = [main.text.strip()] + [row.text.strip() for row in followups]
        return "\n\n".join(p for p in parts if p)

    # follow-up replies being typed are kept under their own key, with the probe they answer
    def save_followup_draft(self, step_id: str, probe: str, text: str) -> None:
        drafts = self.session_drafts()
        value = {"question": probe, "text": text.rstrip("\n")}
        if text.strip() and drafts.get(FOLLOWUP_DRAFT + step_id) != value:
            self.store.update_meta(self.id, drafts={**drafts, FOLLOWUP_DRAFT + step_id: value})

    def clear_followup_draft(self, step_id: str) -> None:
        self.clear_draft(FOLLOWUP_DRAFT + step_id)

    def recover_followup_drafts(self) -> list[str]:
        """Store the follow-up replies an earlier sitting left half-typed (a kill, a lost
        terminal) as replies, regrade their steps, and return those step ids."""
        recovered = []
        for key, value in self.session_drafts().items():
            if not key.startswith(FOLLOWUP_DRAFT) or not isinstance(value, dict):
                continue
            step_id = key[len(FOLLOWUP_DRAFT):]
            main, _ = self.step_rows(step_id)
            if main is not None and main.kind == "answer" and str(value.get("text", "")).strip():
                self.add_followup(step_id, str(value.get("question", "")), str(value["text"]).strip(),
                                  extra={"interrupted": True})
                self.grade_step(step_id)
                recovered.append(step_id)
            self.clear_draft(key)
        return recovered

    def is_empty(self) -> bool:
        """Nothing typed, run or stored: no answers, no drafts, no lab runs."""
        return (not self.store.answers(self.id) and not any(self.session_drafts().values())
                and not self.store.lab_runs(self.id))

    def discard_if_empty(self) -> bool:
        """Delete the session when nothing was typed in it (a :quit at the first prompt)."""
        if self.session.finished or not self.is_empty():
            return False
        self.store.delete_session(self.id)
        return True

    def draft(self, step_id: str) -> str:
        value = self.session_drafts().get(step_id, "")
        return value if isinstance(value, str) else ""

    def clear_draft(self, step_id: str) -> None:
        drafts = self.session_drafts()
        if step_id in drafts:
            drafts.pop(step_id)
            self.store.update_meta(self.id, drafts=drafts)

    def session_drafts(self) -> dict:
        drafts = self.store.session(self.id).meta.get("drafts")
        return dict(drafts) if isinstance(drafts, dict) else {}

    # ---------------------------------------------------------- results

    def scorecard(self) -> list[ScoreRow]:
        latest = self.latest()
        rows: list[ScoreRow] = []
        for step in self.steps:
            row = latest.get(step.id)
            if row is None:
                rows.append(ScoreRow(step.id, step.title, None, "unanswered", None, step.minutes))
            elif row.kind == "answer":
                rows.append(ScoreRow(step.id, step.title, row.score, "answered", row.seconds, step.minutes))
            else:
                rows.append(ScoreRow(step.id, step.title, None, "skipped" if row.kind == "skip" else row.kind,
                                     row.seconds, step.minutes))
        return rows

    def total(self) -> float:
        """Mean over all framework steps; unanswered and skipped steps count as 0."""
        rows = self.scorecard()
        return sum(r.score or 0.0 for r in rows) / len(rows) if rows else 0.0

    def finish(self, now: float | None = None) -> float:
        total = self.total()
        self.store.finish_session(self.id, total, now=now)
        self.session = self.store.session(self.id)
        return total
