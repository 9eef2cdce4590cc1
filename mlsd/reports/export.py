"""Markdown notes of a session, and one-page case cheat sheets, rendered with jinja2.

The work is split in two: `session_view` / `cheatsheet_view` build a plain-dict
view model (tested directly), and a template only lays it out. Every
template, shipped or the user's own (`--template`), renders in a sandboxed
jinja2 environment, and user text enters only as data, never as template
source: an answer containing `{{ 7*7 }}` or `{% raw %}` comes out as typed.

Lab plots are drawn as PNG files beside the markdown. A stored lab run keeps
its numbers but (for now) not always its plot data; when the data is missing
the lab is re-run with its seed, which gives the same figure (labs are
deterministic). matplotlib is imported only when a plot is drawn.
"""

from __future__ import annotations

import os
import re
import traceback
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, Callable

from mlsd import paths
from mlsd.grader.architecture import export_view as sketch_view, reference_view
from mlsd.grader import claim_model
from mlsd.errors import UserError
from mlsd.labs.base import format_value
from mlsd.content.schema import LEVELS, Case, Framework
from mlsd.session.store import AnswerRow, SessionRow, Store

SESSION_TEMPLATE = "session.md.j2"
MAX_TEMPLATE_BYTES = 1_000_000
CHEATSHEET_TEMPLATE = "cheatsheet.md.j2"
MAIN_KINDS = ("answer", "skip", "unanswered")

# Returns a lab's plot data for (lab id, seed), or None when it has none.
PlotSource = Callable[[str, int], Any]


# ------------------------------------------------------------ choosing a session


def resolve_session(store: Store, ref: str | None) -> SessionRow:
    """The session a user named: a number, or `last` / nothing for the newest one."""
    if ref is None or ref.strip().lower() in ("", "last"):
        row = store.last_session()
        if row is None:
            raise UserError("no sessions yet; start one with `mlsd practice CASE`")
        return row
    text = ref.strip().lstrip("#")
    if not (text.isascii() and text.isdigit()):  # '²' is a digit to isdigit() but not to int()
        raise UserError(f"'{ref}' is not a session; give a session number (see `mlsd history`) or 'last'")
    if len(text) > 19:  # past SQLite's integers; int() of thousands of digits even raises
        raise UserError(f"no session {text[:20]}…; see `mlsd history`")
    try:
        return store.session(int(text))
    except KeyError:
        raise UserError(f"no session {text}; see `mlsd history`") from None


# ------------------------------------------------------------ small formatters


def fmt_pct(score: float | None) -> str:
    return "—" if score is None else f"{round(score * 100):d}%"


def fmt_duration(seconds: float | None) -> str:
    """45 s, 4 min 05 s, 5 min, 1 h 02 min."""
    if seconds is None:
        return "—"
    total = int(round(seconds))
    if total < 60:
        return f"{total} s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def md_cell(value: Any) -> str:
    """Text safe inside a markdown table cell: no pipes, no line breaks."""
    text = format_value(value)
    return " ".join(text.replace("|", "\\|").split())


def md_quote(text: str | None, indent: int = 0) -> str:
    """The text as a markdown blockquote, every character kept: each line gets '> '."""
    pad = " " * indent
    lines = (text or "").split("\n")
    return "\n".join(f"{pad}> {line}" if line.strip() else f"{pad}>" for line in lines)


def md_fence(text: str | None, info: str = "text") -> str:
    """The text in a fenced code block whose fence is longer than any backtick run inside."""
    body = text or ""
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{body}\n{fence}"


def _fmt_time(ts: float | None, tz: tzinfo | None) -> str:
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, tz).strftime("%Y-%m-%d %H:%M")


# ------------------------------------------------------------ session view


def _level_expected(concept_level: str, session_level: str) -> bool:
    """Concepts at or below the candidate's level are expected; above it, a bonus."""
    try:
        return LEVELS.index(concept_level) <= LEVELS.index(session_level)
    except ValueError:
        return True


