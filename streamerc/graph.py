"""Diagrams of a checked spec: the topology, then each state machine alone.

The topology shows actors (boxes), events (ellipses), joins / collects / watches
(diamonds between their parts and their actor), emitted and consumed edges,
service calls, renames, and deploy processes as clusters. Both formats come
from one language-neutral ``Diagram`` so they always show the same things.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import model as m
from .predicates import spec_text

FORMATS = ("dot", "mermaid")


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    shape: str
    """``box`` (actor), ``ellipse`` (event), ``diamond`` (join, collect, watch),
    ``state``, ``final`` (final state), ``start`` (initial marker)."""


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str = ""
    style: str = "solid"
    """``solid``, ``dashed`` (expiry, latest value, rename), ``dotted`` (calls)."""


@dataclass
class Diagram:
    title: str
    kind: str
    """``topology`` or ``machine``."""
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    clusters: list[tuple[str, list[str]]] = field(default_factory=list)
    """(label, node ids) of deploy processes."""

    def add_node(self, node: Node) -> None:
        if all(existing.id != node.id for existing in self.nodes):
            self.nodes.append(node)


def diagrams(spec: m.Spec) -> list[Diagram]:
    """The topology diagram followed by one diagram per state machine."""
    result = [_topology(spec)]
    for actor in spec.actors:
        if actor.machine is not None:
            result.append(_machine(actor.name.text, actor.machine))
    return result


def _actor_id(name: str) -> str:
    return f"actor_{name}"


def _event_id(name: str) -> str:
    return f"event_{name}"


def _topology(spec: m.Spec) -> Diagram:
    diagram = Diagram(title=spec.module.text, kind="topology")
    for event in spec.events:
        diagram.add_node(Node(_event_id(event.name.text), event.name.text, "ellipse"))
    for rename in spec.renames:
        alias = rename.alias.text
        diagram.add_node(Node(_event_id(alias), alias, "ellipse"))
        diagram.edges.append(Edge(_event_id(alias), _event_id(rename.target.text), "rename", "dashed"))
    for actor in spec.actors:
        _actor(diagram, actor)
    if spec.deploy is not None:
        for process in spec.deploy.processes:
            label = f"process {process.name.text}"
            if process.replicas != 1:
                label += f" x{process.replicas}"
            if process.exactly_once:
                label += " exactly_once"
            diagram.clusters.append((label, [_actor_id(p.actor.text) for p in process.placements]))
    return diagram


def _actor(diagram: Diagram, actor: m.ActorDecl) -> None:
    name = actor.name.text
    actor_id = _actor_id(name)
    label = name if actor.workers == 1 else f"{name} ({actor.workers} workers)"
    for service in actor.services:
        label += f"\nservice {service.method.text}({service.request.text}) -> {service.reply.text}"
    if actor.ordered is not None:
        label += f"\nordered by {actor.ordered.field.text}"
    diagram.add_node(Node(actor_id, label, "box"))
    parts: set[str] = set()
    for join in actor.joins:
        node_id = f"join_{name}_{join.name.text}"
        key = f" by {join.key.text}" if join.key is not None else ""
        diagram.add_node(Node(node_id, f"join {join.name.text}{key}", "diamond"))
        for part in join.parts:
            parts.add(part.text)
            diagram.edges.append(Edge(_event_id(part.text), node_id))
        diagram.edges.append(Edge(node_id, actor_id))
        _expiry(diagram, node_id, join.expiry)
    for collect in actor.collects:
        node_id = f"collect_{name}_{collect.name.text}"
        diagram.add_node(Node(node_id, f"collect {collect.name.text}", "diamond"))
        parts.update((collect.item.text, collect.until.text))
        diagram.edges.append(Edge(_event_id(collect.item.text), node_id, f"items by {collect.item_key.text}"))
        diagram.edges.append(Edge(_event_id(collect.until.text), node_id, f"until {collect.list_field.text}"))
        diagram.edges.append(Edge(node_id, actor_id))
        _expiry(diagram, node_id, collect.expiry)
    for watch in actor.watches:
        node_id = f"watch_{name}_{watch.name.text}"
        diagram.add_node(Node(node_id, f"watch {watch.name.text}", "diamond"))
        for item in watch.inputs:
            parts.add(item.text)
            diagram.edges.append(Edge(_event_id(item.text), node_id, "latest", "dashed"))
        label = f"when {spec_text(watch.condition)}" if watch.condition is not None else ""
        diagram.edges.append(Edge(node_id, actor_id, label))
    filters: dict[str, list[str]] = {}
    for rule in actor.filters:
        filters.setdefault(rule.event.text, []).append(_filter_text(rule))
    for consumed in actor.inputs:
        event = consumed.event.text
        if event in parts:
            continue
        style = "dashed" if consumed.latest else "solid"
        labels = (["latest"] if consumed.latest else []) + filters.get(event, [])
        diagram.edges.append(Edge(_event_id(event), actor_id, "; ".join(labels), style))
    for emitted in actor.emits:
        diagram.edges.append(Edge(actor_id, _event_id(emitted.text)))
    for call in actor.calls:
        diagram.edges.append(
            Edge(actor_id, _actor_id(call.actor.text), f"calls {call.method.text}", "dotted")
        )


def _filter_text(decl: m.FilterDecl) -> str:
    if decl.kind == "only_from":
        return "only from " + ", ".join(a.text for a in decl.actors)
    if decl.kind == "not_from":
        return "not from " + ", ".join(a.text for a in decl.actors)
    return "where " + (spec_text(decl.predicate) if decl.predicate is not None else "")


def _expiry(diagram: Diagram, node_id: str, expiry: m.ExpiryDecl | None) -> None:
    if expiry is not None and expiry.action == "emit" and expiry.emit is not None:
        diagram.edges.append(
            Edge(node_id, _event_id(expiry.emit.text), f"expire {expiry.after:g}s", "dashed")
        )


def _machine(actor: str, machine: m.MachineDecl) -> Diagram:
    diagram = Diagram(title=f"{actor} states", kind="machine")
    start = "start"
    diagram.add_node(Node(start, "", "start"))
    for state in machine.states:
        rules = []
        if state.accepts:
            rules.append("accept " + ", ".join(n.text for n in state.accepts))
        if state.defers:
            rules.append("defer " + ", ".join(n.text for n in state.defers))
        if state.rejects:
            rules.append("reject " + ", ".join(n.text for n in state.rejects))
        label = state.name.text + ("\n" + "\n".join(rules) if rules else "")
        diagram.add_node(Node(f"state_{state.name.text}", label, "final" if state.final else "state"))
        if state.initial:
            diagram.edges.append(Edge(start, f"state_{state.name.text}"))
    for transition in machine.transitions:
        label = f"on {transition.on.text}" if transition.on is not None else "goto"
        diagram.edges.append(
            Edge(f"state_{transition.source.text}", f"state_{transition.target.text}", label)
        )
    return diagram


# ---- formats --------------------------------------------------------------------


def render_graph(spec: m.Spec, format_: str) -> str:
    """All diagrams of ``spec`` in ``format_`` (``dot`` or ``mermaid``)."""
    if format_ == "dot":
        return "\n".join(_dot(diagram) for diagram in diagrams(spec))
    if format_ == "mermaid":
        return "\n".join(_mermaid(diagram) for diagram in diagrams(spec))
    raise ValueError(f"unknown graph format {format_!r}")


_DOT_SHAPES = {
    "box": "shape=box, style=rounded",
    "ellipse": "shape=ellipse",
    "diamond": "shape=diamond",
    "state": "shape=box, style=rounded",
    "final": "shape=box, style=rounded, peripheries=2",
    "start": "shape=point",
}
_DOT_STYLES = {"solid": "", "dashed": "style=dashed", "dotted": "style=dotted"}


def _dot_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _dot(diagram: Diagram) -> str:
    lines = [f"digraph {_dot_string(diagram.title)} {{", "    rankdir=LR;"]
    clustered = {node_id for _, members in diagram.clusters for node_id in members}
    nodes = {node.id: node for node in diagram.nodes}

    def node_line(node: Node, indent: str) -> str:
        return f"{indent}{_dot_string(node.id)} [label={_dot_string(node.label)}, {_DOT_SHAPES[node.shape]}];"

    for index, (label, members) in enumerate(diagram.clusters):
        lines.append(f"    subgraph cluster_{index} {{")
        lines.append(f"        label={_dot_string(label)};")
        for member in members:
            if member in nodes:
                lines.append(node_line(nodes[member], "        "))
        lines.append("    }")
    for node in diagram.nodes:
        if node.id not in clustered:
            lines.append(node_line(node, "    "))
    for edge in diagram.edges:
        attributes = [f"label={_dot_string(edge.label)}"] if edge.label else []
        if _DOT_STYLES[edge.style]:
            attributes.append(_DOT_STYLES[edge.style])
        suffix = f" [{', '.join(attributes)}]" if attributes else ""
        lines.append(f"    {_dot_string(edge.source)} -> {_dot_string(edge.target)}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_string(text: str) -> str:
    escaped = text.replace("&", "#amp;").replace('"', "#quot;").replace("\n", "<br/>")
    return f'"{escaped}"'


_MERMAID_SHAPES = {
    "box": ("(", ")"),
    "ellipse": ("([", "])"),
    "diamond": ("{", "}"),
}
_MERMAID_ARROWS = {"solid": "-->", "dashed": "-.->", "dotted": "-.->"}


def _mermaid(diagram: Diagram) -> str:
    """A fenced Mermaid block, so the output pastes straight into Markdown."""
    if diagram.kind == "machine":
        return _mermaid_machine(diagram)
    lines = ["```mermaid", f"%% {diagram.title}", "flowchart LR"]
    nodes = {node.id: node for node in diagram.nodes}
    clustered = {node_id for _, members in diagram.clusters for node_id in members}

    def node_line(node: Node, indent: str) -> str:
        opening, closing = _MERMAID_SHAPES[node.shape]
        return f"{indent}{node.id}{opening}{_mermaid_string(node.label)}{closing}"

    for index, (label, members) in enumerate(diagram.clusters):
        lines.append(f"    subgraph process_{index} [{_mermaid_string(label)}]")
        for member in members:
            if member in nodes:
                lines.append(node_line(nodes[member], "        "))
        lines.append("    end")
    for node in diagram.nodes:
        if node.id not in clustered:
            lines.append(node_line(node, "    "))
    for edge in diagram.edges:
        arrow = _MERMAID_ARROWS[edge.style]
        label = f"|{_mermaid_string(edge.label)}|" if edge.label else ""
        lines.append(f"    {edge.source} {arrow}{label} {edge.target}")
    lines.append("```")
    return "\n".join(lines) + "\n"


def _mermaid_machine(diagram: Diagram) -> str:
    lines = ["```mermaid", f"%% {diagram.title}", "stateDiagram-v2"]
    names = {node.id: node.label.split("\n")[0] for node in diagram.nodes}
    for node in diagram.nodes:
        if node.shape in ("state", "final"):
            details = node.label.split("\n")[1:]
            lines.append(f"    state {names[node.id]}")
            for detail in details:
                lines.append(f"    {names[node.id]} : {detail}")
    for edge in diagram.edges:
        source = "[*]" if edge.source == "start" else names[edge.source]
        suffix = f" : {edge.label}" if edge.label else ""
        lines.append(f"    {source} --> {names[edge.target]}{suffix}")
    for node in diagram.nodes:
        if node.shape == "final":
            lines.append(f"    {names[node.id]} --> [*]")
    lines.append("```")
    return "\n".join(lines) + "\n"
