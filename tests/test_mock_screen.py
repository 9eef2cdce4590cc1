"""What a mock interview shows on a real 80-column terminal screen (tmux): the clock moves by itself."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid

import pytest

from conftest import COURSE

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None or os.name != "posix", reason="needs tmux")

CLOCK = re.compile(r"⏱ (\d+:\d\d) step · (\d+:\d\d) interview")


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True, timeout=20).stdout


def screen(name: str) -> list[str]:
    return tmux("capture-pane", "-p", "-t", name).splitlines()


def wait_for(name: str, pattern: str, timeout: float = 30) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = screen(name)
        if any(re.search(pattern, line) for line in lines):
            return lines
        time.sleep(0.1)
    raise AssertionError(f"{pattern!r} not on screen:\n" + "\n".join(screen(name)))


def test_the_clock_counts_down_on_screen_while_the_user_does_nothing(isolated_home):
    name = f"mlsd-{uuid.uuid4().hex[:8]}"
    command = " ".join(shlex.quote(part) for part in [
        "env", f"MLSD_HOME={isolated_home}", "NO_COLOR=1", "TERM=xterm-256color",
        sys.executable, "-m", "mlsd", "mock", "toy", "--cases-dir", str(COURSE / "cases"), "--minutes", "5"])
    tmux("new-session", "-d", "-s", name, "-x", "80", "-y", "24", command)
    try:
        wait_for(name, "Press Enter to start the clock")
        tmux("send-keys", "-t", name, "Enter")
        wait_for(name, CLOCK.pattern)
        tmux("send-keys", "-t", name, "-l", "qps and the latency budget")  # typed, not entered
        first = wait_for(name, "latency budget")
        time.sleep(2.2)  # no key pressed
        second = screen(name)
        before = next(CLOCK.search(line) for line in first if CLOCK.search(line))
        after = next(CLOCK.search(line) for line in second if CLOCK.search(line))
        assert before.group(1) != after.group(1) and before.group(2) != after.group(2)
        assert any("qps and the latency budget" in line for line in second)  # the typing is untouched
        assert all(len(line) <= 80 for line in first + second)
        toolbar = next(line for line in second if CLOCK.search(line))
        assert "'.' ends the answer" in toolbar  # the footer fits 80 columns whole
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True, timeout=20)
