"""The grader's agreement with labelled answers it was never tuned on."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlsd.grader.quality import evaluate, read_labelled, spearman
from mlsd.content.loader import load_catalog

DATA = Path(__file__).resolve().parents[1] / "benchmarks" / "data"
HOLDOUT = DATA / "holdout_answers.jsonl"
HOLDOUT_B = DATA / "holdout_b_answers.jsonl"  # harder voices; see benchmarks/data/README.md


def test_spearman_handles_ties_and_order():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([4, 3, 2, 1], [10, 20, 30, 40]) == pytest.approx(-1.0)
    # ties share the average rank, so a tied pair neither helps nor hurts
    assert 0 < spearman([0.1, 0.1, 0.5, 0.9], [0, 1, 2, 3]) < 1


@pytest.fixture(scope="module")
def report():
    rows = read_labelled(HOLDOUT)
    assert len(rows) >= 70 and {r["kind"] for r in rows} >= {"strong", "wrong", "stuffed", "offtopic"}
    return evaluate(rows, load_catalog())


def test_holdout_meets_the_issue_targets(report):
    failed = [name for name, passed in report.checks() if not passed]
    assert not failed, f"{failed}; overall {report.overall:.3f}, per case {report.by_case()}"


def test_holdout_kinds_are_in_interviewer_order(report):
    means = {kind: mean for kind, (mean, _) in report.kind_means().items()}
    assert means["strong"] > means["solid"] > means["partial"] > means["vague"]
    assert max(means["stuffed"], means["offtopic"]) < means["vague"]


def test_harder_holdout_still_ranks_answers_and_catches_stuffing():
    report = evaluate(read_labelled(HOLDOUT_B), load_catalog())
    means = {kind: mean for kind, (mean, _) in report.kind_means().items()}
    assert report.overall >= 0.80, report.by_case()
    assert min(report.by_case().values()) >= 0.70, report.by_case()
    assert means["strong"] >= 0.70 and means["stuffed"] <= 0.20 and means["offtopic"] <= 0.25
    # known gap, not asserted: its subtle wrong answers score above its partial ones


V2_DEV = DATA / "v2_dev_answers.jsonl"  # six voices; the held-out v2 set is only reported, never asserted


@pytest.fixture(scope="module")
def voices_report():
    return evaluate(read_labelled(V2_DEV), load_catalog())


def test_v2_dev_set_ranks_answers_in_every_voice(voices_report):
    # regression guards at what grader v2 reaches (issue #11 targets are 0.85 / 0.75)
    assert voices_report.overall >= 0.76, voices_report.by_case()
    assert min(voices_report.by_case().values()) >= 0.68, voices_report.by_case()


def test_v2_dev_strong_answers_score_high_in_every_voice(voices_report):
    strong = {voice: kinds["strong"][0] for voice, kinds in voices_report.voice_kind_means().items()}
    assert set(strong) >= {"typed-fast", "whiteboard-bullets", "plain-english", "non-native", "textbook"}
    assert min(strong.values()) >= 0.65, strong


def test_v2_dev_wrong_below_partial_and_junk_near_zero(voices_report):
    means = {kind: mean for kind, (mean, _) in voices_report.kind_means().items()}
    assert means["wrong"] < means["partial"]
    assert means["stuffed"] <= 0.15 and means["offtopic"] <= 0.15


def test_false_flag_audit_reads_the_drill_corpus():
    """benchmarks/false_flags.py: correct and wrong drill lines, each in a step of the case, and a
    phrasing's verdict on one sentence graded alone."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from false_flags import corpus, phrasing_flags

    case = load_catalog().case("ctr")
    correct, wrong = corpus(case)
    assert len(correct) > 1000 and len(wrong) > 1000
    assert {step for step, _ in correct} <= set(case.steps) and {step for step, _, _ in wrong} <= set(case.steps)
    assert "random-split" in phrasing_flags(case, "evaluation", "We evaluate on a random split of the impressions.")
    assert not phrasing_flags(case, "evaluation", "We evaluate on the last day, never a random split.")


def test_the_unless_audit_counts_a_line_an_entry_alone_spares():
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import false_flags

    case = load_catalog().case("ctr")
    spared = false_flags.sparing_unless(case)
    assert spared and all(kind in ("W", "C") and count > 0 for (_, _, kind), count in spared.items())
    from mlsd.content import pitfalls

    flags = {f.id: f for step_id, step in case.steps.items() for f in pitfalls.for_step(step.rubric, step_id)}
    assert all(entry in flags[flag_id].unless for flag_id, entry, _ in spared)
