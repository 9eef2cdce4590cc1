from __future__ import annotations

from pathlib import Path

import pytest

from conftest import BROKEN, COURSE
from mlsd.errors import UnknownCase
from mlsd.content.loader import load_catalog, validate_paths


def test_fixture_course_loads(course_catalog):
    assert set(course_catalog.cases) == {"toy"}
    assert course_catalog.problems == []
    toy = course_catalog.case("toy")
    assert toy.steps["requirements"].rubric.concepts[0].id == "scale"
    assert course_catalog.framework_for(toy).step_ids == ["requirements", "evaluation"]


def test_unknown_case_names_known_ones(course_catalog):
    with pytest.raises(UnknownCase, match="unknown case 'nope'.*toy"):
        course_catalog.case("nope")


def test_broken_files_are_reported_and_skipped():
    catalog = load_catalog([BROKEN / "cases", COURSE / "cases"], include_shipped=False)
    assert "toy" in catalog.cases  # the good file still loads
    text = "\n".join(str(p) for p in catalog.problems)
    assert "bad_yaml.yaml:4: (file): malformed YAML" in text
    assert "missing_step.yaml" in text and "missing step 'evaluation'" in text


def test_schema_errors_name_file_line_and_field():
    checked, problems = validate_paths([BROKEN / "cases" / "bad_field.yaml"])
    lines = [str(p) for p in problems]
    assert checked == 1
    assert any("bad_field.yaml:4: difficulty:" in l for l in lines), lines
    assert any("bad_field.yaml:15: steps.requirements.rubric.concepts[0].level:" in l for l in lines), lines
    assert any("steps.requirements.colour: Extra inputs are not permitted" in l for l in lines), lines


def test_duplicate_keys_are_problems(tmp_path):
    target = tmp_path / "cases" / "dup.yaml"
    target.parent.mkdir()
    text = (COURSE / "cases" / "toy.yaml").read_text().replace("difficulty: easy", "difficulty: easy\ndifficulty: hard")
    target.write_text(text)
    (tmp_path / "frameworks").mkdir()
    (tmp_path / "frameworks" / "mini.yaml").write_text((COURSE / "frameworks" / "mini.yaml").read_text())
    catalog = load_catalog([target.parent], include_shipped=False)
    assert any("duplicate key" in str(p) for p in catalog.problems)


def test_shipped_content_is_valid():
    from mlsd import paths

    checked, problems = validate_paths([paths.shipped_frameworks_dir(), paths.shipped_cases_dir()])
    assert checked >= 6
    assert [str(p) for p in problems] == []


def test_shipped_cases_all_load():
    catalog = load_catalog()
    assert {"ctr", "recs", "eta", "fraud", "search"} <= set(catalog.cases)
