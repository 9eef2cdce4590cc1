from __future__ import annotations

import pytest

from mlsd.errors import UserError
from mlsd.content.loader import load_frameworks
from mlsd.grader.sheet import parse_sheet, render_sheet


@pytest.fixture
def seven():
    frameworks, _ = load_frameworks()
    return frameworks["seven-step"]


def test_headings_by_id_number_and_title(seven):
    text = "# My sheet\nintro ignored\n## requirements\nA1\n## 3. Data and features\nA3\n## Step 4\nA4\n## EVALUATION!\nA5\n"
    answers = parse_sheet(text, seven)
    assert {k: v.text for k, v in answers.items()} == {"requirements": "A1", "data": "A3", "model": "A4", "evaluation": "A5"}
    assert answers["data"].line == 5


def test_subheadings_and_code_fences_stay_in_the_answer(seven):
    text = "## serving\n### online\ntext\n```\n## not a heading\n```\n"
    assert "## not a heading" in parse_sheet(text, seven)["serving"].text


def test_unknown_heading_names_the_line(seven):
    with pytest.raises(UserError, match=r"sheet.md:3: heading '## Notes'"):
        parse_sheet("## data\nx\n## Notes\n", seven, "sheet.md")


def test_duplicate_step_and_empty_sheet(seven):
    with pytest.raises(UserError, match="appears twice"):
        parse_sheet("## data\nx\n## 3\ny\n", seven)
    with pytest.raises(UserError, match="no steps found"):
        parse_sheet("just prose\n", seven)


def test_render_round_trip(seven):
    answers = {"requirements": "R", "monitoring": "M"}
    parsed = parse_sheet(render_sheet(answers, seven, "t"), seven)
    assert {k: v.text for k, v in parsed.items()} == answers
