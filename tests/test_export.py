"""Markdown export of sessions and cheat sheets: golden file, user text as data, user templates, plots."""

from __future__ import annotations

import os
from datetime import timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import COURSE
from mlsd.session.engine import SessionEngine
from mlsd.errors import UserError
from mlsd.reports.export import (
    cheatsheet_view, export_cheatsheet, export_session, md_fence, md_quote, resolve_session, session_view,
)
from mlsd.labs.base import PlotSpec, Series
from mlsd.session.store import Store

GOLDEN = Path(__file__).parent / "golden"
COURSE_ARGS = ["--cases-dir", str(COURSE / "cases")]
T0 = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC
TRICKY = "We need qps at peak: {{ 7*7 }} and {% raw %} stay as typed.\n\n# not a heading {# nor a comment #}\n  indented line"

ANSWER = TRICKY + "\nLatency doesn't matter here."
GRADE = {
    "step": "requirements", "score": 0.55,
    "hit": [{"id": "scale", "evidence": "We need qps at peak: {{ 7*7 }}…"}],
    "missed": [{"id": "latency", "hint": "Which p99 budget?", "why": "The budget bounds model size."},
               {"id": "goal", "hint": "Consider business goal.", "why": "The metric follows the goal."}],
    "red_flags": [{"id": "no-latency", "evidence": "Latency doesn't matter here.",
                   "why": "Every online model has a budget.", "penalty": 0.2}],
    "advice": "Name the latency budget: it bounds model size.",
}

LAB_RESULT = {
    "id": "toy-lab", "case": "toy", "step": "requirements", "title": "Toy lab: traffic vs latency", "seed": 3,
    "seconds": 0.12, "metrics": {"auc": 0.812345, "rows": 1000},
    "table": [{"load": "low|ish", "p99 ms": 12.5}, {"load": "high", "p99 ms": 48.25}],
    "takeaway": "Latency grows with load; {{ not a template }}.",
}
PLOT = {"kind": "line", "title": "p99 by load", "x_label": "load", "y_label": "p99 ms",
        "series": [{"name": "p99", "x": ["low", "high"], "y": [12.5, 48.25]}]}


def make_session(store: Store, case, framework, *, with_lab: bool = True, plot: bool = True) -> int:
    """A mock session with every kind of row the notes show, at fixed times."""
    engine = SessionEngine.start(store, case, framework, level="senior", mode="mock", minutes=5, now=T0)
    store.add_answer(engine.id, "requirements", "How much traffic at peak?", kind="question",
                     extra={"answer": "About 1,000 requests per second at peak.", "fact_id": "qps"}, now=T0 + 5)
    # Grades are written as stored JSON, so the golden file does not move when the grader is tuned.
    store.add_answer(engine.id, "requirements", "A first try about qps.", score=0.3, seconds=20.0, now=T0 + 20,
                     grade={"step": "requirements", "score": 0.3, "hit": [{"id": "scale", "evidence": "about qps"}],
                            "missed": [{"id": "latency", "hint": "Consider latency budget.",
                                        "why": "The budget bounds model size."}],
                            "red_flags": [], "advice": "Cover latency budget next time."})
    store.add_answer(engine.id, "requirements", ANSWER, score=0.55, seconds=95.4, extra={"hints_used": 1},
                     now=T0 + 120, grade=GRADE)
    store.add_answer(engine.id, "requirements", "Shard the servers.\nCache {{ hot }} items.", kind="followup",
                     extra={"question": "What if traffic doubles?"}, seconds=30.0, now=T0 + 150)
    engine.skip("evaluation", seconds=4.0)
    if with_lab:
        result = dict(LAB_RESULT, plot=PLOT) if plot else dict(LAB_RESULT)
        store.add_lab_run(engine.id, "toy-lab", 3, result)
    engine.finish(now=T0 + 300)
    return engine.id


@pytest.fixture
def toy(course_catalog, toy_case):
    return toy_case, course_catalog.framework_for(toy_case)


# ------------------------------------------------------------ golden file


def test_default_session_template_matches_golden(tmp_path, toy):
    store = Store.memory()
    session = store.session(make_session(store, *toy))
    out = tmp_path / "notes.md"
    done = export_session(store, session, *toy, out=out, with_model_answers=True, tz=timezone.utc)
    golden = GOLDEN / "session.md"
    if os.environ.get("MLSD_UPDATE_GOLDEN"):
        golden.write_text(done.markdown, encoding="utf-8")
    assert out.read_text(encoding="utf-8") == golden.read_text(encoding="utf-8")


