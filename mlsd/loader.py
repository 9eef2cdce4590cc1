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
from mlsd.schema import Case, Framework

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
        return f"{self.path}:{self.line}: {self.field or '(file)'}: {self.message}"


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
    """PyYAML silently keeps the last of duplicate keys; a case author wants to know."""
    problems: list[Problem] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if key.value in seen:
                problems.append(Problem(path, key.start_mark.line + 1, _field_name(loc + (key.value,)), "duplicate key"))
            seen.add(key.value)
            problems += _duplicate_keys(value, path, loc + (key.value,))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            problems += _duplicate_keys(item, path, loc + (i,))
    return problems


def _read_yaml(path: Path) -> tuple[Any, yaml.Node | None, list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, None, [Problem(path, 1, "", f"cannot read file: {exc.__class__.__name__}: {exc}")]
    try:
        node = yaml.compose(text, Loader=_SafeLoader)
        data = yaml.load(text, Loader=_SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc)
        return None, None, [Problem(path, line, "", f"malformed YAML: {reason}")]
    problems = _duplicate_keys(node, path) if node is not None else []
    return data, node, problems


def _validate(model: type[M], path: Path) -> tuple[M | None, yaml.Node | None, list[Problem]]:
    data, node, problems = _read_yaml(path)
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
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


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
    for target in targets:
        files += _yaml_files(target) if target.is_dir() else [target]
    # frameworks shipped, plus any in a `frameworks/` folder beside a checked `cases/` folder
    beside = sorted({f.parent.parent / "frameworks" for f in files} - {paths.shipped_frameworks_dir()})
    frameworks, problems = load_frameworks(beside)
    framework_files = [f for f in files if f.parent.name == "frameworks"]
    for path in framework_files:
        framework, _, found = _validate(Framework, path)
        problems += [p for p in found if p not in problems]
        if framework is not None and not found:
            frameworks[framework.id] = framework
    for path in files:
        if path in framework_files:
            continue
        if not path.exists():
            problems.append(Problem(path, 1, "", "no such file"))
            continue
        _, found = check_case_file(path, frameworks)
        problems += found
    return len(files), problems
