"""Load framework and case files into validated, typed objects.

Every problem is reported as `file:line: field: message`. A broken user
file never stops the others from loading: the catalog keeps it as a problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, TypeVar

from mlsd import paths
from mlsd.content import cache
from mlsd.content.index import (  # noqa: F401  (re-exported: the loader's public names)
    MAX_FILE_BYTES, CaseSummary, _catalog_sources, _yaml_files, case_index, catalog_fingerprint)
from mlsd.content.schema import Case, Framework, _Content
from mlsd.errors import ContentError, UnknownCase

if TYPE_CHECKING:  # yaml and pydantic (mlsd.content.rules) load when a file is parsed, not on a cache hit
    import yaml

M = TypeVar("M", bound=_Content)


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
    import yaml

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
    import yaml

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


# Limits on a content file (MAX_FILE_BYTES lives in mlsd.content.index, which reads files too).
MAX_DEPTH = 40  # shipped cases nest 7 levels
# Explicit tags that only restate what a plain value is; any other tag (!!int abc,
# !!python/..., !!binary, a custom !tag) is refused before anything is built.
ALLOWED_TAGS = frozenset({"tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})


_loaders: tuple[type, type] | None = None


def _yaml_loaders() -> tuple[type, type]:
    """(the safe loader, the content loader), made on first use: yaml loads only when a file is parsed."""
    global _loaders
    if _loaders is None:
        import yaml

        try:  # the C loader is several times faster; fall back to pure Python
            safe: type = yaml.CSafeLoader
        except AttributeError:  # pragma: no cover - depends on the libyaml build
            safe = yaml.SafeLoader

        class _ContentLoader(safe):  # type: ignore[misc, valid-type]
            """The safe loader, with a value that cannot be built (a date like 2001-13-45)
            reported as a YAML problem at its own line rather than a ValueError."""

            def construct_object(self, node, deep=False):
                try:
                    return super().construct_object(node, deep=deep)
                except (ValueError, TypeError, OverflowError) as exc:
                    raise yaml.constructor.ConstructorError(None, None, f"cannot read this value ({exc})",
                                                            node.start_mark) from None

        _loaders = (safe, _ContentLoader)
    return _loaders


def _structure_problem(text: str, path: Path) -> Problem | None:
    """One streaming pass over the YAML events, before any node is built: aliases
    (a recursive alias or an alias bomb), deep nesting and unknown tags are refused."""
    import yaml

    depth = 0
    for event in yaml.parse(text, Loader=_yaml_loaders()[0]):
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
    text, problem = _read_text(path)
    if problem is not None:
        return None, None, [problem]
    return _parse_document(text, path)


def _read_text(path: Path) -> tuple[str, Problem | None]:
    """A content file's text within the limits (regular file, size, UTF-8), or the one problem."""
    from mlsd.textfile import TextFileError, read_text

    try:
        return read_text(path, MAX_FILE_BYTES), None
    except TextFileError as exc:
        return "", Problem(path, exc.line, "", exc.reason)


def _parse_document(text: str, path: Path) -> tuple[Any, yaml.Node | None, list[Problem]]:
    import yaml

    try:
        problem = _structure_problem(text, path)
        if problem is not None:
            return None, None, [problem]
        loader = _yaml_loaders()[1](text)
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
    return _validate_document(model, path, read_document(path))


def _validate_document(model: type[M], path: Path, document: tuple) -> tuple[M | None, yaml.Node | None, list[Problem]]:
    """Validate with the rules (pydantic) and return the light content object (mlsd.content.schema)."""
    from pydantic import ValidationError

    from mlsd.content import rules
    from mlsd.content.schema import from_model

    data, node, problems = document
    if problems and data is None:
        return None, None, problems
    if not isinstance(data, dict):
        return None, node, problems + [Problem(path, 1, "", "expected a mapping at the top level")]
    try:
        return from_model(getattr(rules, model.__name__).model_validate(data)), node, problems
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            message = err["msg"].removeprefix("Value error, ")
            problems.append(Problem(path, _line_of(node, loc), _field_name(loc), message))
        return None, node, problems


def _validate_cached(kind: str | type[M], path: Path) -> tuple[Any, yaml.Node | None, list[Problem]]:
    """`_validate` of a content file through the content cache (mlsd.content.cache): a file
    whose exact text validated cleanly before is unpickled (light objects: no pydantic), not
    parsed; the node is then None. Results with problems are not stored, so they are always
    reported afresh. `kind` is "case", "framework" or a schema class (e.g. PitfallLibrary)."""
    from mlsd.content import schema as _schema_types

    if isinstance(kind, str):
        model = _schema_types.Case if kind == "case" else _schema_types.Framework
    else:
        model, kind = kind, kind.__name__
    text, problem = _read_text(path)
    if problem is not None:
        return None, None, [problem]
    entry = cache.key(kind, text)
    hit = _seen.get(entry) if cache.enabled() else None
    if hit is None:
        hit = cache.get(entry, model)
    if hit is not None:
        _seen[entry] = hit  # the same text gives the same (frozen) object for the rest of the process
        return hit, None, []
    value, node, problems = _validate_document(model, path, _parse_document(text, path))
    if value is not None and not problems:
        cache.put(entry, value)
        if cache.enabled():
            _seen[entry] = value
    return value, node, problems


