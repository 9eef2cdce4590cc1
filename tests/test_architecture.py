"""Architecture sketches: arrow lines and Mermaid read the same, graded against each case's reference."""

from __future__ import annotations

import json

import pytest

from mlsd.grader.architecture import (WEIGHT, find_sketch, grade_sketch, is_sketch, match_nodes, reference_mermaid,
                               reference_self_check)
from mlsd.grader import grade
from mlsd.content.loader import load_catalog

CASES = ["ctr", "recs", "eta", "fraud", "search"]

CTR_ARROWS = """\
query -> retrieval -> eligibility filters -> light ranker -> pCTR model (DCN) -> calibration -> auction
feature store -> pCTR model
pCTR model -> impression logs -> training pipeline -> pCTR model
pCTR model -> monitoring
"""

CTR_MERMAID = """\
```mermaid
flowchart LR
  %% the same graph as CTR_ARROWS
  Q[Query] --> R[Retrieval] --> F[Eligibility filters] --> L[Light ranker]
  L --> M["pCTR model (DCN)"]
  M --> C(Calibration) --> A{Auction}
  FS[(Feature store)] -->|features| M
  M -- served impressions --> LOG[Impression logs]
  LOG ==> T[[Training pipeline]] -.-> M
  subgraph ops
    MON>Monitoring]
  end
  M --> MON
```
"""


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def ctr(catalog):
    return catalog.case("ctr")


def sketch_grade(case, text):
    sketch = find_sketch(text)
    assert sketch is not None
    return grade_sketch(case.architecture, sketch)


def reversed_lines(text: str) -> str:
    return "\n".join(" -> ".join(reversed(line.split(" -> "))) for line in text.strip().splitlines())


def test_a_correct_chain_outscores_it_reversed_and_with_a_stage_missing(ctr):
    right = sketch_grade(ctr, CTR_ARROWS)
    backwards = sketch_grade(ctr, reversed_lines(CTR_ARROWS))
    no_calibration = sketch_grade(ctr, CTR_ARROWS.replace("-> calibration ", ""))
    assert right.score == pytest.approx(1.0) and not right.misordered
    assert backwards.score < right.score and no_calibration.score < right.score
    assert {"retrieval -> ranker", "ranker -> auction"} <= {m["id"] for m in backwards.misordered}
    missing = {m["id"] for m in no_calibration.missing}
    assert {"calibration", "ranker -> calibration", "calibration -> auction"} <= missing
    assert not no_calibration.misordered


def test_a_mermaid_block_and_arrow_lines_for_the_same_graph_grade_the_same(ctr):
    arrows, mermaid = sketch_grade(ctr, CTR_ARROWS), sketch_grade(ctr, CTR_MERMAID)
    assert json.dumps(mermaid.to_json(), sort_keys=True).lower() == json.dumps(arrows.to_json(), sort_keys=True).lower()
    graded_arrows = grade(ctr, "serving", CTR_ARROWS).architecture
    graded_mermaid = grade(ctr, "serving", CTR_MERMAID).architecture
    assert graded_arrows["score"] == graded_mermaid["score"] == pytest.approx(1.0)


def test_mermaid_link_forms():
    sketch = find_sketch("```mermaid\ngraph TD\n  A[Query] & B[User] --> C[Retrieval]; C <-- D[Index]\n"
                         "  C -- top 1000 --> E[Ranker]\n  E <--> F[Cache]\n  E --- G[Logs]\n```")
    edges = {(sketch.labels[a], sketch.labels[b]) for a, b in sketch.edges}
    assert edges == {("Query", "Retrieval"), ("User", "Retrieval"), ("Index", "Retrieval"), ("Retrieval", "Ranker"),
                     ("Ranker", "Cache"), ("Cache", "Ranker"), ("Ranker", "Logs")}


def test_prose_with_an_arrow_is_not_a_sketch(ctr):
    notes = "2% pos -> downsample + recalibrate\nlabel: click within 1h -> fine"
    assert not is_sketch(ctr.architecture, find_sketch(notes))
    sentence = "We would go from retrieval to a ranker -> and then think hard about calibration for the auction."
    assert find_sketch(sentence) is None
    assert grade(ctr, "serving", ctr.steps["serving"].model_answer).architecture is None


def test_longest_name_wins_and_a_node_can_name_two_parts(ctr):
    sketch = find_sketch("query -> pre-ranker -> ranker\nretrieval + filters -> ranker")
    read = {sketch.labels[i]: set(c) for i, c in match_nodes(ctr.architecture, sketch).items()}
    assert read["pre-ranker"] == {"light-ranker"} and read["ranker"] == {"ranker"}
    assert read["retrieval + filters"] == {"retrieval", "filters"}


