"""A topology as an edge list: who sends what to whom (like Kafka Streams'
``Topology.describe()``). The compiler draws DOT/Mermaid; this is the runtime's
own, dependency-free view, handy in logs and tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .topology import ActorSpec, Topology

EXTERNAL = "(external)"

EdgeKind = Literal["consumes", "latest", "join", "collect", "watch", "calls"]


@dataclass(frozen=True, order=True)
class Edge:
    source: str
    """Producing actor, or ``(external)`` for events no actor emits."""
    target: str
    event: str
    """Event name carried (for ``calls``: ``method``)."""
    kind: EdgeKind
    via: str = ""
    """The join, collect or watch the event feeds, if any."""

    def __str__(self) -> str:
        label = self.event if not self.via else f"{self.event} ({self.kind} {self.via})"
        if self.kind in ("latest", "calls"):
            label = f"{self.event} ({self.kind})"
        return f"{self.source} -> {self.target} [{label}]"


def _uses(actor: ActorSpec) -> list[tuple[str, EdgeKind, str]]:
    latest = {item.event for item in actor.inputs if item.latest}
    uses: list[tuple[str, EdgeKind, str]] = []
    for item in actor.inputs:
        if item.handler is not None or not _composite(actor, item.event):
            uses.append((item.event, "latest" if item.event in latest else "consumes", ""))
    for join in actor.joins:
        uses += [(part, "join", join.name) for part in join.parts]
    for collect in actor.collects:
        uses += [(collect.item, "collect", collect.name), (collect.until, "collect", collect.name)]
    for watch in actor.watches:
        uses += [(name, "watch", watch.name) for name in watch.inputs]
    return uses


def _composite(actor: ActorSpec, event: str) -> bool:
    return (
        any(event in join.parts for join in actor.joins)
        or any(event in (c.item, c.until) for c in actor.collects)
        or any(event in watch.inputs for watch in actor.watches)
    )


def describe(topology: Topology) -> list[Edge]:
    """Every edge, sorted: producer -> consumer for each event, and caller ->
    callee for each declared call."""
    producers: dict[str, list[str]] = {}
    for actor in topology.actors:
        for name in actor.emits:
            producers.setdefault(name, []).append(actor.name)
    edges: set[Edge] = set()
    for actor in topology.actors:
        for event, kind, via in _uses(actor):
            for producer in producers.get(event, [EXTERNAL]):
                edges.add(Edge(producer, actor.name, event, kind, via))
        for call in actor.calls:
            edges.add(Edge(actor.name, call.actor, call.method, "calls"))
    return sorted(edges)
