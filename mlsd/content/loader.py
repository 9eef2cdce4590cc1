"""Load framework and case files into validated, typed objects.

Every problem is reported as `file:line: field: message`. A broken user
file never stops the others from loading: the catalog keeps it as a problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from mlsd import paths
from mlsd.errors import ContentError, UnknownCase
from mlsd.content.schema import Case, Framework

try:  # the C loader is several times faster; fall back to pure Python
    _SafeLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the libyaml build
    _SafeLoader = yaml.SafeLoader

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        # always one line: a key or a YAML message may hold a line break or a control character
        return _one_line(f"{self.path}:{self.line}: {self.field or '(file)'}: {self.message}")


def _one_line(text: str) -> str:
    return "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in " ".join(text.split("\n")))


@dataclass
class LoadedCase:
    case: Case
    path: Path
    shipped: bool


@dataclass
class Catalog:
    frameworks: dict[str, Framework] = field(default_factory=dict)
    cases: dict[str, LoadedCase] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def case(self, case_id: str) -> Case:
        try:
            return self.cases[case_id].case
        except KeyError:
            raise UnknownCase(case_id, sorted(self.cases)) from None

    def framework_for(self, case: Case) -> Framework:
        return self.frameworks[case.framework]


# ------------------------------------------------------------ YAML + lines


def _field_name(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _line_of(root: yaml.Node | None, loc: Iterable[Any]) -> int:
    """Follow a pydantic error location through the YAML node tree to a line (1-based)."""
    node = root
    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == str(part)), None)
            if match is None:
                # an unknown or missing key: point at the key itself if present
                key = next((k for k, _ in node.value if k.value == str(part)), None)
                return (key.start_mark.line + 1) if key is not None else line
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
        line = node.start_mark.line + 1
    return line


def _duplicate_keys(node: yaml.Node, path: Path, loc: tuple = ()) -> list[Problem]:
    """PyYAML silently keeps the last of duplicate keys; a case author wants to know.
    (Recursion is safe: read_document refuses documents nested deeper than MAX_DEPTH.)"""
    problems: list[Problem] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else None
            if name is not None and name in seen:
                problems.append(Problem(path, key.start_mark.line + 1, _field_name(loc + (name,)), "duplicate key"))
            if name is not None:
                seen.add(name)
            problems += _duplicate_keys(value, path, loc + (name,))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            problems += _duplicate_keys(item, path, loc + (i,))
    return problems


# Limits on a content file. The largest shipped case is about 130 kB; a user's
# file may be several times that, but not so big that every command slows down.
MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 40  # shipped cases nest 7 levels
# Explicit tags that only restate what a plain value is; any other tag (!!int abc,
# !!python/..., !!binary, a custom !tag) is refused before anything is built.
ALLOWED_TAGS = frozenset({"tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})


class _ContentLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """The safe loader, with a value that cannot be built (a date like 2001-13-45)
    reported as a YAML problem at its own line rather than a ValueError."""

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(None, None, f"cannot read this value ({exc})",
                                                    node.start_mark) from None


def _structure_problem(text: str, path: Path) -> Problem | None:
    """One streaming pass over the YAML events, before any node is built: aliases
    (a recursive alias or an alias bomb), deep nesting and unknown tags are refused."""
    depth = 0
    for event in yaml.parse(text, Loader=_SafeLoader):
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            return Problem(path, line, "", f"YAML alias '*{event.anchor}' is not allowed in content files; "
                                           "write the value out in full")
        tag = getattr(event, "tag", None)
        if tag is not None and tag not in ALLOWED_TAGS:
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            return Problem(path, line, "", f"YAML tag '{shown}' is not allowed in content files; write a plain value")
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                return Problem(path, line, "", f"nested more than {MAX_DEPTH} levels deep")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    return None


def read_document(path: Path) -> tuple[Any, yaml.Node | None, list[Problem]]:
    """Read one content file: (data, node tree for line numbers, problems).

    The one place a case, framework or pitfall file is read: a regular UTF-8
    file of at most MAX_FILE_BYTES, one YAML document of plain values, no
    aliases, no tags, nested at most MAX_DEPTH levels. A file that breaks a
    rule gives one Problem and no data. (A cache of validated content can wrap
    this function: its result depends only on the file's bytes.)
    """
    from mlsd.textfile import TextFileError, read_text

    try:
        text = read_text(path, MAX_FILE_BYTES)
    except TextFileError as exc:
        return None, None, [Problem(path, exc.line, "", exc.reason)]
    try:
        problem = _structure_problem(text, path)
        if problem is not None:
            return None, None, [problem]
        loader = _ContentLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.reader.ReaderError as exc:  # a character YAML forbids; it has a position, not a mark
        line = text.count("\n", 0, exc.position) + 1
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        return None, None, [Problem(path, line, "", f"malformed YAML: character U+{code:04X} is not allowed "
                                                    "(control characters cannot appear in YAML)")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, None, [Problem(path, line, "", f"malformed YAML: {reason}")]
    problems = _duplicate_keys(node, path) if node is not None else []
    return data, node, problems


def _validate(model: type[M], path: Path) -> tuple[M | None, yaml.Node | None, list[Problem]]:
    data, node, problems = read_document(path)
    if problems and data is None:
        return None, None, problems
    if not isinstance(data, dict):
        return None, node, problems + [Problem(path, 1, "", "expected a mapping at the top level")]
    try:
        return model.model_validate(data), node, problems
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            message = err["msg"].removeprefix("Value error, ")
            problems.append(Problem(path, _line_of(node, loc), _field_name(loc), message))
        return None, node, problems


# -------------------------------------------------------------- public API


def load_framework_file(path: Path) -> Framework:
    framework, _, problems = _validate(Framework, path)
    if problems or framework is None:
        raise ContentError([str(p) for p in problems])
    return framework


def check_case_against_framework(case: Case, framework: Framework, path: Path, node: yaml.Node | None) -> list[Problem]:
    """Cross-file rules: the case's steps are exactly the framework's, in order."""
    problems: list[Problem] = []
    expected = framework.step_ids
    for step_id in case.steps:
        if step_id not in expected:
            problems.append(Problem(path, _line_of(node, ("steps", step_id)), f"steps.{step_id}",
                                    f"unknown step for framework '{framework.id}' (expected one of: {', '.join(expected)})"))
    for step_id in expected:
        if step_id not in case.steps:
            problems.append(Problem(path, _line_of(node, ("steps",)), "steps", f"missing step '{step_id}'"))
    present = [s for s in case.steps if s in expected]
    if not problems and present != expected:
        problems.append(Problem(path, _line_of(node, ("steps",)), "steps", f"steps out of order; expected {', '.join(expected)}"))
    return problems


def check_case_file(path: Path, frameworks: dict[str, Framework]) -> tuple[Case | None, list[Problem]]:
    case, node, problems = _validate(Case, path)
    if case is None:
        return None, problems
    framework = frameworks.get(case.framework)
    if framework is None:
        problems.append(Problem(path, _line_of(node, ("framework",)), "framework", f"unknown framework '{case.framework}'"))
    else:
        problems += check_case_against_framework(case, framework, path, node)
    return (None if problems else case), problems


def _yaml_files(folder: Path) -> list[Path]:
    """The *.yaml and *.yml entries of a folder, whatever they are (read_document reports a
    FIFO or a folder so named); hidden ones such as an editor's `.#case.yaml` lock are left out."""
    try:
        entries = list(folder.iterdir()) if folder.is_dir() else []
    except OSError:
        return []
    return sorted(p for p in entries if p.suffix in (".yaml", ".yml") and not p.name.startswith("."))


def load_frameworks(extra_dirs: Iterable[Path] = ()) -> tuple[dict[str, Framework], list[Problem]]:
    frameworks: dict[str, Framework] = {}
    problems: list[Problem] = []
    for folder in [paths.shipped_frameworks_dir(), *extra_dirs]:
        for path in _yaml_files(folder):
            framework, _, found = _validate(Framework, path)
            problems += found
            if framework is not None and not found:
                frameworks[framework.id] = framework
    return frameworks, problems


def load_catalog(cases_dirs: Iterable[Path] | None = None, include_shipped: bool = True) -> Catalog:
    """All frameworks and cases: shipped ones, then user folders (which may override by id)."""
    extra = list(cases_dirs) if cases_dirs is not None else []
    extra += paths.user_cases_dirs()
    frameworks, problems = load_frameworks(d.parent / "frameworks" for d in extra)
    catalog = Catalog(frameworks=frameworks, problems=problems)
    sources = ([(paths.shipped_cases_dir(), True)] if include_shipped else []) + [(d, False) for d in extra]
    for folder, shipped in sources:
        for path in _yaml_files(folder):
            case, found = check_case_file(path, frameworks)
            catalog.problems += found
            if case is not None:
                catalog.cases[case.id] = LoadedCase(case=case, path=path, shipped=shipped)
    return catalog


def validate_paths(targets: Iterable[Path]) -> tuple[int, list[Problem]]:
    """Validate files or folders; returns (files checked, problems). Frameworks are
    recognised by their folder name or a top-level `steps` list."""
    files: list[Path] = []
    empty: list[Problem] = []
    for target in targets:
        if target.is_dir():
            found = _yaml_files(target)
            if not found:
                empty.append(Problem(target, 1, "", "no case or framework files (*.yaml) in this folder"))
            files += found
        else:
            files.append(target)
    # frameworks shipped, plus any in a `frameworks/` folder beside a checked `cases/` folder
    beside = sorted({f.parent.parent / "frameworks" for f in files} - {paths.shipped_frameworks_dir()})
    frameworks, problems = load_frameworks(beside)
    problems = empty + problems
    framework_files = [f for f in files if f.parent.name == "frameworks"]
    for path in framework_files:
        framework, _, found = _validate(Framework, path)
        problems += [p for p in found if p not in problems]
        if framework is not None and not found:
            frameworks[framework.id] = framework
    for path in files:
        if path in framework_files:
            continue
        _, found = check_case_file(path, frameworks)
        problems += found
    return len(files), problems
