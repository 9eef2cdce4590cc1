"""Rich renderings shared by commands: questions, grades, scorecards, cases.

Case text (prompts, questions, hints, facts, model answers, why-texts) is
written in YAML with hard line breaks; `reflow` joins those lines so rich can
wrap the prose to the terminal's width, and `prose` renders the result with
hanging indents for list items. Every renderer of case text goes through them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Iterable

from rich import box
from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from mlsd.reports.pager import _CommandPager, page_text, paged, pager_command  # noqa: F401 (used by commands from here)

if TYPE_CHECKING:  # types only: rendering a table needs neither the grader nor the loader
    from mlsd.content.schema import Case, Framework
    from mlsd.grader import Grade
    from mlsd.session.engine import ScoreRow


# ------------------------------------------------------------------ prose

# A list item: "- ", "* ", "• ", "+ ", "1. ", "12) ", "(a) ".
_ITEM = re.compile(r"^(?P<marker>[-*•+]|\d{1,2}[.)]|\([a-z0-9]{1,2}\))\s+(?P<body>\S.*)$")
# A line kept exactly as written: an arrow sketch, a table row, a heading, a quote.
_ARROW = re.compile(r"(?:^|\s)(?:->|-->|=>|<-|→|←|⇒)(?:\s|$)")
_VERBATIM_START = ("|", "#", ">", "```", "~~~")


@dataclass(frozen=True)
class Block:
    """One piece of reflowed prose: a paragraph, a list item, a verbatim line, or a blank line."""

    kind: str  # para | item | verbatim | blank
    text: str = ""
    marker: str = ""  # an item's bullet or number
    indent: int = 0  # an item's or verbatim line's indent in columns


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def prose_blocks(text: str) -> list[Block]:
    """Case text as blocks: hard-wrapped lines of a paragraph or list item joined, blank lines
    kept as paragraph breaks, and lines that are not prose kept as they are (code fences and
    what is inside them, lines indented deeper than their paragraph, arrow sketches such as
    `a -> b`, table rows, headings)."""
    lines = text.expandtabs(4).replace("\r\n", "\n").strip("\n").splitlines()
    base = min((_indent(line) for line in lines if line.strip()), default=0)
    blocks: list[Block] = []
    open_block: dict | None = None  # the paragraph or item being joined: kind, parts, marker, indent, body column
    fenced = False

    def close() -> None:
        nonlocal open_block
        if open_block is not None:
            blocks.append(Block(open_block["kind"], " ".join(open_block["parts"]), open_block["marker"],
                                open_block["indent"]))
            open_block = None

    for raw in lines:
        line = raw[base:] if _indent(raw) >= base else raw.lstrip(" ")
        stripped = line.strip()
        if fenced or stripped.startswith(("```", "~~~")):
            close()
            blocks.append(Block("verbatim", line.rstrip(), indent=_indent(line)))
            if stripped.startswith(("```", "~~~")):
                fenced = not fenced
            continue
        if not stripped:
            close()
            if blocks and blocks[-1].kind != "blank":
                blocks.append(Block("blank"))
            continue
        indent = _indent(line)
        item = _ITEM.match(stripped)
        if item:
            close()
            open_block = {"kind": "item", "parts": [item["body"]], "marker": item["marker"], "indent": indent,
                          "body": indent + len(stripped) - len(item["body"])}
            continue
        if stripped.startswith(_VERBATIM_START) or _ARROW.search(stripped):
            close()
            blocks.append(Block("verbatim", line.rstrip(), indent=indent))
            continue
        if open_block is not None:
            limit = open_block["body"] if open_block["kind"] == "item" else open_block["indent"]
            if indent <= limit:  # a continuation line of the paragraph or item
                open_block["parts"].append(stripped)
                continue
            close()
            blocks.append(Block("verbatim", line.rstrip(), indent=indent))  # an indented block under it
            continue
        if indent > 0 and blocks and blocks[-1].kind in ("para", "item", "verbatim"):
            blocks.append(Block("verbatim", line.rstrip(), indent=indent))
            continue
        open_block = {"kind": "para", "parts": [stripped], "marker": "", "indent": indent, "body": indent}
    close()
    while blocks and blocks[-1].kind == "blank":
        blocks.pop()
    return blocks


def reflow(text: str) -> str:
    """Case text with its hard line breaks joined: one line per paragraph and per list item,
    blank lines between paragraphs, verbatim lines (code, arrows, indented blocks) unchanged."""
    out = []
    for block in prose_blocks(text):
        if block.kind == "blank":
            out.append("")
        elif block.kind == "item":
            out.append(" " * block.indent + f"{block.marker} {block.text}")
        elif block.kind == "para":
            out.append(" " * block.indent + block.text)
        else:
            out.append(block.text)
    return "\n".join(out)


def hanging(marker: Text | str, body: RenderableType | str, *, indent: int = 0, style: str = "") -> Table:
    """`marker body` where the body's wrapped lines align under the body, not under the marker."""
    grid = Table.grid(padding=0)
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1)
    lead = marker if isinstance(marker, Text) else Text(marker, style=style)
    if indent:
        lead = Text(" " * indent) + lead
    grid.add_row(lead, Text(body, style=style) if isinstance(body, str) else body)
    return grid