def _grade_view(case: Case | None, step_id: str, level: str, grade: dict | None) -> dict:
    """Hits with evidence, misses with why they matter, red flags; labels from the rubric."""
    concepts: dict[str, Any] = {}
    flags: dict[str, Any] = {}
    case_step = case.steps.get(step_id) if case else None
    if case_step is not None:
        from mlsd.content import pitfalls

        concepts = {c.id: c for c in case_step.rubric.concepts}
        flags = {f.id: f for f in pitfalls.for_step(case_step.rubric, step_id)}
    grade = grade or {}
    hits = []
    for hit in grade.get("hit", []):
        concept = concepts.get(hit.get("id"))
        hits.append({"id": hit.get("id"), "label": concept.label if concept else hit.get("id"),
                     "level": concept.level if concept else "", "evidence": hit.get("evidence", "")})
    missed, next_level, covered = [], [], []
    self_assessed = set(grade.get("self_assessed", []))
    for miss in grade.get("missed", []):
        concept = concepts.get(miss.get("id"))
        item = {"id": miss.get("id"), "label": concept.label if concept else miss.get("id"),
                "level": concept.level if concept else "",
                "hint": miss.get("hint") or (concept.hint if concept else ""),
                "why": miss.get("why") or (concept.why if concept else "")}
        if item["id"] in self_assessed:
            covered.append(item)  # the user says it was there; shown apart, not as a miss
            continue
        (missed if concept is None or _level_expected(concept.level, level) else next_level).append(item)
    red_flags = []
    disputed = set(grade.get("disputed", []))
    for raised in grade.get("red_flags", []):
        raised_id = str(raised.get("id", ""))
        # a flag the learned model read ("likely-ID") explains itself with ID's why and fix
        flag = flags.get(raised_id) or flags.get(raised_id.removeprefix(claim_model.PREFIX))
        claim = raised.get("claim") or (flag.claim if flag else raised_id)  # grades stored before the claim was kept
        red_flags.append({"id": raised_id, "claim": claim,
                          "evidence": raised.get("evidence", ""), "why": raised.get("why") or (flag.why if flag else ""),
                          "penalty": raised.get("penalty"),
                          "fix": raised.get("fix") or (getattr(flag, "fix", "") if flag else ""),
                          "points": round((raised.get("penalty") or 0) * 100), "disputed": raised_id in disputed})
    return {"hits": hits, "missed": missed, "next_level": next_level, "red_flags": red_flags, "covered": covered,
            "advice": grade.get("advice", "")}


def _table_view(rows: list[dict]) -> dict:
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    numeric = [all(isinstance(row.get(c), (int, float)) for row in rows if c in row) for c in columns]
    return {"columns": [md_cell(c) for c in columns],
            "align": ["--:" if n else "---" for n in numeric],  # numbers right-aligned
            "rows": [[md_cell(row[c]) if c in row else "" for c in columns] for row in rows]}


def _estimate_view(case, row) -> dict:
    """An estimation answer given in the step: the question, what was said, the verdict, the chain."""
    extra = row.extra or {}
    question = ""
    if case is not None:
        try:
            question = " ".join(case.estimate(str(extra.get("id"))).question.split())
        except KeyError:  # the case changed since: keep what the row holds
            question = ""
    return {"id": str(extra.get("id", "")), "question": question, "answer": row.text,
            "correct": bool(extra.get("correct")), "message": str(extra.get("message", "")),
            "solution": str(extra.get("solution", ""))}


def _lab_view(run: dict, number: int) -> dict:
    result = run.get("result") or {}
    metrics = result.get("metrics") or {}
    return {
        "number": number,
        "id": result.get("id") or run.get("lab_id"),
        "title": result.get("title") or run.get("lab_id"),
        "step": result.get("step", ""),
        "seed": run.get("seed", result.get("seed", 0)),
        "metrics": [{"name": md_cell(k), "value": md_cell(v)} for k, v in metrics.items()],
        "table": _table_view(list(result.get("table") or [])),
        "takeaway": result.get("takeaway", ""),
        "plot": None,  # file name of the PNG, filled in when drawn
        "plot_note": "",
    }


def _seconds(rows: list[AnswerRow]) -> float | None:
    """Time spent on a step: every answer, follow-up reply and question typed for it."""
    spent = [r.seconds for r in rows if r.seconds is not None]
    return sum(spent) if spent else None


