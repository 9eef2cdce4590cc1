from __future__ import annotations

import atexit
import functools
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

# One content cache for the whole test run, in a temporary folder: tests share its entries (each
# case is validated once per run) but never read or fill the user's own ~/.cache/mlsd.
os.environ["XDG_CACHE_HOME"] = _TEST_CACHE = tempfile.mkdtemp(prefix="mlsd-test-cache-")
atexit.register(shutil.rmtree, _TEST_CACHE, ignore_errors=True)

FIXTURES = Path(__file__).parent / "fixtures"
COURSE = FIXTURES / "course"
BROKEN = FIXTURES / "broken"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Every test gets its own data folder and no user case folders."""
    home = tmp_path / "mlsd-home"
    monkeypatch.setenv("MLSD_HOME", str(home))
    monkeypatch.delenv("MLSD_CASES", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    return home


class FakeClock:
    """A clock tests move by hand (sessions and mocks take theirs injected)."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def store():
    """A store in memory, closed after the test."""
    from mlsd.session.store import Store

    s = Store.memory()
    yield s
    s.close()


@pytest.fixture
def course_catalog():
    from mlsd.content.loader import load_catalog

    return load_catalog([COURSE / "cases"], include_shipped=False)


@pytest.fixture
def toy_case(course_catalog):
    return course_catalog.case("toy")


def spawn_mlsd(args: list[str], home, term: str = "xterm"):
    """`python -m mlsd ARGS` in a real pseudo-terminal (pexpect), with its own data folder."""
    import pexpect

    env = dict(os.environ, MLSD_HOME=str(home), NO_COLOR="1", COLUMNS="100", TERM=term)
    return pexpect.spawn(sys.executable, ["-m", "mlsd", *args], env=env, encoding="utf-8", timeout=30,
                         dimensions=(40, 100))


@functools.lru_cache(maxsize=None)
def lab_result(lab_id: str, seed: int):
    """One run per (lab, seed) for the whole test session: labs take up to a second each."""
    from mlsd.labs.registry import run_lab

    return run_lab(lab_id, seed=seed)


def lab_metrics(lab_id: str, seed: int) -> dict[str, float]:
    return lab_result(lab_id, seed).metrics
