"""Each case's own red flags: a flag catches the example sentences written for it and spares its
correct counterparts (which raise no flag of any kind), in its own step (the shared pitfalls have the same test in test_pitfalls.py)."""

from __future__ import annotations

import pytest

from mlsd.content.loader import load_catalog
from mlsd.grader import grade

CATALOG = load_catalog()
FLAGS = [(case_id, step_id, flag) for case_id, loaded in sorted(CATALOG.cases.items())
         for step_id, step in loaded.case.steps.items() for flag in step.rubric.red_flags]


def _id(item) -> str:
    case_id, step_id, flag = item
    return f"{case_id}-{step_id}-{flag.id}"


@pytest.mark.parametrize("item", FLAGS, ids=[_id(f) for f in FLAGS])
def test_red_flag_catches_its_examples_and_spares_its_counterparts(item):
    case_id, step_id, flag = item
    case = CATALOG.case(case_id)
    for example in flag.examples:
        raised = {f.id for f in grade(case, step_id, example).red_flags}
        assert flag.id in raised, (example, raised)
    for counterpart in flag.counterparts:
        # a correct sentence raises no flag at all: not this one, not another, not a dismissal
        raised = {f.id for f in grade(case, step_id, counterpart).red_flags}
        assert not raised, (counterpart, raised)



def test_every_red_flag_says_what_to_do_instead():
    # a wrong claim is shown with its fix (issue #11): a flag without one leaves the candidate at "wrong"
    missing = [_id(item) for item in FLAGS if not item[2].fix.strip()]
    assert not missing, missing