_seen: dict[str, Any] = {}  # entry -> validated object, this process


# -------------------------------------------------------------- public API


def load_framework_file(path: Path) -> Framework:
    from mlsd.content.schema import Framework

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


def check_case_file(path: Path, frameworks: dict[str, Framework], cached: bool = False) -> tuple[Case | None, list[Problem]]:
    """A case file, validated and checked against its framework. `cached`: through the content
    cache (a cached case with a cross-file problem is read again, for the problem's line)."""
    from mlsd.content.schema import Case

    if cached:
        case, node, problems = _validate_cached("case", path)
        if case is not None and node is None and _cross_file_problems(case, frameworks, path, None):
            return check_case_file(path, frameworks)
    else:
        case, node, problems = _validate(Case, path)
    if case is None:
        return None, problems
    problems = problems + _cross_file_problems(case, frameworks, path, node)
    return (None if problems else case), problems


def _cross_file_problems(case: Case, frameworks: dict[str, Framework], path: Path, node) -> list[Problem]:
    problems: list[Problem] = []
    framework = frameworks.get(case.framework)
    if framework is None:
        problems.append(Problem(path, _line_of(node, ("framework",)), "framework", f"unknown framework '{case.framework}'"))
    else:
        problems += check_case_against_framework(case, framework, path, node)
    return problems


def load_frameworks(extra_dirs: Iterable[Path] = ()) -> tuple[dict[str, Framework], list[Problem]]:
    frameworks: dict[str, Framework] = {}
    problems: list[Problem] = []
    for folder in [paths.shipped_frameworks_dir(), *extra_dirs]:
        for path in _yaml_files(folder):
            framework, _, found = _validate_cached("framework", path)
            problems += found
            if framework is not None and not found:
                frameworks[framework.id] = framework
    return frameworks, problems


def load_catalog(cases_dirs: Iterable[Path] | None = None, include_shipped: bool = True) -> Catalog:
    """All frameworks and cases: shipped ones, then user folders (which may override by id).
    Files that validated cleanly before come from the content cache (mlsd.content.cache)."""
    framework_dirs, sources = _catalog_sources(cases_dirs, include_shipped)
    frameworks, problems = load_frameworks(framework_dirs)
    catalog = Catalog(frameworks=frameworks, problems=problems)
    for folder, shipped in sources:
        for path in _yaml_files(folder):
            case, found = check_case_file(path, frameworks, cached=True)
            catalog.problems += found
            if case is not None:
                catalog.cases[case.id] = LoadedCase(case=case, path=path, shipped=shipped)
    return catalog


@dataclass(frozen=True)
class OneCase:
    """One case of the catalog with its framework, and the catalog's problems (one-line strings)."""

    case_id: str
    case: Case | None
    framework: Framework | None
    problems: list[str]
    known: list[str]  # every case id of the catalog, for "did you mean"

    def require(self) -> tuple[Case, Framework]:
        if self.case is None or self.framework is None:
            raise UnknownCase(self.case_id, self.known)
        return self.case, self.framework


def load_case(case_id: str, cases_dirs: Iterable[Path] | None = None, include_shipped: bool = True) -> OneCase:
    """The case `load_catalog(...).case(case_id)` gives, its framework and the catalog's problems,
    without loading the other cases: `case_index` (one cache entry) names the case's file and the
    problems, then the frameworks and that one file are loaded (from the cache when unchanged)."""
    cases_dirs = list(cases_dirs) if cases_dirs is not None else None
    summaries, problems = case_index(cases_dirs, include_shipped)
    known = [s.id for s in summaries]
    found = next((s for s in summaries if s.id == case_id), None)
    if found is None:
        return OneCase(case_id, None, None, problems, known)
    framework_dirs, _ = _catalog_sources(cases_dirs, include_shipped)
    frameworks, _ = load_frameworks(framework_dirs)
    case, _ = check_case_file(found.path, frameworks, cached=True)
    if case is None or case.id != case_id:  # the file changed since its index was read: the whole catalog
        catalog = load_catalog(cases_dirs, include_shipped)
        item = catalog.cases.get(case_id)
        framework = catalog.frameworks.get(item.case.framework) if item is not None else None
        return OneCase(case_id, item.case if item else None, framework, [str(p) for p in catalog.problems],
                       sorted(catalog.cases))
    return OneCase(case_id, case, frameworks[case.framework], problems, known)


def validate_paths(targets: Iterable[Path]) -> tuple[int, list[Problem]]:
    """Validate files or folders; returns (files checked, problems). Frameworks are
    recognised by their folder name or a top-level `steps` list, the shared pitfall
    library by its folder name (`pitfalls/`)."""
    from mlsd.content.schema import Framework, PitfallLibrary

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
    pitfall_files = [f for f in files if f.parent.name == "pitfalls"]
    for path in pitfall_files:
        problems += _validate(PitfallLibrary, path)[2]
    for path in files:
        if path in framework_files or path in pitfall_files:
            continue
        _, found = check_case_file(path, frameworks)
        problems += found
    return len(files), problems
