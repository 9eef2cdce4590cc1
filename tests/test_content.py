"""`mlsd dev check` on every shipped case, as CI runs it."""

from __future__ import annotations

import pytest

from mlsd import paths
from mlsd.content.checks import check_case, lab_id_problems
from mlsd.labs import labs_for_case
from mlsd.content.loader import load_catalog

FIRST_CASES = ["ctr", "recs", "eta", "fraud", "search"]
# every shipped case file, so a new case is checked the moment it lands
CASES = sorted(p.stem for p in paths.shipped_cases_dir().glob("*.yaml"))


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.mark.parametrize("case_id", CASES)
def test_case_passes_dev_check(catalog, case_id):
    problems = [f"{row.step}: {p}" for row in check_case(catalog.case(case_id)) for p in row.problems]
    assert problems == []


@pytest.mark.parametrize("case_id", CASES)
def test_case_has_facts_tradeoffs_and_references(catalog, case_id):
    case = catalog.case(case_id)
    assert len(case.facts) >= 8 and all(len(f.asks) >= 4 for f in case.facts)
    assert 4 <= len(case.tradeoffs) <= 8
    assert case.references and case.companies
    for step in case.steps.values():
        assert 2 <= len(step.hints) <= 4 and 2 <= len(step.follow_ups) <= 3
        assert all(c.phrasings and c.why for c in step.rubric.concepts)


@pytest.mark.parametrize("case_id", CASES)
def test_case_has_four_labs_over_four_steps(catalog, case_id):
    case = catalog.case(case_id)
    linked = {lab: step_id for step_id, step in case.steps.items() for lab in step.labs}
    registered = {spec.id: spec.step for spec in labs_for_case(case_id)}
    assert len(registered) >= 4 and len(set(registered.values())) >= 4
    assert linked == registered  # every lab is linked from the step it demonstrates


def test_no_unknown_lab_ids():
    assert lab_id_problems([paths.shipped_cases_dir()]) == []


def test_case_ids_are_fixed(catalog):
    assert set(FIRST_CASES) <= set(CASES) <= set(catalog.cases)


def test_a_repeated_phrasing_or_unless_entry_is_reported():
    from mlsd.content.checks import repeated_entries
    from mlsd.content.schema import RedFlag

    flag = RedFlag(id="f", claim="c", phrasings=["split randomly", "random split", "split randomly"], penalty=0.1,
                   why="w", fix="x", unless=["time", "time"], when="asserted", examples=[], counterparts=[])
    assert repeated_entries(flag) == ["f: phrasings repeats 'split randomly'", "f: unless repeats 'time'"]


def test_a_phrasing_two_concepts_of_a_step_share_is_reported():
    from mlsd.content.checks import shared_phrasings
    from mlsd.content.schema import Concept

    def concept(cid, phrasings):
        return Concept(id=cid, label=cid, weight=1, level="mid", phrasings=phrasings, why="w", hint="h")

    # stopwords and stems aside these are one phrasing: a sentence with it would earn both concepts
    chunking = concept("chunking", ["chunk size", "split documents"])
    honest = concept("honest-split", ["split by document", "held out documents"])
    assert shared_phrasings([chunking, honest]) == ["honest-split: phrasing 'split by document' reads as "
                                                    "chunking's 'split documents'"]
    assert shared_phrasings([chunking, concept("honest-split", ["held out documents"])]) == []


def test_a_concept_phrasing_that_raises_a_red_flag_of_its_step_is_reported(catalog):
    from mlsd.content.checks import phrasings_read_as_wrong

    case = catalog.case("eta")
    step = case.steps["serving"]
    assert phrasings_read_as_wrong(case, "serving") == []
    # "cache it per store" is how the long-cached checkout ETA flag is said: as a concept phrasing,
    # a candidate naming the idea this way would be told it is wrong
    concepts = [c.model_copy(update={"phrasings": [*c.phrasings, "cache per store"]}) if c.id == "routing-cost" else c
                for c in step.rubric.concepts]
    changed = step.model_copy(update={"rubric": step.rubric.model_copy(update={"concepts": concepts})})
    broken = case.model_copy(update={"steps": {**case.steps, "serving": changed}})
    assert phrasings_read_as_wrong(broken, "serving") == [
        "routing-cost: phrasing 'cache per store' raises long-cached-checkout-eta"]
