"""The interviewer's answers to questions, its follow-up probes, the verdict and the gaps."""

from __future__ import annotations

import pytest

from mlsd.grader import grade
from mlsd.session.interviewer import (NO_FACT_REPLY, answer_question, biggest_gaps, choose_follow_ups, match_facts,
                              question_grading_text, step_topic, verdict)
from mlsd.content.loader import load_catalog


@pytest.fixture(scope="module")
def shipped():
    return load_catalog()


def fact_ids(case, question):
    return [m.fact.id for m in match_facts(case, question)]


# --------------------------------------------------------------- questions


@pytest.mark.parametrize("case_id, question, expected", [
    # the same question in many words: abbreviations, inflections, synonyms
    ("ctr", "What is the peak QPS?", ["qps"]),
    ("ctr", "How many requests per second do we serve?", ["qps"]),
    ("ctr", "how much traffic do we get", ["qps"]),
    ("ctr", "What's the expected load?", ["qps"]),
    ("ctr", "What's the latency budget?", ["latency"]),
    ("ctr", "How fast must scoring be?", ["latency"]),
    ("ctr", "what's the base CTR?", ["base-ctr"]),
    ("ctr", "How often do users click?", ["base-ctr"]),
    ("ctr", "When do clicks arrive?", ["label-delay"]),
    ("ctr", "How many candidate ads per query?", ["candidates"]),
    ("ctr", "does position matter", ["position-effect"]),
    ("fraud", "How rare is fraud?", ["base-rate"]),
    ("fraud", "what's the fraud rate", ["base-rate"]),
    ("fraud", "How long until chargebacks come in?", ["labels"]),
    ("fraud", "how many transactions per second", ["volume"]),
    ("eta", "Is being late worse than being early?", ["cost"]),
    ("recs", "How many DAU?", ["users"]),
    ("recs", "cold start?", ["cold-start"]),
    ("search", "How many products are in the catalogue?", ["catalog"]),
])
def test_questions_find_their_fact(shipped, case_id, question, expected):
    assert fact_ids(shipped.case(case_id), question) == expected


def test_a_question_about_two_facts_gets_both(shipped):
    assert set(fact_ids(shipped.case("ctr"), "What's the QPS and the latency budget?")) == {"qps", "latency"}
    # "scale" is two facts in the search case: traffic and catalogue
    assert set(fact_ids(shipped.case("search"), "what's the scale?")) == {"qps", "catalog"}


@pytest.mark.parametrize("question", [
    "Should I use deep learning?",
    "what data leakage risks should I worry about",
    "Which loss should I use?",
    "is this a ranking problem or classification",
    "hello",
])
def test_questions_without_a_fact_get_make_an_assumption(shipped, question):
    reply = answer_question(shipped.case("ctr"), question)
    assert not reply.answered and reply.fact_id is None
    assert "make an assumption and state it" in reply.text.lower()


def test_reply_is_the_fact_in_character_and_is_stored_shape(shipped):
    case = shipped.case("ctr")
    reply = answer_question(case, "? What is the peak QPS")
    assert reply.question == "What is the peak QPS"
    assert reply.text.startswith("About 60,000 search queries per second at peak")
    assert reply.to_extra() == {"answer": reply.text, "fact_id": "qps", "fact_ids": ["qps"]}
    two = answer_question(case, "QPS and latency budget?")
    assert "Latency budget:" in two.text and "Scale:" in two.text


def test_empty_question_and_practice_topics(shipped):
    case = shipped.case("ctr")
    assert "ask" in answer_question(case, "?").text.lower()
    practice = answer_question(case, "? should I use a transformer", list_topics=True)
    assert practice.text.startswith(NO_FACT_REPLY) and "latency budget" in practice.text


def test_a_question_counts_toward_requirements(shipped):
    case = shipped.case("ctr")
    bare = grade(case, "requirements", "how much traffic do we get?")
    counted = grade(case, "requirements", question_grading_text(case, "how much traffic do we get?", ["qps"]))
    assert "scale" not in {h.id for h in bare.hits}
    assert "scale" in {h.id for h in counted.hits}


# --------------------------------------------------------------- follow-ups


def test_follow_ups_aim_at_the_heaviest_missed_concepts(shipped):
    case = shipped.case("ctr")
    answer = ("We'd estimate QPS at peak and a latency budget of a few milliseconds for scoring, and keep scope "
              "to the click model itself.")
    result = grade(case, "requirements", answer, "senior")
    probes = choose_follow_ups(case, "requirements", result)
    assert len(probes) == 2
    missed = {m.id: m for m in result.misses if m.expected}
    top = sorted(missed.values(), key=lambda m: -m.weight)
    assert [p.concept_id for p in probes] == [m.id for m in top[:2]]
    assert all(missed[p.concept_id].weight == 3 for p in probes)
    assert all(p.source == "missed" and "?" in p.text for p in probes)


