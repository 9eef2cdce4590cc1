"""The main screens at 80 columns: prose reflowed (no YAML line breaks left in a paragraph), hanging
indents, no table cell cut short, the grade's score on a 40-row screen; and `reflow` itself."""

from __future__ import annotations

import io
import re
import time
from types import SimpleNamespace

import pytest
from rich.console import Console

from mlsd.reports.render import (grade_panel, history_table, pager_command, paged, prose, reflow, render_case,
                                 scorecard_table, short_date)

WIDTH, HEIGHT = 80, 40


def console(width: int = WIDTH, height: int = HEIGHT) -> Console:
    return Console(width=width, height=height, record=True, file=io.StringIO(), no_color=True,
                   color_system=None, force_terminal=False, highlight=False)


def screen(*renderables, width: int = WIDTH) -> str:
    out = console(width)
    for item in renderables:
        out.print(item)
    return out.export_text()


# ------------------------------------------------------------------ reflow


def test_reflow_joins_a_paragraphs_hard_breaks_and_keeps_paragraph_breaks():
    text = "You work on the sponsored search team\nof a large engine. Users\ntype queries.\n\nSecond paragraph\nhere.\n"
    assert reflow(text) == ("You work on the sponsored search team of a large engine. Users type queries.\n\n"
                            "Second paragraph here.")


def test_reflow_keeps_list_items_apart_and_joins_their_continuation_lines():
    text = ("The components:\n\n"
            "1. Query rewriting: question in, a standalone question out ('and in\n"
            "France?' becomes a query), decomposed.\n"
            "2. Retrieval as ranking:\n   the top k chunks out.\n"
            "- a bullet\n  continued\n"
            "* another\n"
            "(a) lettered")
    assert reflow(text).splitlines() == [
        "The components:", "",
        "1. Query rewriting: question in, a standalone question out ('and in France?' becomes a query), decomposed.",
        "2. Retrieval as ranking: the top k chunks out.",
        "- a bullet continued",
        "* another",
        "(a) lettered",
    ]


def test_reflow_keeps_arrow_lines_code_and_indented_blocks_as_they_are():
    text = ("The path of a request:\n"
            "request -> retrieval -> ranker\n"
            "ranker → auction\n"
            "and then the page\nrenders.\n\n"
            "```\nscore = bid *\n   pctr\n```\n"
            "A config:\n"
            "    key: value\n"
            "    other: 2\n"
            "| a | b |\n| 1 | 2 |")
    assert reflow(text).splitlines() == [
        "The path of a request:",
        "request -> retrieval -> ranker",
        "ranker → auction",
        "and then the page renders.",
        "",
        "```", "score = bid *", "   pctr", "```",
        "A config:",
        "    key: value",
        "    other: 2",
        "| a | b |", "| 1 | 2 |",
    ]


def test_reflow_dedents_a_block_scalar_and_drops_extra_blank_lines():
    assert reflow("   one\n   two\n\n\n\n   three\n\n") == "one two\n\nthree"
    assert reflow("") == ""
    assert reflow("a dash - in the middle\nis prose") == "a dash - in the middle is prose"


def test_prose_wraps_list_items_with_a_hanging_indent():
    text = "Intro line.\n- " + "word " * 30 + "\n- short"
    lines = screen(prose(text), width=40).splitlines()
    assert lines[0].rstrip() == "Intro line."
    assert lines[1].startswith("- word")
    assert lines[2].startswith("  word")  # under the text, not under the bullet
    assert lines[-1].rstrip() == "- short"


# ------------------------------------------------------------------ screen checks

# where a new item, note or message begins: a break before it is no hard wrap
_MARKER = re.compile(r"^(✓|✗|⚑|◐|→|!|why:|instead:|listens for:|=|hint \d|labs:|\d+\.|[-*•]\s|\(|Step \d|"
                     r"Interviewer:|model answer|…|:[a-z]+|'\?)")
_HEADING = re.compile(r"^\d+\. .*  \[[a-z-]+\]$")  # `mlsd show`: "3. Data and features  [data]"
_BORDER = re.compile(r"^[│┃]\s?(.*?)\s?[│┃]$")


def _content_lines(text: str) -> list[tuple[str, int]]:
    """Each line without panel borders, with the width its content could have used."""
    out = []
    for raw in text.splitlines():
        raw = raw.rstrip()
        match = _BORDER.match(raw)
        if match:
            out.append((match.group(1).rstrip(), WIDTH - 4))
        elif raw[:1] in "╭╰┏┗┡└┌":
            out.append(("", WIDTH))
        else:
            out.append((raw, WIDTH))
    return out


