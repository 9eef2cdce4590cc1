"""Fault suite: hostile case files get one clear problem line and never stop other cases loading."""

from __future__ import annotations

import os
import time

import pytest

from conftest import COURSE
from faultlib import TOY_CASE, TOY_FRAMEWORK, run_cli
from mlsd.content.loader import MAX_FILE_BYTES, load_catalog, read_document


def _user_folder(tmp_path, text: bytes | str):
    cases = tmp_path / "user" / "cases"
    cases.mkdir(parents=True)
    (tmp_path / "user" / "frameworks").mkdir()
    (tmp_path / "user" / "frameworks" / "mini.yaml").write_bytes(TOY_FRAMEWORK.read_bytes())
    path = cases / "bad.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return cases, path


TOY = TOY_CASE.read_text(encoding="utf-8")
BOMB = ("a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefg", "bcdefgh")))

HOSTILE = {
    "recursive alias": TOY.replace("title: Toy click model", "title: Toy\ncompanies: &r [*r]"),
    "alias bomb": TOY + BOMB,
    "int tag on text": TOY.replace("title: Toy click model", "title: !!int abc"),
    "python tag": TOY.replace("title: Toy click model", "title: !!python/object/apply:os.system [echo hi]"),
    "bad timestamp": TOY.replace("title: Toy click model", "title: !!timestamp 2001-13-45"),
    "non-UTF-8 byte": TOY.encode("utf-8").replace(b"Toy click", b"Toy cl\xefck"),
    "nested brackets": TOY + "deep: " + "[" * 1000 + "]" * 1000 + "\n",
    "nested mappings": TOY + "deep: " + "{a: " * 400 + "1" + "}" * 400 + "\n",
    "format_version true": TOY.replace("format_version: 1", "format_version: true"),
    "sequence as key": TOY + "? [a, b]\n: c\n",
    "NUL byte": TOY.encode("utf-8") + b"\x00",
    "control character": TOY.replace("title: Toy click model", "title: Toy \x0e click"),
    "line break in a key": TOY + '"odd\\nkey": 1\n',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_case_file_is_one_problem_and_the_rest_loads(tmp_path, name):
    cases, path = _user_folder(tmp_path, HOSTILE[name])
    started = time.perf_counter()
    catalog = load_catalog([cases])
    assert time.perf_counter() - started < 5
    assert "ctr" in catalog.cases and "toy" not in catalog.cases
    mine = [p for p in catalog.problems if p.path == path]
    assert mine, name
    for problem in mine:
        assert "\n" not in str(problem) and str(problem).isprintable() and str(problem).startswith(f"{path}:"), problem

    listed = run_cli(["list", "--cases-dir", str(cases)])
    assert listed.exit_code == 0 and "ctr" in listed.stdout
    assert "skipped:" in listed.stderr and "Traceback" not in listed.stderr

    checked = run_cli(["validate", str(path)])
    assert checked.exception is None or isinstance(checked.exception, SystemExit)
    assert checked.exit_code == 2 and str(path) in checked.stdout


def test_problems_name_the_line_and_what_to_do(tmp_path):
    for name, word in [("recursive alias", "alias"), ("int tag on text", "tag"), ("non-UTF-8 byte", "UTF-8"),
                       ("nested brackets", "nest"), ("format_version true", "format_version")]:
        _, path = _user_folder(tmp_path / name.replace(" ", "-"), HOSTILE[name])
        _, _, problems = read_document(path)
        if not problems:  # format_version is a schema problem, found on validation
            problems = load_catalog([path.parent], include_shipped=False).problems
        assert any(word.lower() in str(p).lower() for p in problems), (name, problems)
    _, path = _user_folder(tmp_path / "utf", HOSTILE["non-UTF-8 byte"])
    (problem,) = read_document(path)[2]
    assert problem.line == 3  # the line holding the bad byte


def test_a_byte_order_mark_is_not_a_problem(tmp_path):
    cases, path = _user_folder(tmp_path, b"\xef\xbb\xbf" + TOY.encode("utf-8"))
    catalog = load_catalog([cases], include_shipped=False)
    assert "toy" in catalog.cases and not catalog.problems


def test_anchors_without_aliases_still_load(tmp_path):
    cases, _ = _user_folder(tmp_path, TOY.replace("title: Toy click model", "title: &t Toy click model"))
    assert "toy" in load_catalog([cases], include_shipped=False).cases


def test_oversized_case_file_is_refused_quickly(tmp_path):
    big = TOY.replace("prompt: Predict whether a user clicks a toy.",
                      "prompt: " + "x" * (MAX_FILE_BYTES + 10))
    cases, path = _user_folder(tmp_path, big)
    started = time.perf_counter()
    result = run_cli(["show", "toy", "--cases-dir", str(cases)])
    assert time.perf_counter() - started < 5
    assert result.exit_code == 2
    assert "larger than" in result.stderr and "unknown case 'toy'" in result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_named_yaml_does_not_hang(tmp_path):
    cases = tmp_path / "cases"
    cases.mkdir()
    os.mkfifo(cases / "pipe.yaml")
    started = time.perf_counter()
    result = run_cli(["validate", str(cases / "pipe.yaml")], timeout=10)
    assert result.exit_code == 2 and "not a regular file" in result.stdout
    listed = run_cli(["list", "--cases-dir", str(cases)], timeout=10)
    assert listed.exit_code == 0 and "not a regular file" in listed.stderr
    assert time.perf_counter() - started < 5


def test_validate_refuses_a_folder_with_nothing_to_check(tmp_path):
    empty = tmp_path / "x.yaml"
    empty.mkdir()
    result = run_cli(["validate", str(empty)])
    assert result.exit_code == 2 and "no case or framework files" in result.stdout
    assert "ok" not in result.stdout


def test_validate_missing_path_is_a_problem(tmp_path):
    result = run_cli(["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2 and "no such file" in result.stdout


def test_lab_check_reads_through_the_loader(tmp_path):
    from mlsd.content.checks import lab_id_problems

    _, path = _user_folder(tmp_path, HOSTILE["non-UTF-8 byte"])
    assert lab_id_problems([path]) == []  # the encoding problem is the loader's to report, once
    _, good = _user_folder(tmp_path / "labs", TOY.replace("    references: [he2014]\n  evaluation:",
                                                           "    references: [he2014]\n    labs: [no-such-lab]\n"
                                                           "  evaluation:", 1))
    (problem,) = lab_id_problems([good])
    assert "unknown lab 'no-such-lab'" in problem and f"{good}:" in problem


def test_shipped_course_fixture_still_loads():
    catalog = load_catalog([COURSE / "cases"], include_shipped=False)
    assert "toy" in catalog.cases and not catalog.problems
