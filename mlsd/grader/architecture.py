"""Architecture sketches: read a design drawn as arrow lines or a Mermaid flowchart, and grade it
against the case's reference architecture.

A sketch in an answer is either

- arrow lines: `query -> retrieval -> ranker -> rerank -> auction`, branches on their own
  lines (`feature store -> ranker`); `<-` points the other way; or
- a fenced Mermaid block (```mermaid, then `flowchart LR` or `graph TD`): `A[Query] --> B[Retrieval]`,
  chains, `A & B --> C`, `-->|label|` and `-- label -->` links, subgraphs.

Nodes are matched to the reference's components by the names people use for each
(stemmed, synonym-normalised words in any order, as the grader reads answers; the
longest name wins, so "pre-ranker" is not also "ranker"). A reference edge `a -> b` is
an order: it holds when the sketch has a path from a to b (through anything), is
misordered when the only path runs from b to a, and is missing otherwise.

Score: half for the required components found, half for the required orders that hold
(a reversed order costs half an order more). In the step's score (see `blend`) a sketch
better than the prose lifts it by up to WEIGHT of the gap, a partial sketch of a fuller prose
answer costs nothing, and reversed orders always cost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlsd.grader.core import Grade
    from mlsd.content.schema import Architecture, Case

WEIGHT = 0.25  # share of the step's score the sketch carries
MISORDER_COST = 0.5  # a reversed order costs half an order beyond not holding
MAX_LABEL_WORDS = 8
MAX_LABEL_CHARS = 60
MAX_NODES = 200  # a sketch is small; past this the rest is ignored
MAX_NOTES = 4


# ------------------------------------------------------------ the graph


@dataclass
class Sketch:
    """A directed graph: node labels (as written) and edges between their indexes."""

    labels: list[str] = field(default_factory=list)
    edges: list[tuple[int, int]] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)  # "arrows", "mermaid"
    _index: dict[str, int] = field(default_factory=dict)

    def node(self, label: str) -> int | None:
        key = _node_key(label)
        if not key:
            return None
        if key not in self._index:
            if len(self.labels) >= MAX_NODES:
                return None
            self._index[key] = len(self.labels)
            self.labels.append(" ".join(label.split()))
        return self._index[key]

    def link(self, source: int | None, target: int | None) -> None:
        if source is not None and target is not None and source != target and (source, target) not in self.edges:
            self.edges.append((source, target))

    def successors(self) -> dict[int, set[int]]:
        out: dict[int, set[int]] = {i: set() for i in range(len(self.labels))}
        for a, b in self.edges:
            out[a].add(b)
        return out


def _node_key(label: str) -> str:
    text = re.sub(r"\([^)]*\)", " ", label)  # "ranker (DCN)" is the ranker drawn elsewhere
    return " ".join(re.sub(r"[^\w\s/+&-]", " ", text.lower()).split())


_FENCE = re.compile(r"^\s*(```+|~~~+)\s*([\w-]*)")
_ARROW = re.compile(r"\s*(<-{1,2}|<={1,2}|\u2190|-{1,2}>|={1,2}>|\u2192|\u27f6|\u2014>)\s*")
_BULLET = re.compile(r"^\s*(?:[-*+\u2022]|\d+[.)])\s+")


def find_sketch(text: str) -> Sketch | None:
    """The sketch an answer holds (arrow lines and Mermaid flowcharts together), or None."""
    sketch = Sketch()
    lines = (text or "").splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        fence = _FENCE.match(line)
        if fence:
            marker, info = fence.group(1), fence.group(2).lower()
            body: list[str] = []
            index += 1
            while index < len(lines) and not lines[index].strip().startswith(marker[:3]):
                body.append(lines[index])
                index += 1
            index += 1
            if info == "mermaid" or (body and re.match(r"\s*(flowchart|graph)\b", body[0])):
                _read_mermaid(body, sketch)
            else:
                for inner in body:
                    _read_arrow_line(inner, sketch)
            continue
        _read_arrow_line(line, sketch)
        index += 1
    return sketch if sketch.edges else None


def _read_arrow_line(line: str, sketch: Sketch) -> None:
    text = _BULLET.sub("", line.strip()).strip().rstrip(".;")
    text = text.strip("`*_ ")
    parts = _ARROW.split(text)
    if len(parts) < 3:
        return
    labels, arrows = parts[0::2], parts[1::2]
    labels = [label.strip().strip("`*_\"' ") for label in labels]
    for label in labels:
        bare = re.sub(r"\([^)]*\)", "", label)
        if not label or len(bare.split()) > MAX_LABEL_WORDS or len(bare) > MAX_LABEL_CHARS:
            return  # a sentence with an arrow in it, not a sketch
    nodes = [sketch.node(label) for label in labels]
    for position, arrow in enumerate(arrows):
        a, b = nodes[position], nodes[position + 1]
        if arrow.startswith("<") or arrow == "\u2190":
            a, b = b, a
        sketch.link(a, b)
    sketch.kinds.add("arrows")


# Mermaid: node ids with an optional shape holding the label, links between groups of nodes.
_SHAPES = [("[[", "]]"), ("[(", ")]"), ("([", "])"), ("((", "))"), ("{{", "}}"), ("[/", "/]"), ("[\\", "\\]"),
           ("[/", "\\]"), ("[\\", "/]"), ("[", "]"), ("(", ")"), ("{", "}"), (">", "]")]
_NODE_ID = re.compile(r"\s*(\w+(?:[.\-]\w+)*)")
_LINK = re.compile(
    r"""\s*(?P<head><)?(?:
        (?:--|==|-\.)\s+(?P<text>[^|>\-=.\s][^|>]*?)\s+(?:-{2,}|={2,}|\.-)(?P<tip2>>|[xo](?!\w))
      | (?P<line>-{2,}|={2,}|-\.+-?|~{3,})(?P<tip>>|[xo](?!\w))?
    )\s*(?:\|[^|]*\|)?\s*""", re.X)
_SKIP = re.compile(r"^\s*(?:%%|subgraph\b|end\b|classDef\b|class\b|style\b|linkStyle\b|click\b|direction\b|"
                   r"flowchart\b|graph\b)")


def _read_mermaid(body: list[str], sketch: Sketch) -> None:
    labels: dict[str, str] = {}
    links: list[tuple[str, str, bool]] = []  # source id, target id, both ways
    for raw in body:
        for statement in raw.split(";"):
            if not statement.strip() or _SKIP.match(statement):
                continue
            _read_statement(statement, labels, links)
    ids: dict[str, int | None] = {}
    for node_id in list(labels) + [x for link in links for x in link[:2]]:
        if node_id not in ids:
            ids[node_id] = sketch.node(labels.get(node_id) or node_id)
    for source, target, both in links:
        sketch.link(ids[source], ids[target])
        if both:
            sketch.link(ids[target], ids[source])
    if links:
        sketch.kinds.add("mermaid")


def _read_statement(statement: str, labels: dict[str, str], links: list[tuple[str, str, bool]]) -> None:
    position = 0
    previous: list[str] | None = None
    pending: tuple[bool, bool] | None = None  # (reversed, both ways) of the link before this group
    while position < len(statement):
        group, position = _read_group(statement, position, labels)
        if not group:
            return
        if previous is not None and pending is not None:
            reverse, both = pending
            for a in previous:
                for b in group:
                    links.append((b, a, both) if reverse else (a, b, both))
        link = _LINK.match(statement, position)
        if not link or link.end() == position:
            return
        head = bool(link.group("head"))
        tip = link.group("tip") or link.group("tip2")
        pending = (head and not tip, head and bool(tip))
        previous, position = group, link.end()


def _read_group(statement: str, position: int, labels: dict[str, str]) -> tuple[list[str], int]:
    """Nodes joined by '&' from `position`: ids, with any shape label recorded."""
    group: list[str] = []
    while True:
        found = _NODE_ID.match(statement, position)
        if not found:
            return group, position
        node_id = found.group(1)
        position = found.end()
        for opening, closing in _SHAPES:
            if statement.startswith(opening, position):
                end = statement.find(closing, position + len(opening))
                if end < 0:
                    continue
                labels[node_id] = _clean_label(statement[position + len(opening):end])
                position = end + len(closing)
                break
        marker = re.match(r":::[\w-]+", statement[position:])
        if marker:
            position += marker.end()
        group.append(node_id)
        amp = re.match(r"\s*&\s*", statement[position:])
        if not amp:
            return group, position
        position += amp.end()


def _clean_label(label: str) -> str:
    label = label.strip().strip("\"'`")
    label = re.sub(r"<br\s*/?>", " ", label, flags=re.I)
    label = label.replace("#quot;", '"').replace("**", "")
    return " ".join(label.split())


# ------------------------------------------------------------ matching and grading


@dataclass(frozen=True)
class SketchGrade:
    score: float
    found: list[dict]
    missing: list[dict]
    misordered: list[dict]
    matches: dict[int, tuple[str, ...]]  # node index -> component ids it was read as

    def to_json(self) -> dict:
        return {"score": round(self.score, 4), "found": self.found, "missing": self.missing,
                "misordered": self.misordered}


def _names(architecture: "Architecture", with_labels: bool = True) -> list[tuple[int, str, tuple[str, ...]]]:
    """(-length, component id, terms) for every name (and label), longest first."""
    from mlsd.grader.text import phrase_terms

    entries = []
    for component in architecture.components:
        for name in ([component.label] if with_labels else []) + list(component.names):
            terms = phrase_terms(name)
            if terms:
                entries.append((-len(terms), component.id, terms))
    entries.sort(key=lambda e: e[0])
    return entries


def match_nodes(architecture: "Architecture", sketch: Sketch, with_labels: bool = True) -> dict[int, tuple[str, ...]]:
    """Node index -> the components its label names (longest name first; a term serves one component)."""
    from mlsd.grader.text import phrase_terms

    names = _names(architecture, with_labels)
    matches: dict[int, tuple[str, ...]] = {}
    for index, label in enumerate(sketch.labels):
        terms = set(phrase_terms(label))
        claimed: set[str] = set()
        chosen: list[str] = []
        for _, component_id, name_terms in names:
            if component_id in chosen or not set(name_terms) <= terms or set(name_terms) & claimed:
                continue
            chosen.append(component_id)
            claimed |= set(name_terms)
        if chosen:
            matches[index] = tuple(chosen)
    return matches


def _reachable(successors: dict[int, set[int]], starts: set[int]) -> set[int]:
    seen: set[int] = set()
    stack = list(starts)
    while stack:
        node = stack.pop()
        for nxt in successors.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def grade_sketch(architecture: "Architecture", sketch: Sketch) -> SketchGrade:
    matches = match_nodes(architecture, sketch)
    nodes_of: dict[str, set[int]] = {}
    for index, components in matches.items():
        for component_id in components:
            nodes_of.setdefault(component_id, set()).add(index)
    found: list[dict] = []
    missing: list[dict] = []
    misordered: list[dict] = []
    required = [c for c in architecture.components if not c.optional]
    for component in architecture.components:
        if component.id in nodes_of:
            drawn = ", ".join(sorted({sketch.labels[i] for i in nodes_of[component.id]}))
            found.append({"kind": "component", "id": component.id, "label": component.label, "as": drawn})
        else:
            missing.append({"kind": "component", "id": component.id, "label": component.label,
                            "why": component.why, "optional": component.optional, "detail": "not in the sketch"})
    successors = sketch.successors()
    held = reversed_count = 0
    for flow in architecture.edges:
        a, b = flow.ends
        label = f"{architecture.component(a).label} {'before' if flow.directed else 'with'} " \
                f"{architecture.component(b).label}"
        item = {"kind": "edge", "id": flow.edge, "label": label}
        if a not in nodes_of or b not in nodes_of:
            absent = [architecture.component(x).label for x in (a, b) if x not in nodes_of]
            missing.append({**item, "why": flow.why, "optional": flow.optional,
                            "detail": f"no {' and no '.join(absent)} in the sketch"})
            continue
        forward = bool(_reachable(successors, nodes_of[a]) & nodes_of[b])
        backward = bool(_reachable(successors, nodes_of[b]) & nodes_of[a])
        if forward or (not flow.directed and backward):
            found.append(item)
            held += 0 if flow.optional else 1
        elif backward:
            misordered.append({**item, "why": flow.why, "optional": flow.optional})
            reversed_count += 0 if flow.optional else 1
        else:
            missing.append({**item, "why": flow.why, "optional": flow.optional, "detail": "not connected"})
    required_edges = [f for f in architecture.edges if not f.optional]
    parts = sum(1 for c in required if c.id in nodes_of) / len(required) if required else 1.0
    orders = max(0.0, held - MISORDER_COST * reversed_count) / len(required_edges) if required_edges else 1.0
    return SketchGrade(0.5 * parts + 0.5 * orders, found, missing, misordered, matches)


def is_sketch(architecture: "Architecture", sketch: Sketch | None) -> bool:
    """A Mermaid flowchart always is; arrow lines are when an arrow joins two different components
    (so notes such as '2% pos -> downsample + recalibrate' stay prose)."""
    if sketch is None:
        return False
    if "mermaid" in sketch.kinds:
        return True
    matches = match_nodes(architecture, sketch)
    return any(a in matches and b in matches and set(matches[a]) != set(matches[b]) for a, b in sketch.edges)


def grade_answer_sketch(case: "Case", step_id: str, text: str) -> tuple[Sketch, SketchGrade] | None:
    """The sketch of one answer to `step_id` and its grade, or None when the step has no
    reference architecture or the answer no sketch."""
    architecture = case.architecture
    if architecture is None or architecture.step != step_id or not (text or "").strip():
        return None
    sketch = find_sketch(text)
    if not is_sketch(architecture, sketch):
        return None
    assert sketch is not None
    return sketch, grade_sketch(architecture, sketch)


def blend(rubric: float, sketch: float, reversed_share: float) -> float:
    """The step's score with a sketch: a sketch better than the prose lifts it (to at most
    WEIGHT of the gap), one that only draws part of what the prose says costs nothing (the rubric
    already counts what is missing), and reversed orders cost WEIGHT times their share of the
    required orders, whatever the prose says: drawing ranking before retrieval is a wrong claim."""
    lifted = max(rubric, (1 - WEIGHT) * rubric + WEIGHT * sketch)
    return max(0.0, min(1.0, lifted - WEIGHT * reversed_share))


def apply_sketch(case: "Case", step_id: str, text: str, grade: "Grade") -> "Grade":
    """The grade with the answer's sketch counted: one 'architecture' part in the breakdown,
    notes on what is missing or reversed, and `architecture` for `mlsd grade --json`."""
    if not grade.answered:
        return grade
    graded = grade_answer_sketch(case, step_id, text)
    if graded is None:
        return grade
    from mlsd.grader.core import ScorePart

    _, result = graded
    architecture = case.architecture
    assert architecture is not None
    capped = any(part.label == "cap" for part in grade.breakdown)
    edges = [f for f in architecture.edges if not f.optional]
    reversed_share = sum(1 for m in result.misordered if not m.get("optional")) / len(edges) if edges else 0.0
    score = grade.score if capped else blend(grade.score, result.score, reversed_share)
    required = [c for c in architecture.components if not c.optional]
    got = sum(1 for f in result.found if f["kind"] == "component" and not architecture.component(f["id"]).optional)
    held = sum(1 for f in result.found if f["kind"] == "edge" and f["id"] in {e.edge for e in edges})
    reversed_note = f", {len(result.misordered)} reversed" if result.misordered else ""
    counted = f"counts up to {round(WEIGHT * 100)}%" + (", reversed orders cost" if reversed_share else "")
    detail = (f"sketch {round(result.score * 100)}% ({got} of {len(required)} parts, {held} of {len(edges)} "
              f"orders{reversed_note})" + (", not counted: capped" if capped else f", {counted}"))
    notes = list(grade.notes)
    for item in result.misordered[:MAX_NOTES]:
        notes.append(f"Sketch: reversed order, {item['label']}: {item['why']}")
    for item in [m for m in result.missing if not m.get("optional")][:MAX_NOTES]:
        what = item["label"] if item["kind"] == "component" else f"{item['label']} ({item['detail']})"
        notes.append(f"Sketch: missing {what}: {item['why']}")
    return replace(grade, score=score, notes=notes, breakdown=[*grade.breakdown, ScorePart("architecture", detail, score)],
                   architecture=result.to_json())


def reference_self_check(architecture: "Architecture") -> list[str]:
    """Problems of a reference: a name with no content word, two components with one label, a label
    that its component's names do not read as that component alone, and a sketch of the reference's
    own edges (by label) that does not grade 100%."""
    from mlsd.grader.text import phrase_terms

    problems: list[str] = []
    for component in architecture.components:
        empty = [n for n in component.names if not phrase_terms(n)]
        if empty:
            problems.append(f"component '{component.id}' has names with no content words: {', '.join(empty)}")
    keys = [_node_key(c.label) for c in architecture.components]
    shared = sorted({c.label for c, k in zip(architecture.components, keys) if keys.count(k) > 1})
    if shared:
        return problems + [f"components share a label: {', '.join(shared)}"]
    sketch = Sketch()
    nodes = {c.id: sketch.node(c.label) for c in architecture.components}
    for flow in architecture.edges:
        a, b = flow.ends
        sketch.link(nodes[a], nodes[b])
    matches = match_nodes(architecture, sketch, with_labels=False)  # a label must read as itself by its names
    for component in architecture.components:
        read = matches.get(nodes[component.id], ())
        if read != (component.id,):
            problems.append(f"component '{component.id}': its label '{component.label}' reads as "
                            f"{', '.join(read) or 'nothing'}")
    result = grade_sketch(architecture, sketch)
    if result.score < 0.999:
        problems.append(f"the reference drawn as a sketch grades {result.score:.2f}, not 1.00 "
                        f"(missing: {', '.join(m['id'] for m in result.missing if not m.get('optional')) or '-'}; "
                        f"reversed: {', '.join(m['id'] for m in result.misordered) or '-'})")
    return problems


# ------------------------------------------------------------ Mermaid out


def _mermaid_label(label: str) -> str:
    return '"' + " ".join(label.split()).replace('"', "#quot;") + '"'


def sketch_mermaid(sketch: Sketch, matches: dict[int, tuple[str, ...]] | None = None) -> str:
    """The user's sketch as a Mermaid flowchart; nodes the grader did not recognise are dashed."""
    lines = ["flowchart LR"]
    for index, label in enumerate(sketch.labels):
        lines.append(f"    n{index}[{_mermaid_label(label)}]")
    for a, b in sketch.edges:
        lines.append(f"    n{a} --> n{b}")
    unknown = [f"n{i}" for i in range(len(sketch.labels)) if matches is not None and i not in matches]
    if unknown:
        lines.append("    classDef unknown stroke-dasharray: 4 3")
        lines.append(f"    class {','.join(unknown)} unknown")
    return "\n".join(lines)