def hard_wraps(text: str) -> list[str]:
    """Lines broken before the screen's edge inside a paragraph: the next line's first word would
    have fitted on this line, so the break came from the source text, not from wrapping."""
    found = []
    lines = _content_lines(text)
    for (line, width), (following, _) in zip(lines, lines[1:]):
        if not line.strip() or not following.strip() or "->" in line or _HEADING.match(line):
            continue
        indent, next_indent = len(line) - len(line.lstrip()), len(following) - len(following.lstrip())
        if next_indent < indent or _MARKER.match(following.strip()):
            continue  # a new item, a new block
        word = following.split()[0]
        if len(line) + 1 + len(word) <= width:
            found.append(f"{line!r} + {word!r}")
    return found


def test_the_checker_sees_the_old_ragged_prompt():
    from rich.text import Text

    yaml_lines = ("You work on the sponsored search team of a large web search engine. When a user types a query,\n"
                  "ads whose keywords match it compete in an auction for up to four slots above the organic results")
    assert hard_wraps(screen(Text(yaml_lines)))
    assert not hard_wraps(screen(prose(yaml_lines)))


@pytest.fixture(scope="module")
def shipped():
    from mlsd.content.loader import load_catalog

    return load_catalog([])


def test_show_every_case_with_answers_at_80_columns_has_no_hard_wrapped_prose(shipped):
    for case_id, item in sorted(shipped.cases.items()):
        case = item.case
        framework = shipped.framework_for(case)
        out = console()
        render_case(out, case, framework, answers=True)
        for step in framework.step_ids:
            render_case(out, case, framework, step_id=step)
        text = out.export_text()
        assert not hard_wraps(text), (case_id, hard_wraps(text)[:3])
        assert max(len(line) for line in text.splitlines()) <= WIDTH


def test_show_hints_wrap_under_their_text(shipped):
    case = shipped.case("ctr")
    out = console()
    render_case(out, case, shipped.framework_for(case), step_id="requirements")
    lines = out.export_text().splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("   hint 1: "))
    if lines[first + 1].strip() and not lines[first + 1].lstrip().startswith("hint"):
        assert lines[first + 1].startswith(" " * len("   hint 1: "))


SHORT_ANSWER = ("I would ask about QPS and the latency budget, maybe 10 ms p99 for scoring. "
                "We should always use the newest deep model, obviously.")


@pytest.fixture(scope="module")
def ctr_grade(shipped):
    from mlsd.grader import grade

    case = shipped.case("ctr")
    return grade(case, "requirements", SHORT_ANSWER, "senior")


def test_short_grade_panel_leads_with_the_score_and_the_missed_checklist(ctr_grade):
    text = screen(grade_panel(ctr_grade, "Clarify requirements", verbose=False, more_hint=":more: the rest"))
    lines = text.splitlines()
    assert "Clarify requirements: " in lines[1] and "%" in lines[1]
    assert "✗ 1." in text and ":more: the rest" in text
    assert "“" not in text and "why:" not in text  # evidence and why-texts wait for :more
    assert not hard_wraps(text), hard_wraps(text)
    assert "…" not in text


def test_full_grade_panel_has_evidence_why_and_arithmetic_with_hanging_indents(ctr_grade):
    text = screen(grade_panel(ctr_grade, "Clarify requirements", verbose=True))
    assert "why: " in text and "“" in text and "= " in text
    lines = _content_lines(text)
    for (line, _), (following, _) in zip(lines, lines[1:]):
        if line.lstrip().startswith("why: ") and following.strip() and not _MARKER.match(following.strip()):
            assert following.startswith(" " * (len(line) - len(line.lstrip()) + len("why: "))), following
    assert not hard_wraps(text), hard_wraps(text)


def test_short_grade_fits_a_40_row_screen_with_room_for_the_follow_up(shipped, ctr_grade):
    from mlsd.grader import grade

    many_misses = grade(shipped.case("ctr"), "data", "we log impressions and clicks", "senior")
    for result in (ctr_grade, many_misses):
        panel = grade_panel(result, "Step", verbose=False, more_hint=":more", max_lines=HEIGHT - 8)
        text = screen(panel)
        assert len(text.splitlines()) <= HEIGHT - 8
        assert "Step: " in text.splitlines()[1]