def test_follow_ups_respect_the_level(toy_case):
    # latency is a senior concept: a mid candidate is not probed on it
    answer = "I'd ask how many requests per second we serve."
    senior = choose_follow_ups(toy_case, "requirements", grade(toy_case, "requirements", answer, "senior"))
    mid = choose_follow_ups(toy_case, "requirements", grade(toy_case, "requirements", answer, "mid"))
    assert [p.concept_id for p in senior] == ["latency"]
    assert [(p.source, p.text) for p in mid] == [("case", "What if traffic doubles?")]


def test_nothing_important_missed_uses_the_cases_follow_up(toy_case):
    result = grade(toy_case, "evaluation", "Calibration offline, then an A/B test online.", "senior")
    probes = choose_follow_ups(toy_case, "evaluation", result)
    assert [(p.source, p.text, p.concept_id) for p in probes] == [("case", "Which guardrails?", None)]
    assert choose_follow_ups(toy_case, "evaluation", grade(toy_case, "evaluation", "", "senior")) == []


def test_a_case_follow_up_about_the_missed_concept_is_preferred(shipped):
    case = shipped.case("ctr")
    result = grade(case, "requirements", "We optimise revenue per thousand queries and rank by bid times pCTR.",
                   "senior")
    probes = choose_follow_ups(case, "requirements", result, limit=2)
    # every probe is the case's own wording, the concept's own question, or what is at stake in the
    # concept (its `why`) put as a question: never empty, never the old template
    follow_ups = set(case.steps["requirements"].follow_ups)
    from mlsd.session.interviewer import _clauses

    concepts = {c.id: c for c in case.steps["requirements"].rubric.concepts}
    assert probes
    for p in probes:
        concept = concepts[p.concept_id]
        assert (p.text in follow_ups or p.text == concept.hint
                or p.text.split("? ")[0].rsplit(". ", 1)[0] + "." in _clauses(concept.why))
        assert p.text.endswith("?") and "Walk me through" not in p.text


def test_built_probes_ask_without_naming_the_answer(shipped):
    """In every shipped case, a probe built for a concept with no question of its own reads as one
    interviewer question: what is at stake, then a question; never the concept's label."""
    from mlsd.session.interviewer import _clauses, _probe_text

    built = 0
    for case_id in shipped.cases:
        case = shipped.case(case_id)
        for step_id, step in case.steps.items():
            for concept in step.rubric.concepts:
                if concept.hint.strip().endswith("?"):
                    continue
                text = _probe_text(concept, step_id)
                built += 1
                assert text.endswith("?") and text.count("?") == 1, text
                named_everywhere = all(concept.label.lower() in c.lower() for c in _clauses(concept.why))
                assert named_everywhere or concept.label.lower() not in text.lower(), text
                assert 30 < len(text) < 320, text
    assert built > 100


# --------------------------------------------------------------- verdict and gaps


def test_verdict_counts_steps_over_the_bar():
    result = verdict({"a": 0.9, "b": 0.61, "c": 0.2, "d": None, "e": 0.7, "f": 0.8, "g": 0.65}, "senior")
    assert result.summary == "Meets the senior bar in 5 of 7 steps."
    assert result.judgement == "Overall: meets the senior bar."
    assert verdict({"a": 0.9}, "staff").judgement == "A clear staff signal in every step."
    assert "below the mid bar" in verdict({"a": 0.1, "b": None}, "mid").judgement


def test_biggest_gaps_one_per_step_with_labs(shipped):
    case = shipped.case("ctr")
    framework = shipped.framework_for(case)
    titles = {s.id: s.title for s in framework.steps}
    grades = {s.id: grade(case, s.id, case.steps[s.id].model_answer, "senior") for s in framework.steps}
    grades["model"] = grade(case, "model", "", "senior")  # unanswered
    grades["evaluation"] = grade(case, "evaluation", "Offline we look at AUC.", "senior")
    grades["data"] = grade(case, "data", "We join the impression and click logs on the impression id.", "senior")
    gaps = biggest_gaps(case, grades, titles)
    assert len(gaps) == 3 and len({g.step_id for g in gaps}) == 3
    assert {"model", "evaluation"} <= {g.step_id for g in gaps}
    model_gap = next(g for g in gaps if g.step_id == "model")
    assert not model_gap.answered and model_gap.why and model_gap.references
    assert model_gap.labs and all(lab.id.startswith("ctr-") for lab in model_gap.labs)


def test_step_topics_read_naturally():
    assert step_topic("serving") == "serving"
    assert step_topic("custom", "Cost Estimate") == "cost Estimate"


# --------------------------------------------------------------- in practice mode


def run_practice(case, framework, lines: list[str], level: str = "senior"):
    import io

    from rich.console import Console

    from mlsd.session.context import Context
    from mlsd.session.engine import SessionEngine
    from mlsd.session.store import Store
    from mlsd.tui.practice import run_interactive

    script = iter(lines)

    def read_line(prompt: str) -> str:
        try:
            return next(script)
        except StopIteration:
            raise EOFError from None

    out = io.StringIO()
    console = Console(file=out, width=200, no_color=True, highlight=False)  # wide: one line per message
    ctx = Context(console=console, err_console=console, read_line=read_line, stdin_is_tty=True)
    store = Store.memory()
    engine = SessionEngine.start(store, case, framework, level=level)
    run_interactive(ctx, engine, offer_labs=False)
    return engine, out.getvalue()


