"""The built wheel carries cases, frameworks and templates, and works from any directory."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"building the wheel failed: {result.stderr[-2000:]}")
    return next(out.glob("mlsd-*.whl"))


def test_wheel_runs_outside_the_repository(wheel, tmp_path):
    unpacked = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(unpacked)
    assert "mlsd/_content/cases/ctr.yaml" in names
    assert "mlsd/_content/frameworks/seven-step.yaml" in names
    assert any(n.startswith("mlsd/_content/templates/") for n in names)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = dict(os.environ, PYTHONPATH=str(unpacked), MLSD_HOME=str(tmp_path / "home"), NO_COLOR="1")
    listing = subprocess.run([sys.executable, "-m", "mlsd", "list"], cwd=elsewhere, env=env,
                             capture_output=True, text=True, timeout=120)
    assert listing.returncode == 0, listing.stderr
    assert "fraud" in listing.stdout
    where = subprocess.run([sys.executable, "-c", "from mlsd import paths; print(paths.shipped_cases_dir())"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, timeout=60)
    assert str(unpacked) in where.stdout