def test_practice_grade_then_more_at_80_by_40(course_catalog, toy_case):
    from mlsd.session.context import Context
    from mlsd.session.engine import SessionEngine
    from mlsd.session.store import Store
    from mlsd.tui.practice import run_interactive

    out = console()
    reads: list[int] = []  # lines on screen at each read
    script = iter(["I'd ask how many queries per second we serve at peak, because that sizes the fleet.", ".",
                   ".", ":more", ":quit"])

    def read_line(prompt: str) -> str:
        reads.append(len(out.export_text(clear=False).splitlines()))
        try:
            return next(script)
        except StopIteration:
            raise EOFError from None

    ctx = Context(console=out, err_console=out, read_line=read_line, stdin_is_tty=True, clock=lambda: 0.0)
    engine = SessionEngine.start(Store.memory(), toy_case, course_catalog.framework_for(toy_case), level="senior")
    with pytest.raises(Exception) as quit_:
        run_interactive(ctx, engine, offer_labs=False)
    assert type(quit_.value).__name__ == "SessionQuit"
    text = out.export_text()
    lines = text.splitlines()
    heading = next(i for i, line in enumerate(lines) if "Clarify requirements: " in line)
    after_grade = next(n for n in reads if n > heading)  # the next read after the grade (the follow-up)
    assert after_grade - heading + 1 <= HEIGHT, "the score scrolled off a 40-row screen"
    assert ":more" in text and "“" in text.split(":more", 2)[-1]  # :more printed the evidence
    assert not hard_wraps(text), hard_wraps(text)


# ------------------------------------------------------------------ tables


def test_scorecard_title_does_not_wrap_at_80_columns():
    from mlsd.session.engine import ScoreRow

    title = "Real-time card payment fraud detection for a payment processor"
    rows = [ScoreRow("requirements", "Clarify requirements", 0.5, "answered"),
            ScoreRow("monitoring", "Monitoring and maintenance", None, "skipped")]
    lines = screen(scorecard_table(title, rows, 0.25)).splitlines()
    assert lines[0].strip() == f"Scorecard · {title}"
    assert "…" not in "\n".join(lines)


def test_history_at_80_columns_has_no_cut_cells():
    now = time.time()
    rows = [SimpleNamespace(id=1234, started_at=now, case_id="notifications", mode="practice", level="senior",
                            answered=7, steps=7, total=0.625, duration_seconds=3000, finished=False),
            SimpleNamespace(id=2, started_at=now - 400 * 86400, case_id="moderation", mode="review", level="staff",
                            answered=3, steps=7, total=None, duration_seconds=30, finished=True),
            SimpleNamespace(id=3, started_at=now, case_id="search", mode="mock", level="mid",
                            answered=0, steps=7, total=0.0, duration_seconds=None, finished=False)]
    text = screen(history_table(rows))
    assert "…" not in text
    assert all(len(line) <= WIDTH for line in text.splitlines())
    for word in ("notifications", "practice", "moderation", "review", "1234", "open", "stopped", "done",
                 short_date(now)):
        assert word in text, word
    assert re.search(r"\b\d\d-\d\d \d\d:\d\d\b", text)


def test_list_and_stats_tables_fit_80_columns(isolated_home):
    from typer.testing import CliRunner

    from mlsd.cli import app

    runner = CliRunner()
    for args in (["list"], ["stats"]):
        result = runner.invoke(app, args, env={"COLUMNS": "80", "NO_COLOR": "1"})
        assert result.exit_code == 0, result.output
        assert "…" not in result.stdout, result.stdout
        assert all(len(line) <= WIDTH for line in result.stdout.splitlines())


def test_stats_review_and_history_with_sessions_fit_80_columns(tmp_path):
    from typer.testing import CliRunner

    from mlsd.cli import app

    runner = CliRunner()
    sheet = tmp_path / "sheet.md"
    sheet.write_text("## requirements\nI would ask about QPS and the latency budget.\n## data\nlogs\n")
    for case_id in ("notifications", "fraud", "ctr"):
        assert runner.invoke(app, ["practice", case_id, "--answers-file", str(sheet)]).exit_code == 0
    env = {"COLUMNS": "80", "NO_COLOR": "1"}
    for args in (["stats"], ["review", "--plan", "--ahead"], ["history"]):
        result = runner.invoke(app, args, env=env)
        assert result.exit_code == 0, result.output
        assert "…" not in result.stdout, result.stdout
        assert all(len(line) <= WIDTH for line in result.stdout.splitlines())
        assert "notifications" in result.stdout, args


# ------------------------------------------------------------------ labs


