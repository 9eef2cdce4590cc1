"""Grading a whole answer sheet: the library behind `mlsd grade`."""

from __future__ import annotations

from dataclasses import dataclass

from mlsd.grader import Grade, grade
from mlsd.content.schema import Case, Framework
from mlsd.grader.sheet import parse_sheet


@dataclass
class SheetReport:
    case: str
    level: str
    grades: list[Grade]  # one per framework step, in order

    @property
    def total(self) -> float:
        return sum(g.score for g in self.grades) / len(self.grades) if self.grades else 0.0

    def to_json(self) -> dict:
        return {"case": self.case, "level": self.level, "total": round(self.total, 4),
                "steps": [g.to_json() for g in self.grades]}


def grade_sheet(case: Case, framework: Framework, text: str, level: str, source: str = "<sheet>") -> SheetReport:
    answers = parse_sheet(text, framework, source)
    grades = [grade(case, step.id, answers[step.id].text if step.id in answers else "", level)
              for step in framework.steps]
    return SheetReport(case.id, level, grades)
