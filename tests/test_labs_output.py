"""What every lab prints: readable labels, and the numbers its takeaway quotes.

A takeaway a learner cannot check against the table or chart above it teaches
nothing; numbers the takeaway derives (a difference, a ratio) or takes from the
case (its 2% calibration target, its 0.1% fraud rate) are listed per lab below.
"""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from conftest import lab_result  # noqa: E402
from mlsd.labs.registry import labs_for_case
from mlsd.labs.render import render_lab_result

CASES = ("ctr", "recs", "eta", "fraud", "search")
LAB_IDS = [spec.id for case in CASES for spec in labs_for_case(case)]

# Numbers a takeaway may quote without printing them: derived from printed ones, or the case's own facts.
DERIVED_OR_CASE = {
    "ctr-leaky-history": {"0.11"},  # offline gap: 0.840 - 0.730
    "ctr-downsampling": {"13%", "-0.0007", "6.7%", "2%", "1,373", "2.7%"},  # row share, AUC change, case target
    "ctr-gbdt-lr": {"2.7%", "5.0%"},  # relative NE gains
    "ctr-freshness": {"0.3%", "54%", "3.9%", "0.717"},  # slope, the (%) columns, mean of the retrained column
    "recs-mf-dimension": {"12", "2022"},  # the toy's true taste dimension, a citation year
    "recs-diversity": {"0.041"},  # precision cost: 0.598 - 0.557
    # CTR difference, derived from the printed CTRs (its last digit follows the numeric libraries' rounding)
    "recs-feedback-loop": lambda m: {f"{m['ctr_final_eps_0_1'] - m['ctr_final_eps_0']:+.3f}"},
    "fraud-imbalance": {"1%"},  # the lab's fraud rate
    "fraud-accuracy-paradox": {"0.04", "0.1%", "99.9%"},  # accuracy gap in points, the case's rate
    "fraud-cascade": {"$20", "0.25", "0.01%", "90%", "3%"},  # cost-rule thresholds, case capacity, assumptions
    "search-rerank-depth": {"0.01", "-0.011"},  # tolerance and NDCG difference
}
_NUMBER = re.compile(r"(?<![\w.])([-+]?\$?)(\d(?:[\d,]*\d)?(?:\.\d+)?)(%|x)?")


def _rendered(result) -> tuple[str, str]:
    console = Console(record=True, width=250, no_color=True, file=io.StringIO())
    render_lab_result(result, console)
    text = console.export_text()
    body, _, _ = text.partition("Takeaway")
    return body, result.takeaway


def _printed_values(body: str) -> list[float]:
    values = []
    for sign, digits, unit in _NUMBER.findall(body):
        value = float(digits.replace(",", "")) * (-1 if sign.startswith("-") else 1)
        values += [value, value / 100] if unit == "%" else [value]
    return values


def _unprinted(body: str, takeaway: str) -> list[str]:
    printed = _printed_values(body)
    missing = []
    for sign, digits, unit in _NUMBER.findall(takeaway):
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        value = float(digits.replace(",", "")) * (-1 if sign.startswith("-") else 1)
        tolerance = 0.5 * 10 ** -decimals + 1e-9
        candidates = [(value / 100, tolerance / 100)] if unit == "%" else [(value, tolerance),
                                                                             (value / 100, tolerance / 100)]
        if not any(abs(p - v) <= t or abs(abs(p) - abs(v)) <= t for v, t in candidates for p in printed):
            missing.append(f"{sign}{digits}{unit}")
    return missing


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_takeaway_quotes_only_what_the_lab_prints(lab_id):
    result = lab_result(lab_id, 0)
    body, takeaway = _rendered(result)
    allowed = DERIVED_OR_CASE.get(lab_id, set())
    allowed = allowed(result.metrics) if callable(allowed) else allowed
    missing = [token for token in _unprinted(body, takeaway) if token not in allowed]
    assert missing == [], f"{lab_id} quotes numbers it never prints: {missing}"


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_labels_are_readable(lab_id):
    result = lab_result(lab_id, 0)
    assert not [key for row in result.table for key in row if "_" in key]
    plot = result.plot
    assert plot is not None
    labels = [plot.title, plot.x_label, plot.y_label, *(s.name for s in plot.series),
              *(x for s in plot.series for x in s.x if isinstance(x, str))]
    assert not [label for label in labels if "_" in label], labels


@pytest.mark.parametrize("lab_id", ["recs-funnel", "eta-mape", "fraud-label-maturity"])
def test_the_labs_the_review_named_print_every_number(lab_id):
    body, takeaway = _rendered(lab_result(lab_id, 0))
    assert _unprinted(body, takeaway) == []