def test_cheatsheet_matches_golden(toy):
    done = export_cheatsheet(*toy, to_stdout=True)
    golden = GOLDEN / "cheatsheet.md"
    if os.environ.get("MLSD_UPDATE_GOLDEN"):
        golden.write_text(done.markdown, encoding="utf-8")
    assert done.markdown == golden.read_text(encoding="utf-8")


# ------------------------------------------------------------ user text is data


def test_answer_with_template_syntax_appears_verbatim(toy):
    store = Store.memory()
    session = store.session(make_session(store, *toy, with_lab=False))
    markdown = export_session(store, session, *toy, to_stdout=True).markdown
    for line in ANSWER.split("\n"):
        assert (f"> {line}" if line.strip() else ">") in markdown.split("\n")
    assert "{{ 7*7 }}" in markdown and "{% raw %}" in markdown and "{# nor a comment #}" in markdown
    assert "49" not in markdown
    assert "Cache {{ hot }} items." in markdown  # follow-up replies too


def test_quote_and_fence_keep_every_character():
    text = "a\n\n  b ``` c\n{{ x }}"
    quoted = md_quote(text)
    assert [line[2:] if line != ">" else "" for line in quoted.split("\n")] == text.split("\n")
    fenced = md_fence(text)
    assert fenced.startswith("````text\n") and fenced.endswith("\n````")
    assert fenced[len("````text\n"):-len("\n````")] == text


def test_user_template_gets_the_view_and_user_text_stays_data(tmp_path, toy):
    store = Store.memory()
    session = store.session(make_session(store, *toy, with_lab=False))
    template = tmp_path / "mine.md.j2"
    template.write_text("{% for s in steps %}[{{ s.id }}] {{ s.score | pct }}\n{{ s.answer }}\n{% endfor %}",
                        encoding="utf-8")
    out = tmp_path / "mine.md"
    export_session(store, session, *toy, out=out, template=template)
    text = out.read_text(encoding="utf-8")
    assert text.startswith("[requirements] ")
    assert "{{ 7*7 }} and {% raw %} stay as typed." in text and "49" not in text
    assert "[evaluation] 0%" in text


