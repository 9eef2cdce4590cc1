"""What every lab owes, whatever its case: the same seed gives the same numbers, and its
output has the shape the renderer and export expect. Effect tests stay in each case's file."""

from __future__ import annotations

import pytest

from conftest import lab_metrics as metrics  # noqa: E402
from conftest import lab_result as result  # noqa: E402
from mlsd.labs.registry import all_labs, run_lab

LAB_IDS = [spec.id for spec in all_labs()]


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_same_seed_same_metrics(lab_id):
    again = run_lab(lab_id, seed=0).metrics
    assert again == metrics(lab_id, 0)


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_output_shape(lab_id):
    r = result(lab_id, 0)
    assert r.metrics and all(isinstance(v, float) for v in r.metrics.values())
    assert all(k == k.lower() and " " not in k for k in r.metrics)
    assert 2 <= len(r.table) <= 8
    assert r.takeaway.strip()
    assert r.plot is not None and all(len(s.x) == len(s.y) for s in r.plot.series)