def prose(text: str, *, style: str = "", indent: int = 0) -> RenderableType:
    """Case text reflowed to the console's width: paragraphs wrap, list items wrap with a hanging
    indent, verbatim lines stay as written (folded only if wider than the screen)."""
    parts: list[RenderableType] = []
    items: Table | None = None
    for block in prose_blocks(text):
        if block.kind != "item":
            items = None
        if block.kind == "blank":
            parts.append(Text(""))
        elif block.kind == "para":
            parts.append(Text(block.text, style=style))
        elif block.kind == "verbatim":
            parts.append(Text(block.text, style=style, overflow="fold", no_wrap=False))
        else:
            if items is None:
                items = Table.grid(padding=0)
                items.add_column(no_wrap=True)
                items.add_column(ratio=1)
                parts.append(items)
            items.add_row(Text(" " * block.indent + block.marker + " ", style=style), Text(block.text, style=style))
    group = Group(*parts)
    return Padding(group, (0, 0, 0, indent)) if indent else group


def score_style(score: float | None) -> str:
    if score is None:
        return "dim"
    if score >= 0.75:
        return "green"
    if score >= 0.5:
        return "yellow"
    return "red"


def fmt_score(score: float | None) -> str:
    return "—" if score is None else f"{round(score * 100):d}%"


def render_question(console: Console, number: int, total: int, title: str, question: str,
                    minutes: float | None = None) -> None:
    subtitle = f"~{minutes:g} min" if minutes else None
    console.print(Panel(prose(question), title=f"Step {number}/{total} · {escape(title)}",
                        title_align="left", subtitle=subtitle, subtitle_align="right", border_style="cyan"))


