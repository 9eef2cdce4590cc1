"""Fault injection shared by tests/test_faults_*.py and benchmarks/fuzz.py.

Three families of hostile input (case files, answer sheets, export templates)
are run through the real command line, in process, and every run is judged
the same way: no traceback, exit status 0 or 2 (2 with a message on stderr),
and done within a time bound. `mutate_*` make inputs from a seed file and a
random generator, so the benchmark's mutation fuzzer and the tests'
hypothesis strategies share one catalogue of nasty snippets.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from typer.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
TOY_CASE = TESTS / "fixtures" / "course" / "cases" / "toy.yaml"
TOY_FRAMEWORK = TESTS / "fixtures" / "course" / "frameworks" / "mini.yaml"

# ------------------------------------------------------------ nasty snippets

YAML_SNIPPETS: list[bytes] = [
    b"companies: &r [*r]",                                    # recursive alias
    b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    b"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
    b"g: [*f, *f, *f, *f, *f, *f, *f, *f, *f]",               # alias bomb (9^7 leaves)
    b"title: !!int abc",
    b"title: !!float xyz",
    b"title: !!python/object/apply:os.system [echo pwned]",
    b"title: !!binary AAAA",
    b"title: !!set {a, b}",
    b"title: !!timestamp 2001-13-45",
    b"title: !custom thing",
    b"format_version: true",
    b"format_version: 1.0",
    b"format_version: '1'",
    b"[" * 1000 + b"]" * 1000,
    b"x: " + b"{a: " * 500 + b"1" + b"}" * 500,
    b"\n".join(b"  " * i + b"- " for i in range(300)),
    b"? [a, b]\n: c",                                         # a sequence as a mapping key
    b"? {a: 1}\n: c",
    b"<<: {title: merged}",
    b"1.5: number key",
    b"null: null key",
    b"steps: null",
    b"steps: []",
    b"steps: {requirements: 3}",
    b"steps: {requirements: {labs: [1, {a: b}]}}",
    b"steps: {requirements: {labs: not-a-list}}",
    b"steps:\n  requirements:\n    labs: [no-such-lab]",
    b"title: a\ntitle: b",                                    # duplicate key
    b"\xff\xfe\x00bad bytes",
    b"title: caf\xe9",                                        # latin-1
    b"title: \xed\xa0\x80",                                   # a UTF-8-encoded surrogate
    b"\x00",
    b"\xef\xbb\xbf",                                          # byte-order mark
    b"---\n---\n",
    b"...",
    b"%YAML 1.1\n---",
    b"%TAG ! tag:example.com,2000:\n---",
    b"\t- tab",
    b": : :",
    b"'unterminated",
    b'"\\x"',
    b"title: .inf",
    b"title: ~",
    b"id: ../../etc/passwd",
    b"id: " + b"x" * 5000,
]

SHEET_SNIPPETS: list[bytes] = [
    b"## Step",
    b"## step ",
    b"## Step " + b"9" * 5000,
    b"## " + b"7" * 5000,
    b"## 0",
    b"## 99",
    b"## -1",
    b"## \xc2\xb2",                                           # superscript two
    b"## step \xc2\xb2",
    b"##",
    b"## #",
    b"###### data",
    b"## data\n## data",
    b"## data",
    b"```\n## data",
    b"~~~",
    b"\xef\xbb\xbf## requirements",
    b"\xff\xfe",
    b"caf\xe9",
    b"\xed\xa0\x80",
    b"\x00\x01\x02",
    b"\r\n## data\r\n",
    b"\r",
    b"\xe2\x80\xa8",                                          # line separator
    b"\xe2\x80\xae",                                          # right-to-left override
    b"{{ 7*7 }} {% raw %}",
    b"$(rm -rf ~)",
    b"word " * 2000,
    b"x" * 30000,
]

TEMPLATE_SNIPPETS: list[str] = [
    "{{ case.title }}",
    "{% for s in steps %}{{ s.title }}{% endfor %}",
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
    "{{ 'x' * 10**10 }}",
    "{{ [1] * 10**10 }}",
    "{{ 10 ** (10 ** 10) }}",
    "{{ 9 ** 9 ** 9 }}",
    "{{ 2 ** 100000 }}",
    "{{ 'x'|center(10**10) }}",
    "{{ 'x'|indent(10**10) }}",
    "{{ '%10000000000d' % 1 }}",
    "{{ '{:>10000000000}'.format(1) }}",
    "{{ 'x'.ljust(10**10) }}",
    "{{ 'ab'.replace('', 'xxxxxxxxxx') }}",
    "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
    "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__ }}",
    "{% include 'nope.j2' %}",
    "{% extends 'session.md.j2' %}",
    "{{ undefined_name }}",
    "{{ 1 / 0 }}",
    "{{ case.title|int }}",
    "{% for %}",
    "{{",
    "{% if %}",
    "{{ range(10**10)|list }}",
    "{{ lipsum(10**6) }}",
    "\x00",
    "plain text ",
]

# ------------------------------------------------------------ mutation


Edit = tuple  # (operation 0-6, position, snippet index, a byte)


def apply_edits(data: bytes, edits: list[Edit], snippets: list[bytes]) -> bytes:
    """Apply edits in order: replace or insert a line (keeping its indentation) with a snippet,
    set a byte, drop a slice, truncate, repeat a slice, or add a snippet at the start or end.
    Positions wrap around, so any integers make a valid edit (hypothesis can shrink them)."""
    for op, position, which, byte in edits:
        snippet = snippets[which % len(snippets)]
        lines = data.split(b"\n")
        if op in (0, 1) and lines:
            at = position % len(lines)
            indent = lines[at][: len(lines[at]) - len(lines[at].lstrip(b" "))]
            piece = b"\n".join(indent + s for s in snippet.split(b"\n"))
            if op == 0:
                lines[at] = piece
            else:
                lines.insert(at, piece)
            data = b"\n".join(lines)
        elif op == 2 and data:
            at = position % len(data)
            data = data[:at] + bytes([byte % 256]) + data[at + 1:]
        elif op == 3 and data:
            at = position % len(data)
            data = data[:at] + data[at + 1 + byte % 200:]
        elif op == 4 and data:
            data = data[: position % len(data)]
        elif op == 5 and data:
            at = position % len(data)
            data = data[:at] + data[at:at + 1 + byte % 400] * (2 + byte % 4) + data[at:]
        else:
            data = snippet + b"\n" + data if byte % 2 else data + b"\n" + snippet
    return data


def mutate_bytes(rng: random.Random, data: bytes, snippets: list[bytes], rounds: int = 3) -> bytes:
    """A few random edits (apply_edits) of `data`."""
    edits = [(rng.randrange(7), rng.randrange(1 << 30), rng.randrange(len(snippets)), rng.randrange(256))
             for _ in range(rng.randint(1, rounds))]
    return apply_edits(data, edits, snippets)


def insert_snippets(base: str, edits: list[tuple[int, int]]) -> str:
    """Insert TEMPLATE_SNIPPETS[which] at each (position, which), positions wrapping around."""
    out = base
    for position, which in edits:
        at = position % (len(out) + 1)
        out = out[:at] + TEMPLATE_SNIPPETS[which % len(TEMPLATE_SNIPPETS)] + out[at:]
    return out


def mutate_template(rng: random.Random, base: str, rounds: int = 3) -> str:
    edits = [(rng.randrange(1 << 30), rng.randrange(len(TEMPLATE_SNIPPETS))) for _ in range(rng.randint(1, rounds))]
    return insert_snippets(base, edits)


def seed_sheet() -> bytes:
    """The ctr model answers as an answer sheet (what `mlsd show ctr --answers --markdown` prints)."""
    from mlsd.content.loader import load_catalog
    from mlsd.grader.sheet import render_sheet

    catalog = load_catalog([], include_shipped=True)
    case = catalog.case("ctr")
    framework = catalog.framework_for(case)
    sheet = render_sheet({s: case.steps[s].model_answer for s in framework.step_ids}, framework, "ctr")
    return sheet.encode("utf-8")


def seed_template() -> str:
    return (REPO / "templates" / "cheatsheet.md.j2").read_text(encoding="utf-8")


# ------------------------------------------------------------ running and judging


class FuzzTimeout(BaseException):
    """Raised by the harness's alarm: a BaseException so no `except Exception` in mlsd swallows it."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after `seconds` (POSIX, main thread); a no-op elsewhere."""
    if not hasattr(signal, "setitimer"):
        yield
        return

    def _expired(signum, frame):
        raise FuzzTimeout(f"over {seconds} s")

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Outcome:
    args: list[str]
    exit_code: int | None
    stdout: str
    stderr: str
    exception: BaseException | None
    seconds: float

    def failure(self, bound: float) -> str | None:
        """Why this run is a failure, or None when it behaved."""
        if isinstance(self.exception, FuzzTimeout):
            return "timeout"
        if self.exception is not None and not isinstance(self.exception, SystemExit):
            return type(self.exception).__name__
        if "Traceback (most recent call last)" in self.stderr + self.stdout:
            return "traceback"
        if self.exit_code not in (0, 2):
            return f"exit {self.exit_code}"
        if self.exit_code == 2 and not self.stderr.strip():
            return "exit 2 without a message"
        if self.seconds > bound:
            return "slow"
        return None


