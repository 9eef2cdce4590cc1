"""Your estimation answers, kept as an append-only log in the data folder.

One JSON object a line in `estimates.jsonl` beside the database: when, which
case and question, what was typed, the verdict and the factor. A line is
written (and flushed) the moment an answer is checked, so nothing is lost; a
damaged line (cut short, edited by hand) is skipped when the log is read, so
one bad line never stops stats or the review queue. The log is kept apart
from the session database on purpose: a drill is not an interview session, and
`mlsd history` and `mlsd export last` stay about interviews.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mlsd import paths
from mlsd.errors import UserError

if TYPE_CHECKING:
    from mlsd.drills.estimate import EstimateCheck

LOG_NAME = "estimates.jsonl"
MAX_LINE = 4000  # characters; anything longer was not written by mlsd


@dataclass(frozen=True)
class EstimateAttempt:
    at: float  # epoch seconds
    case_id: str
    estimate_id: str
    step: str
    answer: str
    verdict: str  # right | off | wrong-unit
    factor: float | None

    @property
    def correct(self) -> bool:
        return self.verdict == "right"


def log_path() -> Path:
    return paths.data_home() / LOG_NAME


def record(result: "EstimateCheck", now: float | None = None, path: Path | None = None) -> EstimateAttempt:
    """Append one checked answer to the log; UserError (one line) when the data folder cannot be written."""
    attempt = EstimateAttempt(now if now is not None else time.time(), result.case_id, result.estimate_id,
                              result.step, result.answer[:500], result.verdict, result.factor)
    target = path or log_path()
    line = json.dumps({"at": round(attempt.at, 3), "case": attempt.case_id, "id": attempt.estimate_id,
                       "step": attempt.step, "answer": attempt.answer, "verdict": attempt.verdict,
                       "factor": None if attempt.factor is None else round(attempt.factor, 6)},
                      ensure_ascii=False)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # one write of one line to a file opened for appending: lines from two mlsd at once do not interleave
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, (line + "\n").encode("utf-8"))
        finally:
            os.close(fd)
    except OSError as exc:
        raise UserError(f"cannot save your answer to {target}: {exc.strerror or exc}; "
                        "set MLSD_HOME to a folder you can write") from None
    return attempt


def attempts(case_id: str | None = None, path: Path | None = None) -> list[EstimateAttempt]:
    """Every logged answer, oldest first (optionally of one case); an unreadable log reads as empty."""
    source = path or log_path()
    try:
        with open(source, encoding="utf-8", errors="replace") as handle:
            lines = handle.readlines()
    except OSError:
        return []
    found: list[EstimateAttempt] = []
    for line in lines:
        attempt = _parse(line)
        if attempt is not None and (case_id is None or attempt.case_id == case_id):
            found.append(attempt)
    found.sort(key=lambda a: a.at)
    return found


def _parse(line: str) -> EstimateAttempt | None:
    if not line.strip() or len(line) > MAX_LINE:
        return None
    try:
        data = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    at, case_id, estimate_id = data.get("at"), data.get("case"), data.get("id")
    verdict, factor = data.get("verdict"), data.get("factor")
    if (not isinstance(at, (int, float)) or isinstance(at, bool) or not isinstance(case_id, str)
            or not isinstance(estimate_id, str) or verdict not in ("right", "off", "wrong-unit")):
        return None
    if not isinstance(factor, (int, float)) or isinstance(factor, bool):
        factor = None
    step = data.get("step") if isinstance(data.get("step"), str) else "requirements"
    answer = data.get("answer") if isinstance(data.get("answer"), str) else ""
    return EstimateAttempt(float(at), case_id, estimate_id, step, answer, verdict,
                           None if factor is None else float(factor))
