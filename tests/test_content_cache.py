"""The content cache (mlsd.content.cache): never stale, never fatal, can be turned off;
and the quick commands stay quick (`mlsd list`, `mlsd --help` import no grader or heavy library)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlsd import paths
from mlsd.content import cache, loader

CTR = paths.shipped_cases_dir() / "ctr.yaml"


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    home = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.delenv(cache.DISABLE_ENV, raising=False)
    return home / "mlsd" / "content"


@pytest.fixture
def no_validation(monkeypatch):
    """After this, any file that is parsed and validated (not served from the cache) fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("validated again: the cache was not used")

    def arm():
        monkeypatch.setattr(loader, "_validate_document", refuse)

    return arm


@pytest.fixture
def copies(tmp_path):
    """Copies of two shipped cases in a folder of their own: the shipped files may change while
    the tests run (someone editing a case), the copies do not."""
    folder = tmp_path / "copies" / "cases"
    folder.mkdir(parents=True)
    for name in ("ctr.yaml", "fraud.yaml"):
        shutil.copy(paths.shipped_cases_dir() / name, folder / name)
    return folder


def _load(*args, **kwargs):
    """load_catalog as a new process would: without the objects this process validated already."""
    loader._seen.clear()
    return loader.load_catalog(*args, **kwargs)


def _index(*args, **kwargs):
    loader._seen.clear()
    return loader.case_index(*args, **kwargs)


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.pickle")) if folder.is_dir() else []


def _user_case(tmp_path: Path, title: str) -> Path:
    """A copy of the shipped ctr case in a user folder (it overrides the shipped one by id)."""
    folder = tmp_path / "user" / "cases"
    folder.mkdir(parents=True, exist_ok=True)
    text = CTR.read_text(encoding="utf-8")
    assert "\ntitle: " in text
    head, rest = text.split("\ntitle: ", 1)
    (folder / "ctr.yaml").write_text(head + f"\ntitle: {title}\n" + rest.split("\n", 1)[1], encoding="utf-8")
    return folder


def test_second_load_comes_from_the_cache(cache_home, copies, no_validation):
    first = _load([copies], include_shipped=False)
    assert sorted(first.cases) == ["ctr", "fraud"] and not first.problems
    assert len(_entries(cache_home)) == 3  # both cases and the framework
    no_validation()
    second = _load([copies], include_shipped=False)
    assert sorted(second.cases) == sorted(first.cases)
    assert second.case("ctr") == first.case("ctr")
    assert second.frameworks == first.frameworks


def test_changed_file_is_read_again_never_stale(cache_home, tmp_path):
    folder = _user_case(tmp_path, "First title")
    assert _load([folder], include_shipped=False).case("ctr").title == "First title"
    assert _index([folder], include_shipped=False)[0][0].title == "First title"
    _user_case(tmp_path, "Second title")
    assert _load([folder], include_shipped=False).case("ctr").title == "Second title"
    summaries, problems = _index([folder], include_shipped=False)
    assert {s.id: s.title for s in summaries}["ctr"] == "Second title" and not problems


def test_file_broken_after_caching_reports_its_problem(cache_home, tmp_path):
    folder = _user_case(tmp_path, "Fine")
    assert not _load([folder]).problems
    (folder / "ctr.yaml").write_text("id: ctr\ntitle: [unclosed\n", encoding="utf-8")
    catalog = _load([folder])
    assert any("ctr.yaml:" in str(p) and "malformed YAML" in str(p) for p in catalog.problems)
    assert catalog.cases["ctr"].shipped  # the broken override is skipped; the shipped case stays
    _, problems = _index([folder])
    assert any("malformed YAML" in p for p in problems)


