"""Answer sheets: markdown with one `## ` heading per step.

A heading names a step by its id, number or title, case and punctuation
ignored: `## 3. Data and features`, `## data`, `## Step 3` all mean `data`.
Text before the first `## ` heading (a title, notes) is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlsd.errors import UserError
from mlsd.schema import Framework

_HEADING = re.compile(r"^##(?!#)\s*(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class SheetAnswer:
    step: str
    text: str
    line: int  # line of the heading, 1-based


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def match_heading(heading: str, framework: Framework) -> str | None:
    """The step id a heading names, or None."""
    words = _words(heading)
    if not words:
        return None
    if words[0] == "step":
        words = words[1:]
    if words and words[0].isdigit():
        number = int(words[0])
        if 1 <= number <= len(framework.steps):
            return framework.steps[number - 1].id
        return None
    joined = " ".join(words)
    for step in framework.steps:
        if joined in (step.id.replace("-", " "), " ".join(_words(step.title))):
            return step.id
    # a heading that starts with the id or the title and adds words ("Data and features (8 min)")
    for step in framework.steps:
        title = " ".join(_words(step.title))
        if joined.startswith(title + " ") or words[0] == step.id:
            return step.id
    return None


def parse_sheet(text: str, framework: Framework, source: str = "<sheet>") -> dict[str, SheetAnswer]:
    """Step id -> answer. Raises UserError naming the line of a bad heading."""
    answers: dict[str, SheetAnswer] = {}
    current: str | None = None
    current_line = 0
    body: list[str] = []
    in_fence = False

    def flush() -> None:
        if current is not None:
            answers[current] = SheetAnswer(current, "\n".join(body).strip(), current_line)

    for number, line in enumerate(text.splitlines(), start=1):
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match is None:
            if current is not None:
                body.append(line)
            continue
        flush()
        heading = match.group(1)
        step_id = match_heading(heading, framework)
        if step_id is None:
            names = ", ".join(s.id for s in framework.steps)
            raise UserError(f"{source}:{number}: heading '## {heading}' names no step (use a step id, number or title: {names})")
        if step_id in answers:
            raise UserError(f"{source}:{number}: step '{step_id}' appears twice (first at line {answers[step_id].line})")
        current, current_line, body = step_id, number, []
    flush()
    if not answers:
        raise UserError(f"{source}: no steps found; start each answer with a heading such as '## requirements' or '## 1. Clarify requirements'")
    return answers


def render_sheet(answers: dict[str, str], framework: Framework, title: str = "") -> str:
    """The inverse of parse_sheet: a markdown sheet from step id -> text."""
    parts = [f"# {title}\n"] if title else []
    for number, step in enumerate(framework.steps, start=1):
        if step.id in answers:
            parts.append(f"## {number}. {step.title}\n\n{answers[step.id].strip()}\n")
    return "\n".join(parts)
