"""Timing commands in fresh processes, shared by the start-up and lab benchmarks."""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path


def mlsd_command(module: bool = False) -> list[str]:
    """The installed `mlsd` script, or `python -m mlsd` (e.g. an older checkout on PYTHONPATH)."""
    script = Path(sys.executable).parent / "mlsd"
    return [str(script)] if script.exists() and not module else [sys.executable, "-m", "mlsd"]


def timed_run(cmd: list[str], env: dict, cwd: str | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of one command in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=cwd)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