_runner = CliRunner()


def error_lines(stderr: str | bytes) -> list[str]:
    """stderr's lines, less the loader's `skipped:` notes about broken case files (a case being
    written in the same tree must not fail a test about something else)."""
    text = stderr.decode() if isinstance(stderr, bytes) else stderr
    return [line for line in text.strip().splitlines() if not line.startswith("skipped: ")]


def run_cli(args: list[str], stdin: bytes | None = None, timeout: float = 20.0) -> Outcome:
    from mlsd.cli import app

    started = time.perf_counter()
    exception: BaseException | None = None
    code = None
    out = err = ""
    try:
        with time_limit(timeout):
            result = _runner.invoke(app, args, input=stdin)
        code, out, err, exception = result.exit_code, result.stdout, result.stderr, result.exception
    except FuzzTimeout as exc:
        exception = exc
    return Outcome(args, code, out, err, exception, time.perf_counter() - started)


@contextlib.contextmanager
def cached_catalog() -> Iterator[None]:
    """Load the shipped cases once for a whole fuzz run (sheets and templates are what is fuzzed)."""
    import mlsd.content.loader as loader

    original = loader.load_catalog
    memo: dict = {}

    def load(cases_dirs=None, include_shipped=True):
        key = (tuple(cases_dirs or ()), include_shipped, os.environ.get("MLSD_CASES", ""))
        if key not in memo:
            memo[key] = original(cases_dirs, include_shipped)
        return memo[key]

    loader.load_catalog = load
    try:
        yield
    finally:
        loader.load_catalog = original