def test_the_sketch_counts_toward_the_serving_score_and_shows_in_the_breakdown(ctr):
    prose = ctr.steps["serving"].model_answer
    plain = grade(ctr, "serving", prose)
    good = grade(ctr, "serving", prose + "\n\n" + CTR_ARROWS)
    bad = grade(ctr, "serving", prose + "\n\n" + reversed_lines(CTR_ARROWS))
    assert good.score >= plain.score > bad.score
    part = good.breakdown[-1]
    assert part.label == "architecture" and f"counts up to {round(WEIGHT * 100)}%" in part.detail
    rubric = bad.breakdown[-2].score  # the running score before the sketch's part
    required = [e for e in ctr.architecture.edges if not e.optional]
    share = len([m for m in bad.architecture["misordered"] if not m["optional"]]) / len(required)
    assert bad.score == pytest.approx(rubric - WEIGHT * share) and bad.score < rubric  # reversed orders cost
    assert any(note.startswith("Sketch: reversed order") for note in bad.notes)
    only = grade(ctr, "serving", "query -> retrieval -> pCTR model -> auction")
    assert only.architecture and any("missing Calibration layer" in n for n in only.notes)


def test_a_sketch_lifts_thin_prose_and_a_partial_one_does_not_cost_full_prose(ctr):
    from mlsd.grader.architecture import blend

    assert blend(0.4, 1.0, 0.0) == pytest.approx(0.4 + WEIGHT * 0.6)  # up to WEIGHT of the gap
    assert blend(0.9, 0.3, 0.0) == pytest.approx(0.9)  # the rubric already counts what is not drawn
    assert blend(0.9, 0.3, 0.5) == pytest.approx(0.9 - WEIGHT * 0.5)
    prose = ctr.steps["serving"].model_answer
    partial = grade(ctr, "serving", prose + "\n\nquery -> retrieval -> pCTR model -> auction")
    assert partial.score >= grade(ctr, "serving", prose).score - 1e-9
    assert grade(ctr, "model", CTR_ARROWS).architecture is None  # the reference belongs to serving


def test_grade_json_carries_the_architecture_of_a_step_with_a_sketch(ctr, tmp_path):
    from typer.testing import CliRunner

    from mlsd.cli import app

    sheet = tmp_path / "sheet.md"
    sheet.write_text("## requirements\nPeak QPS and latency.\n\n## serving\n" + CTR_ARROWS, encoding="utf-8")
    result = CliRunner().invoke(app, ["grade", "ctr", str(sheet), "--json"])
    assert result.exit_code == 0
    steps = {s["step"]: s for s in json.loads(result.stdout)["steps"]}
    arch = steps["serving"]["architecture"]
    assert set(arch) == {"score", "found", "missing", "misordered"} and arch["score"] == pytest.approx(1.0)
    assert any(f["id"] == "feature-store" for f in arch["found"])
    assert "architecture" not in steps["requirements"]
    assert any(p["part"] == "architecture" for p in steps["serving"]["breakdown"])


@pytest.mark.parametrize("case_id", CASES)
def test_every_case_has_a_reference_that_grades_itself_fully(catalog, case_id):
    architecture = catalog.case(case_id).architecture
    assert architecture is not None and architecture.step == "serving"
    assert all(c.names and c.why for c in architecture.components)
    assert reference_self_check(architecture) == []
    assert reference_mermaid(architecture).startswith("flowchart LR\n")


def test_self_check_flags_a_label_that_reads_as_another_component(ctr):
    data = ctr.architecture.model_dump()
    data["components"][1]["label"] = "Ad auction"  # retrieval labelled like the auction
    from mlsd.content.schema import Architecture

    problems = reference_self_check(Architecture.model_validate(data))
    assert any("'retrieval'" in p and "reads as" in p for p in problems)


def test_the_schema_rejects_an_edge_to_an_unknown_component(ctr):
    from pydantic import ValidationError

    from mlsd.content.schema import Architecture

    data = ctr.architecture.model_dump()
    data["edges"].append({"edge": "retrieval -> nowhere", "why": "x"})
    with pytest.raises(ValidationError, match="unknown component 'nowhere'"):
        Architecture.model_validate(data)


def test_export_draws_the_sketch_beside_the_reference(ctr, catalog):
    from mlsd.session.engine import SessionEngine
    from mlsd.reports.export import export_session
    from mlsd.session.store import Store

    store = Store.memory()
    framework = catalog.framework_for(ctr)
    engine = SessionEngine.start(store, ctr, framework, level="senior", mode="practice")
    engine.submit("serving", "query -> retrieval -> pCTR model -> auction")
    markdown = export_session(store, store.session(engine.id), ctr, framework, to_stdout=True).markdown
    assert "**Your sketch**" in markdown and "**Reference architecture**" in markdown
    assert markdown.count("```mermaid\nflowchart LR") == 2
    assert 'n1["retrieval"]' in markdown and "✗ **Calibration layer**" in markdown
