"""The grader's stemmer may be PyStemmer's compiled Snowball (snowballstemmer picks it up when
installed, for speed); it must stem every word of the shipped content as the pure-Python one does."""

from __future__ import annotations

import re

import pytest
import snowballstemmer
from snowballstemmer.english_stemmer import EnglishStemmer

from mlsd import paths


def test_stems_are_the_pure_python_snowball_stems():
    words: set[str] = set()
    for folder in (paths.shipped_cases_dir(), paths.shipped_pitfalls_dir()):
        for path in sorted(folder.glob("*.yaml")):
            words |= set(re.findall(r"[a-z][a-z0-9'\-]*", path.read_text(encoding="utf-8").lower()))
    words |= {w.replace("'", "") for w in words}
    assert len(words) > 3000
    used, reference = snowballstemmer.stemmer("english"), EnglishStemmer()
    differ = sorted(w for w in words if used.stemWord(w) != reference.stemWord(w))
    assert differ == []


def test_compiled_stemmer_is_used_when_installed():
    pytest.importorskip("Stemmer")
    from mlsd.grader import text

    assert type(text._STEMMER).__module__ == "Stemmer"