def session_view(store: Store, session: SessionRow, case: Case | None, framework: Framework | None, *,
                 with_model_answers: bool = False, tz: tzinfo | None = None) -> dict:
    """Everything a session template shows, as plain data.

    `case` and `framework` may be None when the case file is gone; the notes
    then use step ids as titles and leave out what only the case knows.
    """
    rows = store.answers(session.id)
    by_step: dict[str, list[AnswerRow]] = {}
    for row in rows:
        by_step.setdefault(row.step, []).append(row)
    if framework is not None:
        step_ids = framework.step_ids
        chosen = session.meta.get("step_ids")
        if chosen:
            step_ids = [s for s in step_ids if s in chosen]
    else:
        step_ids = list(by_step)
    extra_steps = [s for s in by_step if s not in step_ids]

    labs = [_lab_view(run, n) for n, run in enumerate(store.lab_runs(session.id), start=1)]
    drafts = dict(session.meta.get("drafts") or {})
    budgets = {k: float(v) for k, v in (session.meta.get("budgets") or {}).items() if isinstance(v, (int, float))}
    allotted = {k: v for k, v in (session.meta.get("allotted") or {}).items() if isinstance(v, (int, float))}
    steps = []
    for number, step_id in enumerate(step_ids + extra_steps, start=1):
        fw_step = None
        if framework is not None and step_id in framework.step_ids:
            fw_step = framework.step(step_id)
        case_step = case.steps.get(step_id) if case else None
        own = by_step.get(step_id, [])
        main = [r for r in own if r.kind in MAIN_KINDS]
        final = main[-1] if main else None
        draft_rows = [r for r in own if r.kind == "draft"]
        draft = drafts.get(step_id) or (draft_rows[-1].text if draft_rows else "")
        if final is None:
            status = "draft" if draft else "not reached"
        else:
            status = {"answer": "answered", "skip": "skipped"}.get(final.kind, final.kind)
        graded = final is not None and final.kind == "answer"
        # a mock interview scales each step's budget to its length and keeps it (seconds) in meta;
        # the time a step was really given (saved time rolls over) is its `allotted` seconds
        budget = budgets[step_id] / 60 if step_id in budgets else (fw_step.minutes if fw_step else None)
        budget = round(budget, 1) if budget else None
        given = allotted.get(step_id) or (final.extra.get("allotted") if final is not None else None)
        given_seconds = float(given) if isinstance(given, (int, float)) and given > 0 else (
            budget * 60 if budget else None)
        grade = _grade_view(case, step_id, session.level, final.grade if graded else None)
        steps.append({
            "number": number,
            "id": step_id,
            "title": fw_step.title if fw_step else step_id,
            "question": case_step.question.strip() if case_step else (fw_step.question if fw_step else ""),
            "status": status,
            "answer": final.text if graded else "",
            "draft": draft if final is None else "",
            "score": final.score if final is not None and final.kind == "answer" else (0.0 if final else None),
            "graded": graded and final.grade is not None,
            "seconds": _seconds(own),
            "budget_minutes": budget,
            "budget_seconds": given_seconds,  # what "X of Y" shows: the time given, in seconds
            "over_budget": bool(given_seconds and _seconds(own) is not None and _seconds(own) > given_seconds + 0.5),
            "hints_used": (final.extra.get("hints_used") or 0) if final else 0,
            "earlier": [{"text": r.text, "kind": r.kind, "score": r.score} for r in main[:-1]],
            **grade,
            "followups": [{"question": r.extra.get("question", ""), "reply": r.text, "score": r.score,
                           "seconds": r.seconds} for r in own if r.kind == "followup"],
            "questions": [{"question": r.text, "answer": r.extra.get("answer", "")}
                          for r in own if r.kind == "question"],
            "estimates": [_estimate_view(case, r) for r in own if r.kind == "estimate"],
            "labs": [lab for lab in labs if lab["step"] == step_id],
            "model_answer": case_step.model_answer.strip() if (with_model_answers and case_step) else "",
            "architecture": sketch_view(case, step_id, final.text) if graded else None,  # Mermaid: yours, reference
        })
    shown = {s["id"] for s in steps}
    seconds = [r.seconds for r in rows if r.seconds is not None]
    minutes = session.minutes if session.minutes is not None else session.meta.get("minutes")
    return {
        "session": {
            "id": session.id,
            "case_id": session.case_id,
            "mode": session.mode,
            "level": session.level,
            "started": _fmt_time(session.started_at, tz),
            "finished": session.finished,
            "finished_at": _fmt_time(session.finished_at, tz),
            "total": session.total,
            "minutes": minutes,
            "time_used": sum(seconds) if seconds else None,
            "source": session.meta.get("source", ""),
            "drill": bool(session.meta.get("step_ids")),
        },
        "case": {
            "id": session.case_id,
            "title": case.title if case else session.case_id,
            "prompt": case.prompt.strip() if case else "",
            "difficulty": case.difficulty if case else "",
        },
        "steps": steps,
        "labs": labs,
        "other_labs": [lab for lab in labs if lab["step"] not in shown],
        "with_model_answers": with_model_answers,
    }


