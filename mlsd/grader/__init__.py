"""Grading free-text answers against a step's rubric.

`grade(case, step_id, text, level)` is the one entry point the CLI, the
engine, the benchmarks and the tests call. It is deterministic and offline.
"""

from mlsd.grader.core import DEFAULT_LEVEL, Grade, Hit, Miss, RaisedFlag, ScorePart, grade

__all__ = ["DEFAULT_LEVEL", "Grade", "Hit", "Miss", "RaisedFlag", "ScorePart", "grade"]