def test_practice_answers_questions_and_counts_them(course_catalog, toy_case):
    framework = course_catalog.framework_for(toy_case)
    engine, text = run_practice(toy_case, framework, [
        "? how much traffic is there",
        "? can we use a GPU",
        "I'd want the revenue goal first.",
        ".",
        ".",  # passes the interviewer's follow-up
        "Calibration offline, then an A/B test online.",
        ".",
    ])
    assert "Interviewer: About 1,000 requests per second at peak." in text
    assert "make an assumption and state it" in text.lower() and "(This case has facts on: scale.)" in text
    questions = engine.questions()
    assert [(q.step, q.text, q.extra["fact_id"]) for q in questions] == [
        ("requirements", "how much traffic is there", "qps"), ("requirements", "can we use a GPU", None)]
    main = engine.latest()["requirements"]
    assert main.text == "I'd want the revenue goal first."  # the questions are not part of the answer text
    assert "scale" in {h["id"] for h in main.grade["hit"]}  # but they count toward the step


def test_practice_follow_up_is_answered_at_once_and_graded_with_its_step(course_catalog, toy_case):
    framework = course_catalog.framework_for(toy_case)
    engine, text = run_practice(toy_case, framework, [
        "I'd ask how many requests per second we serve at peak.",
        ".",
        "> p99 latency must stay under 30 milliseconds",  # the reply, right after the grade ('> ' is optional)
        "and we would check it per region.",
        ".",  # ends the reply like any answer, and moves on
        "Calibration offline, then an A/B test online.",
        ".",
        "We'd watch revenue per search and latency as guardrails.",  # the last step's follow-up is answered too
        ".",
    ])
    probe = next(line for line in text.splitlines() if line.startswith("Interviewer: "))
    assert "Walk me through how it shapes your design" not in probe  # not the old template
    assert probe.rstrip().endswith("?") and "latency budget" not in probe.lower()  # asks, does not name the answer
    assert "reply and finish with '.'" in text
    assert "with your follow-up  ✓ Latency budget" in text
    main, followups = engine.step_rows("requirements")
    assert [f.text for f in followups] == ["p99 latency must stay under 30 milliseconds\nand we would check it per region."]
    assert followups[0].extra["question"] == probe.removeprefix("Interviewer: ").strip()
    assert {"scale", "latency"} <= {h["id"] for h in main.grade["hit"]}
    assert engine.latest()["evaluation"].text == "Calibration offline, then an A/B test online."
    _, last = engine.step_rows("evaluation")
    assert [f.text for f in last] == ["We'd watch revenue per search and latency as guardrails."]
    assert "Interviewer: Which guardrails?" in text and "Scorecard" in text
    assert engine.session.finished


def test_practice_follow_up_is_passed_with_a_dot(course_catalog, toy_case):
    framework = course_catalog.framework_for(toy_case)
    engine, text = run_practice(toy_case, framework, [
        "I'd ask how many requests per second we serve at peak.", ".",
        ".",  # no reply: on to the next step at once
        "Calibration offline, then an A/B test online.", ".",
    ])
    assert not any(r.kind == "followup" for r in engine.store.answers(engine.id))
    assert engine.latest()["evaluation"].text == "Calibration offline, then an A/B test online."
    assert "The answer is empty" not in text and engine.session.finished


def test_practice_reply_without_a_follow_up_is_explained(course_catalog, toy_case):
    framework = course_catalog.framework_for(toy_case)
    engine, text = run_practice(toy_case, framework, ["> nothing asked yet", ":skip", ":skip"])
    assert "No follow-up is waiting" in text
    assert not any(r.kind == "followup" for r in engine.store.answers(engine.id))


@pytest.mark.parametrize("case_id, question, facts", [
    ("recs", "how many daily users and how many videos", ["users", "corpus"]),  # each half alone is answered
    ("ctr", "what is the base click rate and how quickly do we see clicks", ["base-ctr", "label-delay"]),
    ("ctr", "how long until we know a click happened", ["label-delay"]),  # by meaning, not the key words
    ("ctr", "what is the label delay", ["label-delay"]),
    ("recs", "how long do people watch", ["base-rates"]),  # 'how long' is not always about delay
    ("ctr", "what's the peak QPS, the latency budget and the base rate", ["qps", "latency", "base-ctr"]),
    ("ctr", "what is the weather like", []),
])
def test_every_part_of_a_question_the_facts_cover_is_answered(shipped, case_id, question, facts):
    reply = answer_question(shipped.case(case_id), question)
    assert [f.id for f in reply.facts] == facts
    if len(facts) > 1:  # one line per fact, each named by its topic
        assert len(reply.text.splitlines()) == len(facts)