def test_user_template_is_sandboxed(tmp_path, toy):
    store = Store.memory()
    session = store.session(make_session(store, *toy, with_lab=False))
    template = tmp_path / "evil.md.j2"
    template.write_text("line one\n{{ case.title.__class__.__mro__[1].__subclasses__() }}\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"evil\.md\.j2:2: template error: .*unsafe"):
        export_session(store, session, *toy, to_stdout=True, template=template)


def test_template_errors_name_file_and_line(tmp_path, toy):
    store = Store.memory()
    session = store.session(make_session(store, *toy, with_lab=False))
    broken = tmp_path / "broken.md.j2"
    broken.write_text("# notes\n\n{% for s in steps %}\n{{ s.id }\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"broken\.md\.j2:4: template syntax error"):
        export_session(store, session, *toy, to_stdout=True, template=broken)
    typo = tmp_path / "typo.md.j2"
    typo.write_text("ok\n{{ session.scroe }}\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"typo\.md\.j2:2: .*scroe"):
        export_session(store, session, *toy, to_stdout=True, template=typo)
    with pytest.raises(UserError, match="cannot read template"):
        export_session(store, session, *toy, to_stdout=True, template=tmp_path / "missing.j2")
    binary = tmp_path / "binary.j2"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(UserError, match="not UTF-8"):
        export_session(store, session, *toy, to_stdout=True, template=binary)


# ------------------------------------------------------------ view model


def test_session_view_has_what_the_notes_need(toy):
    store = Store.memory()
    session = store.session(make_session(store, *toy))
    view = session_view(store, session, *toy, tz=timezone.utc)
    assert view["session"]["started"] == "2023-11-14 22:13"
    assert view["session"]["minutes"] == 5 and view["session"]["time_used"] == pytest.approx(149.4)
    req, ev = view["steps"]
    assert req["status"] == "answered" and req["hints_used"] == 1
    assert req["seconds"] == pytest.approx(145.4)  # both attempts and the follow-up reply
    assert req["hits"] == [{"id": "scale", "label": "Scale", "level": "mid", "evidence": GRADE["hit"][0]["evidence"]}]
    assert [m["label"] for m in req["missed"]] == ["Latency budget"]
    assert [m["label"] for m in req["next_level"]] == ["Business goal"]
    assert req["red_flags"][0]["claim"] == "Latency does not matter." and req["red_flags"][0]["points"] == 20
    assert req["earlier"][0]["text"] == "A first try about qps."
    assert req["questions"] == [{"question": "How much traffic at peak?",
                                 "answer": "About 1,000 requests per second at peak."}]
    assert req["followups"][0]["question"] == "What if traffic doubles?"
    assert req["labs"][0]["id"] == "toy-lab" and req["model_answer"] == ""
    assert ev["status"] == "skipped" and ev["score"] == 0.0


def test_mock_budgets_from_session_meta(toy):
    store = Store.memory()
    session_id = make_session(store, *toy, with_lab=False)
    store.update_meta(session_id, budgets={"requirements": 300.0, "evaluation": 337.5})
    view = session_view(store, store.session(session_id), *toy)
    assert [s["budget_minutes"] for s in view["steps"]] == [5.0, 5.6]
    assert not view["steps"][0]["over_budget"]


def test_unfinished_session_shows_drafts_and_drills_show_only_their_steps(toy):
    store = Store.memory()
    engine = SessionEngine.start(store, *toy, level="mid", mode="review", step_ids=["evaluation"], now=T0)
    engine.save_draft("evaluation", "calibration and {{ x }}")
    view = session_view(store, store.session(engine.id), *toy)
    assert [s["id"] for s in view["steps"]] == ["evaluation"]
    assert view["steps"][0]["status"] == "draft" and view["steps"][0]["draft"] == "calibration and {{ x }}"
    markdown = export_session(store, store.session(engine.id), *toy, to_stdout=True).markdown
    assert "Review drill" in markdown and "> calibration and {{ x }}" in markdown


def test_session_without_its_case_still_exports(toy):
    store = Store.memory()
    session = store.session(make_session(store, *toy, with_lab=False))
    markdown = export_session(store, session, None, None, to_stdout=True).markdown
    assert "## 1. requirements" in markdown and "{{ 7*7 }}" in markdown


def test_cheatsheet_view_and_model_answers(toy):
    view = cheatsheet_view(*toy)
    assert view["case"]["prompt"] == "Predict whether a user clicks a toy."
    assert [c["label"] for c in view["steps"][0]["concepts"]] == ["Scale", "Latency budget", "Business goal"]
    assert view["steps"][0]["red_flags"][0]["claim"] == "Latency does not matter."
    assert view["tradeoffs"] == ["Latency vs model size."]
    assert view["steps"][0]["references"][0]["short"] == "He et al. 2014"
    assert "Check calibration offline" not in export_cheatsheet(*toy, to_stdout=True).markdown
    assert "Check calibration offline" in export_cheatsheet(*toy, to_stdout=True, with_model_answers=True).markdown


def test_shipped_cheatsheet_has_seven_steps():
    from mlsd.content.loader import load_catalog

    catalog = load_catalog()
    case = catalog.case("ctr")
    markdown = export_cheatsheet(case, catalog.framework_for(case), to_stdout=True).markdown
    assert markdown.count("\n## ") == 7 + 3  # seven steps, reference architecture, trade-offs, references
    assert "Don't say" in markdown and "## Trade-offs to name" in markdown
    assert "## Reference architecture (serving)\n\n```mermaid\nflowchart LR" in markdown


# ------------------------------------------------------------ plots


def test_lab_plot_is_written_beside_the_markdown(tmp_path, toy):
    pytest.importorskip("matplotlib")
    store = Store.memory()
    session = store.session(make_session(store, *toy))
    out = tmp_path / "notes" / "ctr.md"
    done = export_session(store, session, *toy, out=out, plot_source=lambda *a: pytest.fail("stored plot unused"))
    png = tmp_path / "notes" / "ctr-toy-lab.png"
    assert done.plots == [png] and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "![Toy lab: traffic vs latency](ctr-toy-lab.png)" in out.read_text(encoding="utf-8")


def test_plot_is_redrawn_from_the_lab_when_not_stored(tmp_path, toy):
    pytest.importorskip("matplotlib")
    store = Store.memory()
    session = store.session(make_session(store, *toy, plot=False))
    calls = []

    def rerun(lab_id: str, seed: int):
        calls.append((lab_id, seed))
        return PlotSpec("bar", "t", "x", "y", [Series("s", ["a", "b"], [1.0, 2.0])])

    done = export_session(store, session, *toy, out=tmp_path / "n.md", plot_source=rerun)
    assert calls == [("toy-lab", 3)] and (tmp_path / "n-toy-lab.png").is_file() and done.notes == []


def test_lab_run_record_keeps_the_plot_for_redrawing(tmp_path, toy):
    from mlsd.reports.export import _stored_plot, lab_run_record
    from mlsd.labs.base import LabResult

    spec = PlotSpec("bar", "t", "x", "y", [Series("s", ["a", "b"], [1.0, 2.0])])
    result = LabResult("toy-lab", "toy", "requirements", "T", 1, 0.5, {"m": 1.0}, [], "k", spec)
    record = lab_run_record(result)
    assert {k: v for k, v in record.items() if k != "plot"} == result.to_json()
    assert _stored_plot(record) == spec


def test_no_plots_when_asked_or_on_stdout_or_unknown_lab(tmp_path, toy):
    store = Store.memory()
    session = store.session(make_session(store, *toy, plot=False))
    never = lambda *a: pytest.fail("no plot wanted")  # noqa: E731
    assert export_session(store, session, *toy, out=tmp_path / "a.md", plots=False, plot_source=never).plots == []
    assert export_session(store, session, *toy, to_stdout=True, plot_source=never).plots == []
    done = export_session(store, session, *toy, out=tmp_path / "b.md", plot_source=lambda *a: None)
    assert done.plots == [] and done.notes == ["toy-lab: no plot for this lab"]
    assert "*(no plot for this lab)*" in (tmp_path / "b.md").read_text(encoding="utf-8")


# ------------------------------------------------------------ choosing sessions


def test_resolve_session(toy):
    store = Store.memory()
    with pytest.raises(UserError, match="no sessions yet"):
        resolve_session(store, None)
    first = make_session(store, *toy, with_lab=False)
    second = SessionEngine.start(store, *toy, level="mid", now=T0 + 1000).id
    assert resolve_session(store, None).id == second and resolve_session(store, "last").id == second
    assert resolve_session(store, str(first)).id == first and resolve_session(store, f"#{first}").id == first
    with pytest.raises(UserError, match="no session 99"):
        resolve_session(store, "99")
    with pytest.raises(UserError, match="not a session"):
        resolve_session(store, "yesterday")


# ------------------------------------------------------------ CLI


runner = CliRunner()


def _cli_session(toy) -> int:
    store = Store.open()
    try:
        return make_session(store, *toy, plot=False)
    finally:
        store.close()


def test_cli_export_writes_notes(tmp_path, toy, monkeypatch):
    from mlsd.cli import app

    session_id = _cli_session(toy)
    monkeypatch.chdir(tmp_path)
    printed = runner.invoke(app, ["export", *COURSE_ARGS])  # no -o: the notes on stdout, no file
    assert printed.exit_code == 0, printed.output
    assert printed.stdout.startswith("# Toy click model: session") and "{{ 7*7 }}" in printed.stdout
    assert not list(tmp_path.glob("*.md"))
    result = runner.invoke(app, ["export", *COURSE_ARGS, "-o", ".", "--no-plots"])
    assert result.exit_code == 0, result.output
    written = tmp_path / f"mlsd-toy-session-{session_id}.md"
    assert f"Wrote {written.name}" in result.output and written.is_file()
    assert written.read_text(encoding="utf-8") == printed.stdout

    stdout = runner.invoke(app, ["export", str(session_id), "-o", "-", "--with-model-answers", *COURSE_ARGS])
    assert stdout.exit_code == 0 and stdout.stdout.startswith("# Toy click model: session")
    assert "Model answer" in stdout.stdout

    (tmp_path / "sheets").mkdir()
    sheet = runner.invoke(app, ["export", "--case", "toy", "-o", str(tmp_path / "sheets"), *COURSE_ARGS])
    assert sheet.exit_code == 0, sheet.output
    assert (tmp_path / "sheets" / "mlsd-toy-cheatsheet.md").read_text(encoding="utf-8").startswith(
        "# Toy click model: cheat sheet")


def test_cli_export_errors_are_one_line_exit_2(tmp_path, toy):
    from mlsd.cli import app

    nothing = runner.invoke(app, ["export", *COURSE_ARGS])
    assert nothing.exit_code == 2 and "no sessions yet" in nothing.output
    _cli_session(toy)
    unknown = runner.invoke(app, ["export", "42", *COURSE_ARGS])
    assert unknown.exit_code == 2 and "no session 42" in unknown.output
    bad = tmp_path / "bad.j2"
    bad.write_text("{% if %}\n", encoding="utf-8")
    syntax = runner.invoke(app, ["export", "--template", str(bad), "-o", "-", *COURSE_ARGS])
    assert syntax.exit_code == 2 and f"{bad}:1: template syntax error" in syntax.output
    assert "Traceback" not in syntax.output
    both = runner.invoke(app, ["export", "1", "--case", "toy", *COURSE_ARGS])
    assert both.exit_code == 2 and "not both" in both.output
    case = runner.invoke(app, ["export", "--case", "nope", *COURSE_ARGS])
    assert case.exit_code == 2 and "unknown case 'nope'" in case.output