# ------------------------------------------------------------ cheat sheet view


def _ref_view(ref) -> dict:
    return {"id": ref.id, "short": f"{ref.authors} {ref.year}", "cite": ref.cite(), "url": ref.url, "note": ref.note}


def _by_level(concepts: list[dict]) -> list[dict]:
    return [{"level": level, "concepts": [c for c in concepts if c["level"] == level]}
            for level in LEVELS if any(c["level"] == level for c in concepts)]


def cheatsheet_view(case: Case, framework: Framework, *, with_model_answers: bool = False) -> dict:
    """A one-page study note: prompt, the steps' key concepts and red flags, trade-offs, references."""
    refs = {r.id: r for r in case.references}
    steps = []
    for number, fw_step in enumerate(framework.steps, start=1):
        case_step = case.steps.get(fw_step.id)
        if case_step is None:
            continue
        concepts = sorted(case_step.rubric.concepts, key=lambda c: (LEVELS.index(c.level), -c.weight))
        steps.append({
            "number": number,
            "id": fw_step.id,
            "title": fw_step.title,
            "goal": fw_step.goal,
            "minutes": fw_step.minutes,
            "question": case_step.question.strip(),
            "concepts": [{"id": c.id, "label": c.label, "level": c.level, "weight": c.weight, "why": c.why,
                          "hint": c.hint or c.label} for c in concepts],
            "levels": [],
            "red_flags": [{"id": f.id, "claim": f.claim, "why": f.why} for f in case_step.rubric.red_flags],
            "references": [_ref_view(refs[r]) for r in case_step.references if r in refs],
            "labs": list(case_step.labs),
            "model_answer": case_step.model_answer.strip() if with_model_answers else "",
        })
    for step in steps:
        step["levels"] = _by_level(step["concepts"])
    return {
        "case": {"id": case.id, "title": case.title, "difficulty": case.difficulty, "summary": case.summary,
                 "prompt": case.prompt.strip(), "companies": list(case.companies)},
        "ask_about": [f.topic for f in case.facts],
        "steps": steps,
        "tradeoffs": list(case.tradeoffs),
        "references": [_ref_view(r) for r in case.references],
        "with_model_answers": with_model_answers,
        "architecture": reference_view(case),  # the reference architecture as Mermaid, or None
    }


# ------------------------------------------------------------ rendering


