"""Name indexes over a spec, shared by every check pass.

The first declaration of a name wins; duplicates are reported by the
declarations pass, and later passes look names up here without caring.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import model as m
from ..diagnostics import DiagnosticSink, did_you_mean


@dataclass
class Scope:
    spec: m.Spec
    sink: DiagnosticSink
    events: dict[str, m.EventDecl] = field(default_factory=dict)
    aliases: dict[str, m.RenameDecl] = field(default_factory=dict)
    actors: dict[str, m.ActorDecl] = field(default_factory=dict)
    _fields: dict[str, dict[str, m.FieldDecl]] = field(default_factory=dict)

    @classmethod
    def build(cls, spec: m.Spec, sink: DiagnosticSink) -> Scope:
        scope = cls(spec, sink)
        for event in spec.events:
            scope.events.setdefault(event.name.text, event)
        for rename in spec.renames:
            scope.aliases.setdefault(rename.alias.text, rename)
        for actor in spec.actors:
            scope.actors.setdefault(actor.name.text, actor)
        return scope

    def fields(self, event: str) -> dict[str, m.FieldDecl]:
        """The fields of ``event`` by name (first declaration wins; empty if unknown)."""
        found = self._fields.get(event)
        if found is None:
            found = {}
            decl = self.events.get(event)
            for f in decl.fields if decl is not None else ():
                found.setdefault(f.name.text, f)
            self._fields[event] = found
        return found

    # ---- lookups that report -------------------------------------------------

    def require_event(self, name: m.Name, role: str = "event") -> m.EventDecl | None:
        """The event called ``name``, or None after reporting E101."""
        decl = self.events.get(name.text)
        if decl is not None:
            return decl
        rename = self.aliases.get(name.text)
        hint: str | None
        if rename is not None:
            hint = f"`{name.text}` is a rename of `{rename.target.text}`; use `{rename.target.text}`"
        elif name.text in self.actors:
            hint = f"`{name.text}` is an actor, not an event"
        else:
            hint = did_you_mean(name.text, self.events)
        self.sink.error("E101", f"unknown {role} `{name.text}`", name.span, hint)
        return None

    def require_actor(self, name: m.Name) -> m.ActorDecl | None:
        decl = self.actors.get(name.text)
        if decl is None:
            hint = (
                f"`{name.text}` is an event, not an actor"
                if name.text in self.events
                else did_you_mean(name.text, self.actors)
            )
            self.sink.error("E102", f"unknown actor `{name.text}`", name.span, hint)
        return decl

    def require_field(self, event: str, name: m.Name) -> m.FieldDecl | None:
        """Field ``name`` of ``event`` (which must exist), or None after E103."""
        fields = self.fields(event)
        found = fields.get(name.text)
        if found is None:
            self.sink.error(
                "E103",
                f"event `{event}` has no field `{name.text}`",
                name.span,
                did_you_mean(name.text, fields),
            )
        return found


def type_text(t: m.TypeRef | None) -> str:
    """A type as written in the spec: ``list[str]?``."""
    if t is None:
        return "?"
    if t.kind == "list":
        return f"list[{type_text(t.item)}]"
    if t.kind == "optional":
        return f"{type_text(t.item)}?"
    return t.name or "?"


def same_type(a: m.TypeRef | None, b: m.TypeRef | None) -> bool:
    return type_text(a) == type_text(b)


def consumed(actor: m.ActorDecl) -> dict[str, m.Name]:
    """Events in the actor's ``consumes`` clauses (first mention)."""
    found: dict[str, m.Name] = {}
    for i in actor.inputs:
        found.setdefault(i.event.text, i.event)
    return found


def part_events(actor: m.ActorDecl) -> set[str]:
    """Events feeding a join, collect or watch: these get no handler of their own."""
    parts: set[str] = set()
    for join in actor.joins:
        parts.update(p.text for p in join.parts)
    for collect in actor.collects:
        parts.update((collect.item.text, collect.until.text))
    for watch in actor.watches:
        parts.update(i.text for i in watch.inputs)
    return parts


def machine_inputs(actor: m.ActorDecl) -> dict[str, m.Name]:
    """What a state machine can gate and move on: consumed events, joins,
    collects and watches, by name."""
    found = consumed(actor)
    for group in (actor.joins, actor.collects, actor.watches):
        for item in group:
            found.setdefault(item.name.text, item.name)
    return found
