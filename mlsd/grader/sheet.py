"""Answer sheets: markdown with one `## ` heading per step.

A heading names a step by its id, number or title, case and punctuation
ignored: `## 3. Data and features`, `## data`, `## Step 3` all mean `data`.
Text before the first `## ` heading (a title, notes) is ignored.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from mlsd.errors import UserError
from mlsd.content.schema import Framework
from mlsd.textfile import TextFileError, decode, read_stream, read_text

# Bounds on what is graded. A thorough answer to one step runs 300-600 words
# (2,000-4,000 characters); grading takes time in proportion to length, so
# an answer past MAX_ANSWER_CHARS is refused (nothing is stored) rather than
# graded for seconds or minutes, and so is a sheet past MAX_SHEET_BYTES.
MAX_ANSWER_CHARS = 12_000
MAX_SHEET_BYTES = 200_000

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
    if words and words[0] == "step":
        words = words[1:]
    if not words:
        return None
    if words[0].isdigit():
        if len(words[0]) > 3:  # no framework has a thousand steps (and int() of 5,000 digits fails)
            return None
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
            answer = "\n".join(body).strip()
            if len(answer) > MAX_ANSWER_CHARS:
                raise UserError(f"{source}:{current_line}: the answer to '{current}' is {len(answer):,} characters; "
                                f"answers are graded up to {MAX_ANSWER_CHARS:,} (about 2,000 words): shorten it")
            answers[current] = SheetAnswer(current, answer, current_line)

    if text.startswith("\ufeff"):  # a byte-order mark would hide the first heading
        text = text[1:]
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


def decode_sheet(data: bytes, source: str) -> str:
    """A sheet's bytes as text: UTF-8 (byte-order mark dropped), else a UserError naming the file and line."""
    if len(data) > MAX_SHEET_BYTES:
        raise TextFileError(source, f"larger than {MAX_SHEET_BYTES // 1000} kB ({len(data):,} bytes); "
                                    "an answer sheet is a few kB")
    return decode(data, source)


def read_stdin() -> str:
    """Standard input as a sheet's text, decoded once (a closed stdin is a UserError)."""
    stream = sys.stdin
    if stream is None:
        raise TextFileError("<stdin>", "standard input is closed")
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        return read_stream(buffer, MAX_SHEET_BYTES)
    text = stream.read(MAX_SHEET_BYTES + 1)  # a text stream someone put in place of stdin
    return decode_sheet(text.encode("utf-8", "surrogateescape"), "<stdin>")


def read_sheet(path: Path | str) -> tuple[str, str]:
    """(text, source) of an answer sheet: a file, or standard input for '-'."""
    if str(path) == "-":
        return read_stdin(), "<stdin>"
    return read_text(Path(path), MAX_SHEET_BYTES), str(path)


def render_sheet(answers: dict[str, str], framework: Framework, title: str = "") -> str:
    """The inverse of parse_sheet: a markdown sheet from step id -> text."""
    parts = [f"# {title}\n"] if title else []
    for number, step in enumerate(framework.steps, start=1):
        if step.id in answers:
            parts.append(f"## {number}. {step.title}\n\n{answers[step.id].strip()}\n")
    return "\n".join(parts)
