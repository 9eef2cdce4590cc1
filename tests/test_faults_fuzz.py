"""Property-based fuzzing of case files, answer sheets and export templates (hypothesis).

Every generated input must give no traceback, exit 0 or 2 (2 with a message),
within a time bound. CI runs a small fixed budget (the "ci" profile: derandomized,
15 case files, 8 sheets and 8 templates, no deadline); a longer run:

    HYPOTHESIS_PROFILE=long python -m pytest tests/test_faults_fuzz.py
    python benchmarks/fuzz.py -n 1000          # the mutation fuzzer, with failure counts
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import faultlib  # noqa: E402

settings.register_profile("ci", max_examples=15, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=400, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
CI = os.environ.get("HYPOTHESIS_PROFILE", "ci") == "ci"


def budget(examples: int):
    """Fewer examples in CI for the slower targets; the long profile keeps its own count."""
    return settings(max_examples=examples) if CI else settings()

BOUND = 15.0  # seconds one command may take on a slow, busy CI machine (a hang or blow-up takes far longer)
TIMEOUT = 30.0

byte_edits = st.lists(st.tuples(st.integers(0, 6), st.integers(0, 1 << 30), st.integers(0, 1000),
                                st.integers(0, 255)), min_size=1, max_size=4)
template_edits = st.lists(st.tuples(st.integers(0, 1 << 30), st.integers(0, 1000)), min_size=1, max_size=3)


def _check(runs) -> None:
    failures = faultlib.judge(runs, BOUND, TIMEOUT)
    assert not failures, [(why, o.args[:3], repr(o.exception)[:300], o.stderr[-300:]) for o, why in failures]


@pytest.fixture(scope="module")
def sheet_seed():
    return faultlib.seed_sheet()


@given(edits=byte_edits)
def test_case_files(edits):
    data = faultlib.apply_edits(faultlib.TOY_CASE.read_bytes(), edits, faultlib.YAML_SNIPPETS)
    with tempfile.TemporaryDirectory() as tmp:
        runs = faultlib.case_runs(data, Path(tmp))
        _check(runs[:1])  # validate; loading beside the shipped cases is checked in process below
        from mlsd.content.loader import load_catalog

        catalog = load_catalog([Path(tmp) / "cases"], include_shipped=False)
        for problem in catalog.problems:  # each problem prints as one line
            assert "\n" not in str(problem) and str(problem).isprintable(), str(problem)
        assert catalog.cases or catalog.problems  # a file is loaded or reported, never dropped silently


@budget(8)
@given(edits=byte_edits)
def test_answer_sheets(sheet_seed, edits):
    data = faultlib.apply_edits(sheet_seed, edits, faultlib.SHEET_SNIPPETS)
    with tempfile.TemporaryDirectory() as tmp, faultlib.cached_catalog():
        runs = faultlib.sheet_runs(data, Path(tmp))
        _check([runs[0], runs[3]])  # grade FILE --json, practice from stdin (the other two share their reader)


@budget(8)
@given(edits=template_edits)
def test_export_templates(edits, monkeypatch_module):
    source = faultlib.insert_snippets(faultlib.seed_template(), edits)
    with tempfile.TemporaryDirectory() as tmp, faultlib.cached_catalog():
        _check(faultlib.template_runs(source, Path(tmp)))


@pytest.fixture(scope="module")
def monkeypatch_module():
    from mlsd.reports import sandbox

    saved = sandbox.TEMPLATE_SECONDS
    sandbox.TEMPLATE_SECONDS = 0.5  # a runaway loop stops sooner; the budget itself is tested elsewhere
    yield
    sandbox.TEMPLATE_SECONDS = saved