def _lab(plot=True):
    from mlsd.labs.base import LabResult, PlotSpec, Series

    table = [{"negatives_kept": f"{k}%", "train_rows": rows, "auc": auc, "ne_raw": ne, "ne_recal": 0.86}
             for k, rows, auc, ne in ((100, 40000, 0.7908, 0.86), (30, 13056, 0.7907, 1.092),
                                      (10, 5296, 0.7902, 1.957), (3, 2588, 0.7887, 4.361))]
    spec = PlotSpec("bar", "NE by share of negatives kept", "negatives kept", "NE",
                    [Series("raw predictions", [r["negatives_kept"] for r in table], [r["ne_raw"] for r in table]),
                     Series("recalibrated q", [r["negatives_kept"] for r in table], [0.86] * 4)])
    return LabResult("ctr-downsampling", "ctr", "model", "Negative downsampling, then recalibration", 0, 0.1,
                     {"auc": 0.79}, table, "Keeping 10% of negatives " + "moves AUC by little " * 8,
                     spec if plot else None)


@pytest.mark.parametrize("plot", [True, False])
def test_lab_output_has_a_bar_chart_under_the_table_within_80_columns(plot):
    from mlsd.labs.render import render_lab_result

    out = console()
    render_lab_result(_lab(plot), out)
    text = out.export_text()
    assert "█" in text and "…" not in text
    assert all(len(line) <= WIDTH for line in text.splitlines())
    assert text.index("┃") < text.index("█")  # the chart comes under the table
    if not plot:  # derived from the table: its last varying numeric column, one bar per row
        assert "ne raw by negatives kept" in text and "4.361" in text.split("█", 1)[1]


def test_lab_chart_respects_no_color(monkeypatch):
    from mlsd.labs.render import render_lab_result

    monkeypatch.setenv("NO_COLOR", "1")
    out = Console(width=WIDTH, file=io.StringIO(), force_terminal=True)
    render_lab_result(_lab(), out)
    raw = out.file.getvalue()
    assert "█" in raw and not re.search(r"\x1b\[[0-9;]*3[0-7]m", raw)  # bars, but no colour codes


# ------------------------------------------------------------------ pager


def test_pager_choice_follows_git():
    assert pager_command({}) == ["less"]
    assert pager_command({"PAGER": "more -s"}) == ["more", "-s"]
    assert pager_command({"PAGER": "more", "MLSD_PAGER": "less -R"}) == ["less", "-R"]
    assert pager_command({"PAGER": "cat"}) is None and pager_command({"MLSD_PAGER": ""}) is None


def test_no_pager_when_stdout_is_not_a_terminal(monkeypatch):
    monkeypatch.setenv("PAGER", "false-pager-that-would-fail")
    out = console()
    with paged(out):
        out.print("hello")
    assert "hello" in out.export_text()


def test_show_answers_goes_through_the_pager_on_a_terminal_only(isolated_home, tmp_path, monkeypatch):
    pexpect = pytest.importorskip("pexpect")
    from conftest import spawn_mlsd

    paged_to = tmp_path / "paged.txt"
    monkeypatch.setenv("MLSD_PAGER", f"sh -c 'cat > {paged_to}'")  # a pager that keeps what it was given
    child = spawn_mlsd(["show", "ctr", "--answers"], isolated_home)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    shown = paged_to.read_text()
    assert "model answer" in shown and "sponsored search" in shown
    paged_to.unlink()
    child = spawn_mlsd(["show", "ctr", "--answers", "--no-pager"], isolated_home)
    child.expect("model answer")
    child.expect(pexpect.EOF)
    child.close()
    assert not paged_to.exists()


def test_piped_output_keeps_no_trailing_spaces(tmp_path):
    """Rich pads panel and indented lines to the width; in a pipe or a file that is trailing blanks."""
    import os
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "mlsd", "show", "ctr", "--no-pager"], capture_output=True,
                         text=True, env={**os.environ, "NO_COLOR": "1", "COLUMNS": "80"}, check=True).stdout
    lines = out.splitlines()
    assert len(lines) > 20 and any(line.startswith("   ") for line in lines)  # the hanging indent survives
    assert not [line for line in lines if line.endswith(" ")]


def test_trimmed_lines_hold_back_spaces_until_the_newline():
    from mlsd.session.context import _TrimmedLines

    buf = io.StringIO()
    out = _TrimmedLines(buf)
    out.write("a  ")
    out.write("  b   ")
    out.write("\nc   \n")
    assert buf.getvalue() == "a    b\nc\n"
