"""Back-of-envelope drills: answers with units, the worked chains of every case, the log, review and stats."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from mlsd.drills import estimate_log
from mlsd.cli import app
from mlsd.drills.estimate import EstimateError, check, computed_value, estimate_problems, parse_quantity
from mlsd.content.loader import load_catalog
from mlsd.content.schema import Estimate

CASES = ["ctr", "recs", "eta", "fraud", "search"]


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def ctr(catalog):
    return catalog.case("ctr")


def run(args: list[str]):
    from typer.testing import CliRunner

    return CliRunner().invoke(app, args)


def qps_question(expected: float = 1.2e6, **extra) -> Estimate:
    return Estimate(id="peak", question="Peak QPS?", unit="1/s", expected=expected,
                    work=[{"name": "daily", "value": "1.2e6 / s"}], **extra)


# ------------------------------------------------------------ reading answers


@pytest.mark.parametrize("answer", ["1.2M qps", "1,200,000/s", "1.2e6 per second", "1.2 million requests/s",
                                    "72M per minute", "~1.2M QPS"])
def test_the_same_rate_in_many_notations_is_right(answer):
    result = check(qps_question(), answer)
    assert result.correct and result.factor == pytest.approx(1.0)


@pytest.mark.parametrize("answer", ["35 GB", "3.5e10 bytes", "35,000 MB", "0.035 TB", "35 gb", "35GB"])
def test_the_same_size_in_many_notations_reads_the_same(answer):
    assert parse_quantity(answer).to("byte").magnitude == pytest.approx(3.5e10)


def test_cores_money_and_percent_read_as_themselves():
    assert parse_quantity("40 cores").to("core").magnitude == pytest.approx(40)
    assert parse_quantity("40 vCPUs").to("core").magnitude == pytest.approx(40)
    assert parse_quantity("$9M/day").to("dollar/day").magnitude == pytest.approx(9e6)
    assert parse_quantity("0.01%").to("dimensionless").magnitude == pytest.approx(1e-4)
    assert parse_quantity("2B/day").to("1/day").magnitude == pytest.approx(2e9)  # B after a number: billion


def test_a_tenfold_error_is_off_and_says_by_how_much():
    high = check(qps_question(), "12M qps")
    low = check(qps_question(), "120k/s")
    assert not high.correct and high.verdict == "off" and high.factor == pytest.approx(10)
    assert "factor of 10 (too high)" in high.message
    assert not low.correct and low.factor == pytest.approx(0.1) and "too low" in low.message


def test_within_the_tolerance_is_right_and_just_outside_is_not():
    assert check(qps_question(), "2.3M/s").correct  # x1.9
    assert not check(qps_question(), "2.5M/s").correct  # x2.1
    assert check(qps_question(tolerance=3), "2.5M/s").correct


def test_a_wrong_unit_is_rejected_with_no_factor():
    result = check(qps_question(), "1.2 GB")
    assert not result.correct and result.verdict == "wrong-unit" and result.factor is None
    assert "wrong unit" in result.message
    assert not check(qps_question(), "1.2M requests").correct  # a count, not a rate


@pytest.mark.parametrize("answer, words", [("1200000", ["no unit", "e.g."]), ("", ["no answer"]),
                                           ("lots", ["no number"]), ("12 apples", ["unknown unit 'apples'"]),
                                           ("-3/s", ["not a positive number"]), ("3 +", ["cannot read"])])
def test_unreadable_or_unitless_answers_are_one_line_errors(answer, words):
    with pytest.raises(EstimateError) as caught:
        check(qps_question(), answer)
    message = str(caught.value)
    assert "\n" not in message and all(w in message for w in words)


def test_a_plain_count_needs_no_unit_but_a_percent_does(catalog):
    count = catalog.case("recs").estimate("impressions-per-request")
    assert check(count, "20").correct and check(count, "25 impressions").correct
    share = catalog.case("fraud").estimate("review-capacity-share")
    assert check(share, "0.01%").correct and check(share, "1 bp").correct
    with pytest.raises(EstimateError):
        check(share, "0.01")  # 1% or 0.01%? The answer must say


# ------------------------------------------------------------ the shipped questions


@pytest.mark.parametrize("case_id", CASES)
def test_every_case_has_six_questions_whose_chains_compute_to_the_expected_value(catalog, case_id):
    case = catalog.case(case_id)
    assert len(case.estimates) >= 6
    assert estimate_problems(case) == []
    facts = {f.id for f in case.facts}
    for estimate in case.estimates:
        assert estimate.facts and set(estimate.facts) <= facts  # tied to the case's own facts
        assert computed_value(estimate) == pytest.approx(estimate.expected, rel=0.02)
        assert check(estimate, f"{estimate.expected * 10:g} {estimate.unit}").verdict == "off"


def test_ctr_numbers_follow_its_facts(ctr):
    # 60,000 peak QPS x 40% eligible; 500M ads x 64 x 2 bytes; 5 TB a day for 13 months
    assert ctr.estimate("ad-query-peak-qps").expected == 24000
    assert check(ctr.estimate("ad-embedding-table"), "64 GB").correct
    assert check(ctr.estimate("log-retention"), "2 PB").correct
    assert check(ctr.estimate("busy-cores"), "360 cores").correct


def test_a_chain_that_does_not_compute_or_does_not_match_is_reported():
    wrong = Estimate(id="x", question="?", unit="1/s", expected=100, work=[{"name": "a", "value": "60000 / s"}])
    broken = Estimate(id="y", question="?", unit="GB", expected=1, work=[{"name": "a", "value": "b * 2"}])
    badunit = Estimate(id="z", question="?", unit="furlongs", expected=1, work=[{"name": "a", "value": "1"}])
    from mlsd.content.schema import Case

    base = load_catalog().case("ctr").model_dump()
    base["estimates"] = [e.model_dump() for e in (wrong, broken, badunit)]
    problems = [p for _, p in estimate_problems(Case.model_validate(base))]
    assert any("estimates.x" in p and "gives 60000" in p for p in problems)
    assert any("estimates.y" in p and "does not compute" in p for p in problems)
    assert any("estimates.z" in p and "does not parse" in p for p in problems)


def test_schema_rejects_an_estimate_that_needs_an_unknown_fact():
    from pydantic import ValidationError

    from mlsd.content.schema import Case

    base = load_catalog().case("ctr").model_dump()
    base["estimates"] = [qps_question(facts=["no-such-fact"]).model_dump()]
    with pytest.raises(ValidationError, match="unknown fact 'no-such-fact'"):
        Case.model_validate(base)


# ------------------------------------------------------------ the command


def test_list_json_gives_id_question_and_unit():
    result = run(["estimate", "ctr", "--list", "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert len(rows) >= 6 and {"id", "question", "unit"} <= set(rows[0])


def test_one_answer_as_json_and_it_is_logged(isolated_home):
    result = run(["estimate", "ctr", "ad-query-peak-qps", "24k", "qps", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert {"id", "correct", "expected", "unit", "factor", "solution"} <= set(data)
    assert data["correct"] is True and data["expected"] == 24000 and data["factor"] == pytest.approx(1.0)
    assert "peak_queries * eligible" in data["solution"]
    wrong = json.loads(run(["estimate", "ctr", "ad-query-peak-qps", "240k/s", "--json"]).stdout)
    assert wrong["correct"] is False and wrong["factor"] == pytest.approx(10)
    logged = estimate_log.attempts()
    assert [a.verdict for a in logged] == ["right", "off"] and logged[0].case_id == "ctr"


@pytest.mark.parametrize("args, words", [
    (["estimate", "ctr", "ad-query-peak-qps", "24000", "--json"], ["no unit", "ad queries per second"]),
    (["estimate", "ctr", "ad-query-peak-qps", "12", "apples"], ["unknown unit"]),
    (["estimate", "ctr", "nope", "3/s"], ["no question 'nope'"]),
    (["estimate", "nocase"], ["unknown case"]),
    (["estimate", "ctr", "--json"], ["--json needs"]),
])
def test_bad_input_is_one_line_on_stderr_and_exit_2(args, words, isolated_home):
    done = subprocess.run([sys.executable, "-m", "mlsd", *args], capture_output=True, text=True,
                          env={**os.environ, "MLSD_HOME": str(isolated_home)})
    assert done.returncode == 2 and done.stdout == ""
    lines = [line for line in done.stderr.strip().splitlines() if not line.startswith("skipped:")]  # broken case files
    assert len(lines) == 1 and lines[0].startswith("mlsd:") and all(w in lines[0] for w in words)
    assert not estimate_log.attempts()  # nothing checked, nothing logged


def test_a_drill_from_stdin_checks_each_answer_and_skips_hints(isolated_home):
    from typer.testing import CliRunner

    text = "?\n24000\n24k/s\n:skip\n:quit\n"
    result = CliRunner().invoke(app, ["estimate", "ctr"], input=text)
    assert result.exit_code == 0
    out = result.stdout
    assert "hint: 60,000 search queries" in out and "has no unit" in out and "✓ right" in out
    assert "Interviewer: About 60,000 search queries per second" in out  # the facts it needs
    assert "skipped; the worked chain" in out and "1 of 1 right" in out
    assert [a.estimate_id for a in estimate_log.attempts()] == ["ad-query-peak-qps"]


def test_pint_is_not_imported_at_startup():
    code = "import sys, mlsd.cli; print('pint' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


# ------------------------------------------------------------ log, review, stats


def test_the_log_skips_damaged_lines(isolated_home, ctr):
    estimate_log.record(check(ctr.estimate("busy-cores"), "360 cores", "ctr"), now=100.0)
    with open(estimate_log.log_path(), "a", encoding="utf-8") as handle:
        handle.write('{"at": 1, "case": "ctr"\n[1, 2]\n{"at": "x", "case": "ctr", "id": "a", "verdict": "right"}\n')
    estimate_log.record(check(ctr.estimate("busy-cores"), "36 cores", "ctr"), now=200.0)
    assert [(a.at, a.verdict) for a in estimate_log.attempts()] == [(100.0, "right"), (200.0, "off")]


def test_misses_enter_the_review_queue_and_right_answers_alone_do_not(ctr):
    from mlsd.drills.estimate_log import EstimateAttempt
    from mlsd.reports.review import estimate_queue

    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp()
    log = [EstimateAttempt(t0, "ctr", "busy-cores", "requirements", "36 cores", "off", 0.1),
           EstimateAttempt(t0 + 60, "ctr", "log-retention", "requirements", "2 PB", "right", 1.03)]
    later = datetime(2026, 1, 5, tzinfo=timezone.utc)
    queue = estimate_queue(log, later)
    assert [i.estimate_id for i in queue] == ["busy-cores"] and queue[0].is_due(later)
    assert queue[0].misses == 1
    # answered right the next time, it moves out to later than a day after
    fixed = estimate_queue(log + [EstimateAttempt(later.timestamp(), "ctr", "busy-cores", "requirements", "360 cores",
                                                  "right", 1.0)], later)
    assert not fixed[0].is_due(later + timedelta(hours=12))


def test_stats_report_estimation_accuracy(isolated_home, ctr):
    from mlsd.reports.progress import compute_progress
    from mlsd.session.store import Store

    for answer in ("24k/s", "240k/s", "25k qps"):
        estimate_log.record(check(ctr.estimate("ad-query-peak-qps"), answer, "ctr"))
    progress = compute_progress(Store.memory(), load_catalog())
    data = progress.to_json()["estimates"]
    assert data["attempts"] == 3 and data["right"] == 2 and data["accuracy"] == pytest.approx(2 / 3, abs=1e-3)
    assert data["missed"][0]["estimate_id"] == "ad-query-peak-qps" and data["cases"][0]["case"] == "ctr"
    shown = run(["stats"])
    assert shown.exit_code == 0 and "Estimation: 2 of 3 right" in shown.stdout


def test_a_fact_that_states_its_questions_answer_is_a_content_problem(catalog):
    """The interviewer gives the inputs; the candidate computes the result. A fact saying 'about
    1,700 loads a second' turns 'how many loads a second?' into reading it back."""
    case = catalog.case("pymk")
    estimate = case.estimate("pymk-loads-per-second")
    assert not any("states the answer" in p for _, p in estimate_problems(case))
    facts = [f.model_copy(update={"answer": f.answer + " That is about 1,700 loads a second."})
             if f.id in estimate.facts else f for f in case.facts]
    leaky = case.model_copy(update={"facts": facts})
    problems = [p for _, p in estimate_problems(leaky) if "states the answer" in p]
    assert problems and "pymk-loads-per-second" in problems[0] and "'1,700'" in problems[0]
    small = estimate.model_copy(update={"expected": 30.0})  # small answers coincide with chance numbers
    facts_30 = [f.model_copy(update={"answer": "About 30 countries."}) if f.id in estimate.facts else f
                for f in case.facts]
    from mlsd.drills.estimate import stated_answer

    assert stated_answer(case.model_copy(update={"facts": facts_30}), small) is None
