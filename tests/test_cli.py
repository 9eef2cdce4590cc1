from __future__ import annotations

import json

from typer.testing import CliRunner

from conftest import BROKEN, COURSE
from mlsd.cli import app

runner = CliRunner()
COURSE_ARGS = ["--cases-dir", str(COURSE / "cases")]


def invoke(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def test_help_lists_commands():
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("list", "show", "practice", "grade", "resume", "history", "validate"):
        assert command in result.output


def test_every_command_has_help_with_an_example():
    from mlsd.cli import app as main_app
    import typer.main

    group = typer.main.get_command(main_app)
    for name, command in group.commands.items():
        if name in ("lab", "dev", "mock", "export", "stats", "review"):
            continue
        assert command.help and "xample" in command.help, name


def test_list_shows_shipped_and_user_cases():
    result = invoke("list", *COURSE_ARGS)
    assert result.exit_code == 0
    assert "ctr" in result.output and "toy" in result.output


def test_list_survives_a_broken_user_file():
    result = invoke("list", "--cases-dir", str(BROKEN / "cases"))
    assert result.exit_code == 0
    assert "ctr" in result.output


def test_show_hides_answers_unless_asked():
    plain = invoke("show", "toy", *COURSE_ARGS)
    assert plain.exit_code == 0 and "What do you need to know" in plain.output
    assert "model answer" not in plain.output
    step = invoke("show", "toy", "--step", "requirements", *COURSE_ARGS)
    assert "hint 1: Think about load." in step.output
    answers = invoke("show", "toy", "--answers", *COURSE_ARGS)
    assert "model answer" in answers.output


def test_unknown_case_is_one_line_exit_2():
    result = invoke("show", "nope")
    assert result.exit_code == 2
    assert "unknown case 'nope'" in result.output
    assert "Traceback" not in result.output


def test_grade_json_contract(tmp_path):
    sheet = tmp_path / "answers.md"
    sheet.write_text("## 1. Clarify requirements\nWhat qps and p99 latency budget?\n")
    result = invoke("grade", "toy", str(sheet), "--json", *COURSE_ARGS)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["case"] == "toy" and data["level"] == "senior"
    assert [s["step"] for s in data["steps"]] == ["requirements", "evaluation"]
    assert data["steps"][0]["score"] > 0 and data["steps"][1]["score"] == 0  # answered, and not
    assert {"id", "evidence"} <= set(data["steps"][0]["hit"][0])
    assert 0 <= data["total"] <= 1


def test_grade_reads_stdin_and_rejects_bad_input(tmp_path):
    ok = invoke("grade", "toy", "-", *COURSE_ARGS, input="## evaluation\ncalibration\n")
    assert ok.exit_code == 0 and "Calibration" in ok.output
    missing = invoke("grade", "toy", str(tmp_path / "nope.md"), *COURSE_ARGS)
    assert missing.exit_code == 2 and "cannot read" in missing.output
    no_steps = invoke("grade", "toy", "-", *COURSE_ARGS, input="nothing here\n")
    assert no_steps.exit_code == 2 and "no steps found" in no_steps.output


def test_model_answers_sheet_grades_high():
    sheet = invoke("show", "ctr", "--answers", "--markdown")
    assert sheet.exit_code == 0
    graded = invoke("grade", "ctr", "-", "--json", input=sheet.stdout)
    data = json.loads(graded.stdout)
    assert all(step["score"] >= 0.85 for step in data["steps"]), [s["score"] for s in data["steps"]]


def test_practice_from_piped_sheet_is_stored():
    result = invoke("practice", "toy", *COURSE_ARGS, input="## requirements\nqps and latency budget\n")
    assert result.exit_code == 0, result.output
    assert "Scorecard" in result.output
    history = invoke("history", "--json")
    rows = json.loads(history.stdout)
    assert rows[0]["case"] == "toy" and rows[0]["finished"] and rows[0]["answered"] == 1


def test_practice_with_nothing_piped_is_a_clear_error():
    result = invoke("practice", "toy", *COURSE_ARGS, input="")
    assert result.exit_code == 2
    assert "no terminal on stdin" in result.output


def test_validate_reports_every_problem_and_exits_2():
    result = invoke("validate", str(BROKEN / "cases"))
    assert result.exit_code == 2
    assert "bad_yaml.yaml:4:" in result.output and "missing step 'evaluation'" in result.output
    good = invoke("validate")
    assert good.exit_code == 0, good.output


def test_validate_checks_the_shared_pitfall_library(tmp_path):
    from mlsd import paths

    shipped = (paths.shipped_pitfalls_dir() / "common.yaml").read_text(encoding="utf-8")
    folder = tmp_path / "pitfalls"
    folder.mkdir()
    (folder / "common.yaml").write_text(shipped.replace("    fix: ", "    fix: Do this: ", 1), encoding="utf-8")
    broken = invoke("validate", str(folder))
    assert broken.exit_code == 2 and "common.yaml:" in broken.output and "malformed YAML" in broken.output
    (folder / "common.yaml").write_text(shipped.replace("    penalty: 0.2", "    penalty: lots", 1), encoding="utf-8")
    wrong_type = invoke("validate", str(folder))
    assert wrong_type.exit_code == 2 and "penalty" in wrong_type.output
    (folder / "common.yaml").write_text(shipped, encoding="utf-8")
    assert invoke("validate", str(folder)).exit_code == 0


def test_bad_level_is_user_error():
    result = invoke("practice", "toy", "--level", "principal", *COURSE_ARGS, input="## requirements\nx\n")
    assert result.exit_code == 2 and "unknown level" in result.output


def test_resume_without_session():
    result = invoke("resume")
    assert result.exit_code == 2 and "no unfinished practice session" in result.output