# ------------------------------------------------------------ targets: one input -> runs


def case_runs(data: bytes, workdir: Path) -> list[tuple[list[str], bytes | None]]:
    """A case file as a user folder: validated on its own, and loaded beside the shipped cases."""
    cases = workdir / "cases"
    cases.mkdir(parents=True, exist_ok=True)
    (workdir / "frameworks").mkdir(exist_ok=True)
    (workdir / "frameworks" / "mini.yaml").write_bytes(TOY_FRAMEWORK.read_bytes())
    path = cases / "toy.yaml"
    path.write_bytes(data)
    return [(["validate", str(path)], None), (["show", "toy", "--cases-dir", str(cases)], None)]


def sheet_runs(data: bytes, workdir: Path) -> list[tuple[list[str], bytes | None]]:
    """An answer sheet graded from a file and from stdin, and run as a practice session."""
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "sheet.md"
    path.write_bytes(data)
    return [(["grade", "ctr", str(path), "--json"], None), (["grade", "ctr", "-"], data),
            (["practice", "ctr", "-f", str(path), "--no-labs"], None), (["practice", "ctr", "--no-labs"], data)]


def template_runs(source: str, workdir: Path) -> list[tuple[list[str], bytes | None]]:
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "mine.md.j2"
    path.write_text(source, encoding="utf-8", errors="surrogatepass")
    return [(["export", "--case", "ctr", "-t", str(path), "-o", str(workdir / f"out-{time.time_ns()}.md")], None)]


Target = Callable[[object, Path], list[tuple[list[str], bytes | None]]]


def judge(runs: list[tuple[list[str], bytes | None]], bound: float, timeout: float) -> list[tuple[Outcome, str]]:
    """Run each command; the failures, with why."""
    failures = []
    for args, stdin in runs:
        outcome = run_cli(args, stdin, timeout=timeout)
        why = outcome.failure(bound)
        if why:
            failures.append((outcome, why))
    return failures