def _points(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def score_line(result: Grade) -> Text:
    """How the percentage follows from the checklist: points, then each multiplier, penalty and cap."""
    text = Text("= ", style="dim")
    for index, part in enumerate(result.breakdown):
        if index:
            text.append(" · ", style="dim")
        text.append(f"{part.detail} → {fmt_score(part.score)}", style="dim")
    return text


def _grade_heading(result: Grade, title: str | None) -> Text:
    return Text.assemble(
        (f"{title or result.step}: ", "bold"),
        (fmt_score(result.score), f"bold {score_style(result.score)}"),
        (f"  ({result.level} bar)", "dim"),
    )


def _miss_rows(result: Grade, *, verbose: bool, explain: bool,
               listens_for: dict[str, list[str]] | None) -> list[RenderableType]:
    rows: list[RenderableType] = []
    for number, miss in enumerate(result.misses, start=1):
        if miss.id in result.self_assessed:
            rows.append(hanging(Text("  ◐ ", style="cyan"), Text.assemble(
                (miss.label, ""), ("  covered, by your own assessment (not scored)", "dim"))))
            continue
        tag = " (next level)" if not miss.expected else f" ({_points(miss.weight)} pts)"
        rows.append(hanging(Text.assemble(("  ✗ ", "red" if miss.expected else "yellow"), (f"{number}. ", "dim")),
                            Text.assemble((reflow(miss.hint), ""), (tag, "dim"))))
        if verbose and miss.why:
            rows.append(hanging("why: ", reflow(miss.why), indent=6, style="dim"))
        if explain and listens_for and listens_for.get(miss.id):
            heard = ", ".join(f"“{p}”" for p in listens_for[miss.id][:6])
            rows.append(hanging("listens for: ", f"{heard} (words in any order, in one sentence)",
                                indent=6, style="dim"))
    return rows


def _flag_rows(result: Grade, *, verbose: bool) -> list[RenderableType]:
    rows: list[RenderableType] = []
    for number, flag in enumerate(result.red_flags, start=1):
        body = Text.assemble((flag.claim, "red"), (f" (−{round(flag.penalty * 100)} pts)", "dim"))
        if flag.id in result.disputed:
            body.append("  disputed: you say it misread you (score unchanged)", style="dim")
        if verbose:
            body.append(f"  “{flag.evidence}”", style="dim")
        rows.append(hanging(Text.assemble(("  ⚑ ", "bold red"), (f"{number}. ", "dim")), body))
        if verbose and flag.why:
            rows.append(hanging("why: ", reflow(flag.why), indent=6, style="dim"))
        if flag.fix:
            rows.append(hanging("instead: ", reflow(flag.fix), indent=6, style="dim"))
    return rows


def grade_panel(result: Grade, title: str | None = None, *, verbose: bool = True, explain: bool = False,
                listens_for: dict[str, list[str]] | None = None, more_hint: str | None = None,
                max_lines: int | None = None, width: int = 80) -> Panel:
    """One step's grade as a panel.

    Short (`verbose=False`): the score, then what was missed (the numbered checklist with points)
    and red flags with what to say instead, the concepts hit by name, and the advice; `more_hint`
    says how to see the rest. With `max_lines` the short panel is cut to fit (hits by count,
    then the last misses folded into one line) so the score stays on a small screen.
    Full (`verbose=True`): also the evidence quoted from the answer, why each miss matters and
    the arithmetic from checklist to score. With `explain`, each miss also shows what the grader
    listens for (`listens_for`: concept id -> phrasings).
    """
    heading = _grade_heading(result, title)
    border = score_style(result.score)
    if not result.answered:
        expected = sum(1 for m in result.misses if m.expected)
        note = Text(f"Unanswered: {expected} concepts expected at this level. "
                    f"See them with `mlsd show {result.case} --step {result.step}`.", style="dim")
        return Panel(Group(heading, note), border_style="dim", padding=(0, 1))
    verbose = verbose or explain
    advice = hanging(Text("→ ", style="bold cyan"), reflow(result.advice))
    notes = [hanging(Text("  ! ", style="yellow"), Text(note, style="yellow")) for note in result.notes]
    if verbose:
        parts: list[RenderableType] = [heading]
        for hit in result.hits:
            parts.append(hanging(Text("  ✓ ", style="green"), Text.assemble(
                (hit.label, "bold"), (f" +{_points(hit.points)}", "green"), (f"  “{hit.evidence}”", "dim"))))
        parts += _miss_rows(result, verbose=True, explain=explain, listens_for=listens_for)
        parts += _flag_rows(result, verbose=True)
        parts += notes
        if result.breakdown:
            parts.append(hanging("  ", score_line(result)))
        parts.append(advice)
        return Panel(Group(*parts), border_style=border, padding=(0, 1))

    misses = _miss_rows(result, verbose=False, explain=False, listens_for=None)
    flags = _flag_rows(result, verbose=False)
    hit_names = Text.assemble((f"{len(result.hits)} hit", "green"),
                              (": " + " · ".join(h.label for h in result.hits) if result.hits else "", ""))
    hit_count = Text(f"{len(result.hits)} concept{'s' if len(result.hits) != 1 else ''} hit", style="green")
    footer = [Text(more_hint, style="dim italic")] if more_hint else []

    def build(hits: Text, shown: list[RenderableType], folded: int) -> Panel:
        rows: list[RenderableType] = [heading, *shown]
        if folded:
            rows.append(Text(f"  … and {folded} more missed", style="dim"))
        rows += flags
        rows += [hanging(Text("  ✓ ", style="green"), hits), *notes, advice, *footer]
        return Panel(Group(*rows), border_style=border, padding=(0, 1))

    measure = Console(width=width, color_system=None, force_terminal=False, file=_NullFile())
    if len(hit_names.wrap(measure, max(20, width - 8))) > _HIT_LINES:  # a long list of names: the count
        hit_names = hit_count
    panel = build(hit_names, misses, 0)
    if max_lines is None:
        return panel

    def height(candidate: Panel) -> int:
        return len(measure.render_lines(candidate, measure.options, pad=False))

    if height(panel) <= max_lines:
        return panel
    panel = build(hit_count, misses, 0)
    shown = list(misses)
    while height(panel) > max_lines and len(shown) > 1:
        shown.pop()
        panel = build(hit_count, shown, len(misses) - len(shown))
    return panel


_HIT_LINES = 4  # the short panel names the concepts hit when that takes at most this many lines


class _NullFile:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


def render_grade(console: Console, result: Grade, title: str | None = None, *, explain: bool = False,
                 listens_for: dict[str, list[str]] | None = None, verbose: bool = True,
                 more_hint: str | None = None, fit: bool = False) -> None:
    """Print a grade panel (see `grade_panel`); `fit` keeps a short panel within the screen's height
    (with room left for the interviewer's follow-up and the prompt under it)."""
    max_lines = max(10, console.size.height - 8) if fit and not verbose else None
    console.print(grade_panel(result, title, verbose=verbose, explain=explain, listens_for=listens_for,
                              more_hint=more_hint, max_lines=max_lines, width=console.width))


def listens_for(case: Case, step_id: str) -> dict[str, list[str]]:
    """Concept id -> the phrasings the grader listens for, for `--explain` and `:why`."""
    return {c.id: list(c.phrasings) for c in case.steps[step_id].rubric.concepts}


def render_scorecard(console: Console, case_title: str, rows: list[ScoreRow], total: float,
                     show_time: bool = False) -> None:
    console.print(scorecard_table(case_title, rows, total, show_time=show_time))


def scorecard_table(case_title: str, rows: list[ScoreRow], total: float, show_time: bool = False) -> Table:
    """The steps' scores; the table is at least as wide as its title, so the title never wraps."""
    title = f"Scorecard · {case_title}"
    table = Table(title=title, title_justify="left")
    table.add_column("#", justify="right", style="dim")
    table.add_column("Step")
    table.add_column("Score", justify="right", no_wrap=True)
    table.add_column("Status", style="dim", no_wrap=True)
    if show_time:
        table.add_column("Time", justify="right", no_wrap=True)
    for number, row in enumerate(rows, start=1):
        cells = [str(number), row.title, Text(fmt_score(row.score), style=score_style(row.score)), row.status]
        if show_time:
            used = f"{(row.seconds or 0) / 60:.1f}" if row.seconds is not None else "—"
            cells.append(f"{used} / {row.budget_minutes:g} min" if row.budget_minutes else used)
        table.add_row(*cells)
    table.add_section()
    table.add_row("", Text("Total", style="bold"), Text(fmt_score(total), style=f"bold {score_style(total)}"), "")
    widen_to_title(table, 1, title, max([len("Step"), len("Total"), *(len(row.title) for row in rows)]))
    return table


def widen_to_title(table: Table, column: int, title: str, natural: int) -> None:
    """Widen one column (`natural`: its widest cell) so the table is as wide as its title: rich wraps
    a title wider than its table."""
    from rich.measure import Measurement

    measure = Console(width=1000, color_system=None, file=_NullFile())
    deficit = len(title) - Measurement.get(measure, measure.options, table).maximum
    if deficit > 0:
        table.columns[column].min_width = natural + deficit


# ------------------------------------------------------------------ history

MODE_NAMES = {"practice": "practice", "mock": "mock", "review": "review", "drill": "drill"}


def short_date(ts: float, now: datetime | None = None) -> str:
    """`12-01 11:32` within the current year, `2025-12-01` before it: fits an 80-column table."""
    when = datetime.fromtimestamp(ts)
    now = now or datetime.now()
    return when.strftime("%m-%d %H:%M") if when.year == now.year else when.strftime("%Y-%m-%d")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return "<1m" if seconds < 60 else f"{seconds / 60:.0f}m"


def _session_status(row) -> str:
    """finished; a practice or review left open for `mlsd resume N`; a mock stopped early (never resumed)."""
    if row.finished:
        return "done"
    if row.mode == "mock":
        return "stopped"
    if row.mode in ("practice", "review"):
        return "open"
    return "unfinished"


def history_table(rows: Iterable, now: datetime | None = None) -> Table:
    """Sessions (mlsd.session.history.SessionSummary), newest first, in at most 80 columns:
    no cell is cut, the longest is the case id."""
    rows = list(rows)
    can_resume = any(not r.finished and r.mode in ("practice", "review") for r in rows)
    table = Table(title="History", title_justify="left", box=box.SIMPLE_HEAD, show_edge=False,
                  collapse_padding=True, pad_edge=False,
                  caption="open: continue with `mlsd resume N`" if can_resume else None, caption_justify="left")
    for column in ("#", "date", "case", "mode", "level", "steps", "score", "time", "status"):
        table.add_column(column, no_wrap=True,
                         justify="right" if column in ("#", "score", "time", "steps") else "left")
    for r in rows:
        table.add_row(str(r.id), short_date(r.started_at, now), r.case_id, MODE_NAMES.get(r.mode, r.mode),
                      r.level, f"{r.answered}/{r.steps}", Text(fmt_score(r.total), style=score_style(r.total)),
                      _duration(r.duration_seconds), _session_status(r))
    return table


# ------------------------------------------------------------------ cases

def render_case(console: Console, case: Case, framework: Framework, *, step_id: str | None = None,
                answers: bool = False) -> None:
    """The prompt and each step's question; hints with --step; model answers only when asked."""
    if step_id is None:
        console.print(Panel(prose(case.prompt), title=f"{escape(case.title)} [dim]({case.id}, {case.difficulty})[/]",
                            title_align="left", border_style="cyan"))
    for number, step in enumerate(framework.steps, start=1):
        if step_id is not None and step.id != step_id:
            continue
        case_step = case.steps[step.id]
        console.print(Text.assemble((f"{number}. {step.title}", "bold"), (f"  [{step.id}]", "dim")))
        console.print(prose(case_step.question, indent=3))
        if step_id is not None:
            for index, hint in enumerate(case_step.hints, start=1):
                console.print(hanging(f"hint {index}: ", prose(hint, style="yellow"), indent=3, style="yellow"))
            if case_step.labs:
                console.print(hanging("labs: ", ", ".join(case_step.labs), indent=3, style="dim"))
        if answers:
            console.print(Panel(prose(case_step.model_answer), title="model answer", title_align="left",
                                border_style="green"))
        console.print()