def reference_mermaid(architecture: "Architecture") -> str:
    """The reference architecture as a Mermaid flowchart: optional parts and orders dashed."""
    lines = ["flowchart LR"]
    ids = {c.id: f"c{i}" for i, c in enumerate(architecture.components)}
    for component in architecture.components:
        label = component.label + (" (optional)" if component.optional else "")
        lines.append(f"    {ids[component.id]}[{_mermaid_label(label)}]")
    for flow in architecture.edges:
        a, b = flow.ends
        link = "---" if not flow.directed else ("-.->" if flow.optional else "-->")
        lines.append(f"    {ids[a]} {link} {ids[b]}")
    optional = [ids[c.id] for c in architecture.components if c.optional]
    if optional:
        lines.append("    classDef optional stroke-dasharray: 4 3")
        lines.append(f"    class {','.join(optional)} optional")
    return "\n".join(lines)


def export_view(case: "Case | None", step_id: str, text: str) -> dict | None:
    """For exports: the answer's sketch and the reference, as Mermaid, with the sketch's grade."""
    if case is None:
        return None
    graded = grade_answer_sketch(case, step_id, text)
    if graded is None:
        return None
    sketch, result = graded
    assert case.architecture is not None
    return {**result.to_json(), "mermaid": sketch_mermaid(sketch, result.matches),
            "reference": reference_mermaid(case.architecture)}


def reference_view(case: "Case") -> dict | None:
    """For the cheat sheet: the reference architecture as Mermaid, and what each part is for."""
    architecture = case.architecture
    if architecture is None:
        return None
    return {"step": architecture.step, "mermaid": reference_mermaid(architecture),
            "components": [{"id": c.id, "label": c.label, "why": c.why, "optional": c.optional}
                           for c in architecture.components],
            "edges": [{"edge": f.edge, "why": f.why, "optional": f.optional} for f in architecture.edges]}
