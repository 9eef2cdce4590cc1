"""Fault suite: answer sheets in any encoding, shape or size get one clear line, and lose nothing."""

from __future__ import annotations

import json
import os
import time

import pytest

from faultlib import error_lines, run_cli, seed_sheet
from mlsd.errors import UserError
from mlsd.grader.sheet import MAX_ANSWER_CHARS, MAX_SHEET_BYTES, decode_sheet, parse_sheet
from mlsd.session.store import Store

SHEET = seed_sheet()


@pytest.fixture(autouse=True, scope="module")
def _catalog_once():
    """Shipped cases load once for the module: these tests are about sheets, the store and export."""
    import faultlib

    with faultlib.cached_catalog():
        yield


@pytest.fixture(scope="module")
def framework():
    from mlsd.content.loader import load_catalog

    catalog = load_catalog()
    return catalog.framework_for(catalog.case("ctr"))


def _sessions(home):
    path = home / "mlsd.sqlite3"
    if not path.exists():
        return []
    store = Store.open(path)
    try:
        return [(row, store.answers(row.id)) for row in store.sessions()]
    finally:
        store.close()


ENCODINGS = {
    "latin-1": "## requirements\n\nCaf\u00e9 cr\u00e8me, 10k QPS.\n".encode("latin-1"),
    "utf-16": "## requirements\n\n10k QPS.\n".encode("utf-16"),
    "binary": bytes(range(256)) * 4,
    "nul in text": b"## requirements\n\nqps\x00 at peak\n",
}


@pytest.mark.parametrize("name", sorted(ENCODINGS))
def test_non_utf8_sheet_is_refused_everywhere_and_stores_nothing(tmp_path, isolated_home, name):
    path = tmp_path / "sheet.md"
    path.write_bytes(ENCODINGS[name])
    runs = [run_cli(["practice", "ctr", "-f", str(path), "--no-labs"]),
            run_cli(["practice", "ctr", "--no-labs"], stdin=ENCODINGS[name]),
            run_cli(["practice", "ctr", "-f", "-", "--no-labs"], stdin=ENCODINGS[name]),
            run_cli(["grade", "ctr", str(path)]),
            run_cli(["grade", "ctr", "-"], stdin=ENCODINGS[name])]
    for result in runs:
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert result.exit_code == 2, (result.args, result.stdout)
        (line,) = error_lines(result.stderr)
        assert "UTF-8" in line or "binary" in line
    assert str(path) in runs[0].stderr and "<stdin>" in runs[1].stderr
    assert _sessions(isolated_home) == []  # no empty open session left behind


def test_decode_names_the_line_of_the_bad_byte():
    with pytest.raises(UserError, match=r"sheet.md:3: not UTF-8"):
        decode_sheet(b"## data\n\nbad \xe9 byte\n", "sheet.md")


def test_byte_order_mark_keeps_the_first_step(framework):
    text = decode_sheet(b"\xef\xbb\xbf## requirements\n\nqps\n\n## data\n\nlogs\n", "s.md")
    answers = parse_sheet(text, framework, "s.md")
    assert set(answers) == {"requirements", "data"}
    answers = parse_sheet("\ufeff## requirements\n\nqps\n", framework, "s.md")  # text handed in directly
    assert set(answers) == {"requirements"}


@pytest.mark.parametrize("heading", ["## Step", "## step  ", "## " + "7" * 5000, "## Step " + "9" * 5000, "## 0",
                                     "## \u00b2", "## step \u00b2"])
def test_odd_headings_are_one_line_errors(framework, heading):
    with pytest.raises(UserError, match="names no step"):
        parse_sheet(f"{heading}\n\nsome text\n", framework, "s.md")


def test_long_answer_is_refused_with_its_line(framework):
    text = "## requirements\n\nshort\n\n## data\n\n" + "word " * (MAX_ANSWER_CHARS // 5 + 10) + "\n"
    with pytest.raises(UserError, match=r"s.md:5: the answer to 'data' is [\d,]+ characters"):
        parse_sheet(text, framework, "s.md")


def test_huge_sheets_are_refused_quickly(tmp_path, isolated_home):
    one_line = tmp_path / "line.md"
    one_line.write_bytes(b"## requirements\n\n" + b"qps " * 1_300_000)  # 5 MB on one line
    started = time.perf_counter()
    for args in (["grade", "ctr", str(one_line)], ["practice", "ctr", "-f", str(one_line), "--no-labs"]):
        result = run_cli(args)
        assert result.exit_code == 2 and "larger than" in result.stderr
    piped = run_cli(["grade", "ctr", "-"], stdin=b"## data\n" + b"x" * (MAX_SHEET_BYTES + 1))
    assert piped.exit_code == 2 and "larger than" in piped.stderr
    line = tmp_path / "140k.md"
    line.write_bytes(b"## data\n\n" + b"feature store " * 10_000)
    result = run_cli(["grade", "ctr", str(line)])
    assert result.exit_code == 2 and "characters" in result.stderr
    assert time.perf_counter() - started < 10
    assert _sessions(isolated_home) == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_sheet_does_not_block(tmp_path):
    os.mkfifo(tmp_path / "pipe.md")
    for args in (["grade", "ctr", str(tmp_path / "pipe.md")], ["practice", "ctr", "-f", str(tmp_path / "pipe.md")]):
        result = run_cli(args, timeout=10)
        assert result.exit_code == 2 and "not a regular file" in result.stderr


def test_folder_as_sheet_is_one_line(tmp_path):
    result = run_cli(["grade", "ctr", str(tmp_path)])
    assert result.exit_code == 2 and "not a regular file" in result.stderr


def test_good_sheet_from_stdin_and_file_agree(tmp_path, isolated_home):
    path = tmp_path / "sheet.md"
    path.write_bytes(b"\xef\xbb\xbf" + SHEET)
    from_file = json.loads(run_cli(["grade", "ctr", str(path), "--json"]).stdout)
    from_stdin = json.loads(run_cli(["grade", "ctr", "-", "--json"], stdin=b"\xef\xbb\xbf" + SHEET).stdout)
    assert from_file == from_stdin and from_file["steps"][0]["score"] > 0.5
    result = run_cli(["practice", "ctr", "--no-labs"], stdin=SHEET)
    assert result.exit_code == 0
    ((row, answers),) = _sessions(isolated_home)
    assert row.finished and len([a for a in answers if a.kind == "answer"]) == 7