def _environment(search: list[Path]):
    from jinja2 import FileSystemLoader, StrictUndefined

    from mlsd.reports.sandbox import BudgetedSandbox

    env = BudgetedSandbox(
        loader=FileSystemLoader([str(p) for p in search]),
        autoescape=False,  # markdown, not HTML
        undefined=StrictUndefined,  # a typo in a template is an error with a line, not a blank
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(pct=fmt_pct, duration=fmt_duration, num=format_value, cell=md_cell, quote=md_quote,
                       fence=md_fence)
    env.guard_filters()
    return env


def _render(env, name: str, view: dict) -> str:
    """Render a template under the sandbox's time and size budget, fitted to this view's data."""
    from mlsd.reports.sandbox import render_budgeted

    env.fit_to(view)
    return _tidy(render_budgeted(env.get_template(name), view))


def _template_line(exc: BaseException, filename: str) -> int | None:
    """The template line an exception was raised at (jinja maps frames to template lines)."""
    line = getattr(exc, "lineno", None)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == filename:
            line = frame.lineno
    return line


def _tidy(markdown: str) -> str:
    """One newline at the end of the file (user text is quoted, so this never trims it)."""
    return markdown.rstrip("\n") + "\n"


def render(view: dict, default_name: str, template: Path | None = None) -> str:
    """Render the view with a shipped template, or with the user's template file.

    User templates get their own folder and the shipped folder as search path
    (so `{% include %}` and `{% extends %}` work); any error in them is a
    UserError naming the file and line.
    """
    from jinja2 import TemplateNotFound, TemplateSyntaxError

    from mlsd.reports.sandbox import TemplateBudgetError
    from mlsd.textfile import TextFileError, read_text

    shipped = paths.shipped_templates_dir()
    if template is None:
        return _render(_environment([shipped]), default_name, view)
    path = Path(template).expanduser()
    try:
        read_text(path, MAX_TEMPLATE_BYTES)  # a regular UTF-8 file of sane size, or one line saying why
    except TextFileError as exc:
        raise UserError(f"cannot read template {path}: {exc.reason}") from None
    env = _environment([path.resolve().parent, shipped])
    filename = str(path.resolve())
    try:
        return _render(env, path.name, view)
    except TemplateBudgetError as exc:
        line = _template_line(exc, filename)
        where = f"{path}:{line}" if line else str(path)
        raise UserError(f"{where}: template stopped: {exc}") from None
    except TemplateSyntaxError as exc:
        where = exc.filename or filename
        raise UserError(f"{where}:{exc.lineno}: template syntax error: {exc.message}") from None
    except TemplateNotFound as exc:
        raise UserError(f"{path}: template not found: {exc.name}") from None
    except Exception as exc:  # anything the user's template does wrong at render time
        line = _template_line(exc, filename)
        where = f"{path}:{line}" if line else str(path)
        raise UserError(f"{where}: template error: {exc}") from None


# ------------------------------------------------------------ plots


def _stored_plot(result: dict):
    """A PlotSpec from plot data stored with the run, if the run kept it."""
    from mlsd.labs.base import PlotSpec, Series

    data = result.get("plot")
    if not isinstance(data, dict):
        return None
    series = [Series(s["name"], list(s["x"]), list(s["y"])) for s in data.get("series", [])]
    return PlotSpec(data["kind"], data.get("title", ""), data.get("x_label", ""), data.get("y_label", ""), series)


def rerun_plot(lab_id: str, seed: int):
    """Re-run a lab with its seed for its plot data (labs are deterministic)."""
    from mlsd.labs import run_lab

    try:
        return run_lab(lab_id, seed=seed).plot
    except KeyError:
        return None


def _draw(run: dict, lab: dict, path: Path, plot_source: PlotSource) -> str:
    """Draw one lab run's plot to `path`; returns a note when it could not be drawn."""
    from mlsd.labs.base import LabResult

    result = run.get("result") or {}
    spec = _stored_plot(result) or plot_source(lab["id"], int(lab["seed"]))
    if spec is None:
        return "no plot for this lab"
    from mlsd.labs.plot import INSTALL_HINT, save_plot

    drawable = LabResult(id=lab["id"], case=result.get("case", ""), step=lab["step"], title=lab["title"],
                         seed=int(lab["seed"]), seconds=0.0, metrics={}, table=[], takeaway="", plot=spec)
    try:
        return "" if save_plot(drawable, path) else "no plot for this lab"
    except ImportError:
        return f"plot not drawn: matplotlib is not installed ({INSTALL_HINT})"


def lab_run_record(result) -> dict:
    """What to store for a lab run (Store.add_lab_run) so its plot can be redrawn without
    re-running the lab: the `mlsd lab --json` shape plus the plot data."""
    from dataclasses import asdict

    data = result.to_json()
    if result.plot is not None:
        data["plot"] = asdict(result.plot)
    return data


# ------------------------------------------------------------ writing files


@dataclass
class Exported:
    markdown: str
    path: Path | None  # None when written to stdout
    plots: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def default_session_filename(session: SessionRow) -> str:
    return f"mlsd-{session.case_id}-session-{session.id}.md"


def default_cheatsheet_filename(case: Case) -> str:
    return f"mlsd-{case.id}-cheatsheet.md"


def _target(out: Path | str | None, default_name: str) -> Path:
    """Where to write: `out` itself, or `default_name` inside it when `out` is a folder (an
    existing one, or one written with a trailing slash, `-o notes/`, which is created)."""
    if out is None:
        return Path(default_name)
    raw = str(out)
    folder = Path(raw).expanduser()
    if raw.endswith(("/", os.sep)) or folder.is_dir():
        return folder / default_name
    return folder


def _write(path: Path, text: str, force: bool = False) -> None:
    from mlsd.outfile import write_file

    write_file(path, text, force=force)


def export_session(store: Store, session: SessionRow, case: Case | None, framework: Framework | None, *,
                   out: Path | str | None = None, to_stdout: bool = False, template: Path | None = None,
                   with_model_answers: bool = False, plots: bool = True, tz: tzinfo | None = None,
                   plot_source: PlotSource = rerun_plot,
                   on_plot: Callable[[dict], None] | None = None, force: bool = False) -> Exported:
    """Write a session's notes as markdown (and its lab plots as PNGs beside it).

    With `to_stdout`, nothing is written and no plots are drawn; the caller
    prints `Exported.markdown`. `on_plot(lab)` is called before each plot is
    drawn (re-running a lab can take seconds; the CLI shows a status).
    Files are written whole or not at all, an existing one only with `force`
    (mlsd.outfile); every target is checked before any work is done.
    """
    from mlsd.outfile import check_target, place, temporary_beside

    view = session_view(store, session, case, framework, with_model_answers=with_model_answers, tz=tz)
    path = None if to_stdout else _target(out, default_session_filename(session))
    if path is not None:
        check_target(path, force)
    drawn: list[Path] = []
    notes: list[str] = []
    pending: list[tuple[Path, Path]] = []  # (temporary, final) plots, placed once the notes are written
    try:
        if path is not None and plots and view["labs"]:
            runs = store.lab_runs(session.id)
            stem = path.stem
            used: set[str] = set()
            for run, lab in zip(runs, view["labs"]):
                name = f"{stem}-{lab['id']}.png"
                if name in used:
                    name = f"{stem}-{lab['id']}-{lab['number']}.png"
                used.add(name)
                final = path.parent / name
                check_target(final, force)
                if on_plot is not None:
                    on_plot(lab)
                temporary = temporary_beside(final)
                pending.append((temporary, final))
                note = _draw(run, lab, temporary, plot_source)
                if note:
                    lab["plot_note"] = note
                    notes.append(f"{lab['id']}: {note}")
                else:
                    lab["plot"] = name
                    drawn.append(final)
        markdown = render(view, SESSION_TEMPLATE, template)
        if path is not None:
            _write(path, markdown, force)
            for temporary, final in pending:
                if final in drawn:
                    place(temporary, final, force)
    finally:
        for temporary, _ in pending:
            temporary.unlink(missing_ok=True)
    return Exported(markdown, path, drawn, notes)


def export_cheatsheet(case: Case, framework: Framework, *, out: Path | str | None = None, to_stdout: bool = False,
                      template: Path | None = None, with_model_answers: bool = False,
                      force: bool = False) -> Exported:
    """Write a case's one-page study note as markdown (whole or not at all; an existing file only with `force`)."""
    from mlsd.outfile import check_target

    path = None if to_stdout else _target(out, default_cheatsheet_filename(case))
    if path is not None:
        check_target(path, force)
    view = cheatsheet_view(case, framework, with_model_answers=with_model_answers)
    markdown = render(view, CHEATSHEET_TEMPLATE, template)
    if path is not None:
        _write(path, markdown, force)
    return Exported(markdown, path)