@pytest.mark.parametrize("damage", [b"", b"garbage", "truncate", "other-key"])
def test_corrupt_or_foreign_entry_is_ignored_and_rebuilt(cache_home, copies, damage):
    expected = _load([copies], include_shipped=False)
    entries = _entries(cache_home)
    assert entries
    other = entries[0].read_bytes()
    for entry in entries:
        blob = entry.read_bytes()
        if damage == "truncate":
            entry.write_bytes(blob[: len(blob) // 2])
        elif damage == "other-key":  # a whole, valid entry, but stored under another entry's name
            if entry != entries[0]:
                entry.write_bytes(other)
        else:
            entry.write_bytes(damage)
    again = _load([copies], include_shipped=False)
    assert sorted(again.cases) == sorted(expected.cases) and not again.problems
    assert again.case("ctr") == expected.case("ctr")
    for entry in _entries(cache_home):  # rewritten whole
        assert cache.get(entry.stem, object) is not None


def test_wrong_type_under_the_right_key_is_ignored(cache_home):
    key = cache.key("case", "some text")
    cache.put(key, "not a case")
    from mlsd.content.schema import Case

    assert cache.get(key, str) == "not a case"
    assert cache.get(key, Case) is None


def test_disabled_cache_writes_and_reads_nothing(cache_home, copies, monkeypatch, no_validation):
    monkeypatch.setenv(cache.DISABLE_ENV, "1")
    assert _load([copies], include_shipped=False).cases
    assert _entries(cache_home) == []
    monkeypatch.delenv(cache.DISABLE_ENV)
    _load([copies], include_shipped=False)  # fills it
    monkeypatch.setenv(cache.DISABLE_ENV, "1")
    no_validation()
    with pytest.raises(AssertionError, match="cache was not used"):
        _load([copies], include_shipped=False)


def test_unwritable_cache_folder_is_no_error(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert _load().case("ctr").title
    assert _index()[0]


def test_key_depends_on_schema_source_and_text(monkeypatch):
    base = cache.key("case", "text")
    assert cache.key("case", "text ") != base
    assert cache.key("framework", "text") != base
    monkeypatch.setattr(cache, "_salt", None)
    real = cache._file_bytes
    monkeypatch.setattr(cache, "_file_bytes",
                        lambda p: real(p) + (b"# edited" if str(p).endswith("schema.py") else b""))
    assert cache.key("case", "text") != base
    monkeypatch.setattr(cache, "_salt", None)  # recomputed for the tests after this one


def test_cache_folder_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / "mlsd" / "content"


def _imported_by(args: list[str], home: Path, cache_dir: Path, content: Path | None = None,
                 also: tuple[str, ...] = ()) -> list[str]:
    """The heavy modules a command imports. `content`: a folder holding copies of the shipped
    content (a `_content` folder, as in a wheel), read instead of the source tree's."""
    probe = (
        "import sys\n"
        + (f"import mlsd.paths, pathlib; mlsd.paths._PACKAGE_DIR = pathlib.Path({str(content)!r})\n" if content else "")
        + f"sys.argv = ['mlsd', *{args!r}]\n"
        "from mlsd.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"heavy = ('mlsd.grader', 'mlsd.session.engine', 'pydantic', 'yaml', 'numpy', 'pandas', 'sklearn', 'xgboost', *{also!r})\n"
        "print('IMPORTED=' + ','.join(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    env = dict(os.environ, MLSD_HOME=str(home), XDG_CACHE_HOME=str(cache_dir), NO_COLOR="1", COLUMNS="100")
    env.pop(cache.DISABLE_ENV, None)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120)
    line = [x for x in out.stderr.splitlines() if x.startswith("IMPORTED=")]
    assert line, out.stderr
    return [m for m in line[-1].removeprefix("IMPORTED=").split(",") if m]


def _content_copy(tmp_path: Path) -> Path:
    """A package folder holding copies of the shipped content (`_content/cases`, ...): the shipped
    files may be edited while a test runs, and an edit between two runs would miss the cache."""
    content = tmp_path / "package"
    for name in ("cases", "frameworks", "pitfalls", "templates"):
        if (paths.shipped_cases_dir().parent / name).is_dir():
            shutil.copytree(paths.shipped_cases_dir().parent / name, content / "_content" / name)
    return content


def test_list_and_help_import_no_grader_or_heavy_library(tmp_path):
    home, cache_dir, content = tmp_path / "home", tmp_path / "cache", _content_copy(tmp_path)
    _imported_by(["list"], home, cache_dir, content)  # the first run fills the cache
    loader = ("mlsd.content.loader", "mlsd.content.schema")  # list reads only its index from the cache
    assert _imported_by(["list"], home, cache_dir, content, also=loader) == []
    assert _imported_by(["--help"], home, cache_dir, content, also=loader) == []


def test_show_imports_no_grader_and_warm_grade_no_pydantic_or_yaml(tmp_path):
    """`mlsd show` reads its case from the cache as light objects; a warm `mlsd grade` loads only
    its case and the cached topic profiles: neither parses YAML or imports pydantic."""
    home, cache_dir, content = tmp_path / "home", tmp_path / "cache", _content_copy(tmp_path)
    sheet = tmp_path / "sheet.md"
    sheet.write_text("## Requirements\nCalibrated pCTR, p99 under 20 ms.\n", encoding="utf-8")
    run = lambda *args: _imported_by(list(args), home, cache_dir, content)  # noqa: E731
    assert "pydantic" in run("show", "ctr")  # the first run validates and fills the cache
    assert run("show", "ctr") == []
    run("grade", "ctr", str(sheet))
    assert run("grade", "ctr", str(sheet)) == ["mlsd.grader"]  # not the session engine, store or interviewer


def test_list_output_same_with_and_without_cache(tmp_path):
    env = dict(os.environ, MLSD_HOME=str(tmp_path / "home"), XDG_CACHE_HOME=str(tmp_path / "cache"),
               NO_COLOR="1", COLUMNS="100")
    runs = [subprocess.run([sys.executable, "-m", "mlsd", "list"], capture_output=True, text=True, env=e, timeout=120)
            for e in (dict(env, MLSD_NO_CACHE="1"), env, env)]
    assert all(r.returncode == 0 for r in runs), [r.stderr for r in runs]
    assert runs[0].stdout == runs[1].stdout == runs[2].stdout
    assert "ctr" in runs[0].stdout
    assert not (tmp_path / "cache").exists() or _entries(tmp_path / "cache" / "mlsd" / "content")


def test_folder_is_pruned_to_the_newest_entries(cache_home, monkeypatch):
    monkeypatch.setattr(cache, "MAX_ENTRIES", 8)
    cache_home.mkdir(parents=True)
    for i in range(8):
        old = cache_home / f"{i:064x}.pickle"
        old.write_bytes(b"old")
        os.utime(old, (1_000_000 + i, 1_000_000 + i))
    cache._prune(cache_home, keep=8)
    assert len(_entries(cache_home)) == 8  # at the limit: nothing removed
    key = cache.key("case", "new text")
    cache.put(key, "value")  # the ninth: back to 3/4 of the limit, oldest first
    left = _entries(cache_home)
    assert len(left) == 9 - (9 - 6)
    assert cache.get(key, str) == "value"
    assert cache_home / f"{0:064x}.pickle" not in left


def test_phrase_terms_come_back_from_the_cache_and_grade_the_same(cache_home, monkeypatch):
    """A cold `mlsd grade` spent most of its time tokenising the case's phrasings; a second process
    reads their terms from the cache and grades exactly as before."""
    from mlsd.grader import core, grade
    from mlsd.grader import text as textmod

    case = loader.load_catalog().case("ctr")
    answer = "Calibrated pCTR for the auction, p99 under 20 ms, 30 minute click window, 2% base CTR."
    monkeypatch.setattr(textmod, "_PHRASE_TERMS", {})
    monkeypatch.setattr(core, "_SEEDED", {})
    first = grade(case, "requirements", answer)
    assert any(cache_home.glob("*")), "the terms were not stored"

    monkeypatch.setattr(textmod, "_PHRASE_TERMS", {})  # a new process: nothing computed yet
    monkeypatch.setattr(core, "_SEEDED", {})
    computed = []
    real = textmod._phrase_terms
    monkeypatch.setattr(textmod, "_phrase_terms", lambda p: computed.append(p) or real(p))
    second = grade(case, "requirements", answer)
    assert computed == []  # every phrasing's terms came from the cache
    assert (second.score, [h.id for h in second.hits]) == (first.score, [h.id for h in first.hits])


def test_load_case_is_the_catalogs_case_without_loading_the_others(cache_home, tmp_path, monkeypatch):
    folder = _user_case(tmp_path, "User title")
    catalog = _load([folder])
    loader._seen.clear()
    one = loader.load_case("ctr", [folder])
    assert one.require() == (catalog.case("ctr"), catalog.framework_for(catalog.case("ctr")))
    assert one.case.title == "User title" and one.problems == [str(p) for p in catalog.problems]
    # warm: the index names the file, so only that case (and the framework) is read from the cache
    loader._seen.clear()
    read = []
    real = loader._validate_cached
    monkeypatch.setattr(loader, "_validate_cached", lambda kind, path: read.append(path.name) or real(kind, path))
    assert loader.load_case("ctr", [folder]).case.title == "User title"
    assert sorted(read) == ["ctr.yaml", "seven-step.yaml"]


def test_load_case_sees_an_edited_file_and_names_unknown_ids(cache_home, tmp_path):
    from mlsd.errors import UnknownCase

    folder = _user_case(tmp_path, "First title")
    assert loader.load_case("ctr", [folder]).case.title == "First title"
    _user_case(tmp_path, "Second title")
    loader._seen.clear()
    assert loader.load_case("ctr", [folder]).case.title == "Second title"
    with pytest.raises(UnknownCase, match="fraud"):
        loader.load_case("frud", [folder]).require()


def test_load_case_reports_a_broken_file_and_keeps_the_shipped_case(cache_home, tmp_path):
    folder = _user_case(tmp_path, "Fine")
    (folder / "ctr.yaml").write_text("id: ctr\ntitle: [unclosed\n", encoding="utf-8")
    one = loader.load_case("ctr", [folder])
    assert any("malformed YAML" in p for p in one.problems)
    assert one.case is not None and one.case.title != "Fine"


def _fresh_topics(monkeypatch):
    from mlsd.grader import topic

    monkeypatch.setattr(topic, "_FOR_CASE", {})
    loader._seen.clear()
    return topic


def test_topic_model_comes_from_the_cache_without_loading_the_catalog(cache_home, monkeypatch):
    topic = _fresh_topics(monkeypatch)
    case = loader.load_catalog().case("ctr")
    first = topic.model_for(case)
    assert first is not None and {c for c, _ in first.profiles} >= {"ctr", "fraud", "recs"}
    topic = _fresh_topics(monkeypatch)  # a new process: the topic data comes back from the cache
    monkeypatch.setattr(loader, "load_catalog", lambda *a, **k: pytest.fail("loaded the whole catalog"))
    second = topic.model_for(case)
    assert second.state() == first.state()
    assert topic.model_for(case) is second  # once per case object


def test_topic_model_follows_any_change_to_any_case(cache_home, tmp_path, monkeypatch):
    """A user case folder (MLSD_CASES) adds a case to the comparison; editing it refits."""
    topic = _fresh_topics(monkeypatch)
    case = loader.load_catalog().case("ctr")
    before = topic.model_for(case)
    folder = tmp_path / "mine" / "cases"
    folder.mkdir(parents=True)
    text = (paths.shipped_cases_dir() / "fraud.yaml").read_text(encoding="utf-8")
    (folder / "fraud2.yaml").write_text(text.replace("\nid: fraud\n", "\nid: fraud-two\n", 1), encoding="utf-8")
    monkeypatch.setenv("MLSD_CASES", str(folder))
    topic = _fresh_topics(monkeypatch)
    added = topic.model_for(case)
    assert ("fraud-two", "data") in added.profiles and ("fraud-two", "data") not in before.profiles
    (folder / "fraud2.yaml").write_text(text.replace("\nid: fraud\n", "\nid: fraud-three\n", 1), encoding="utf-8")
    topic = _fresh_topics(monkeypatch)
    edited = topic.model_for(case)
    assert ("fraud-three", "data") in edited.profiles and ("fraud-two", "data") not in edited.profiles


def test_topic_model_from_the_cache_grades_the_same(cache_home, monkeypatch):
    from mlsd.grader import grade

    case = loader.load_catalog().case("fraud")
    answer = ("We predict click-through rate for ads in the auction, calibrated pCTR times bid, "
              "with position bias and a 30 minute attribution window for clicks on sponsored results.")
    _fresh_topics(monkeypatch)
    cold = grade(case, "framing", answer)
    _fresh_topics(monkeypatch)
    warm = grade(case, "framing", answer)
    assert warm.to_json() == cold.to_json()


def test_a_grade_from_cached_phrase_terms_and_words_matches_a_cold_one(tmp_path):
    """Phrasings' terms and words (the typo vocabulary) come from the cache in a warm process."""
    import json
    import os
    import subprocess
    import sys

    probe = ("import json; from mlsd.content.loader import load_case; from mlsd.grader import grade, text; "
             "c = load_case('ctr').case; "
             "g = grade(c, 'model', 'we downsampel negatives and recalibrte the probabilties, gbdt + lr baseline'); "
             "print(json.dumps([g.to_json(), len(text._PHRASE_WORDS) > 0]))")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    env.pop("MLSD_NO_CACHE", None)
    cold, warm = (json.loads(subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True,
                                            check=True).stdout) for _ in range(2))
    assert cold == warm and warm[1]
    assert any(hit["id"] == "downsampling-recalibration" for hit in warm[0]["hit"])  # typos still read
