"""Event flow across actors: who produces what somebody consumes, and the reverse."""

from __future__ import annotations

from .. import model as m
from .scope import Scope


def check_flow(scope: Scope) -> None:
    spec = scope.spec
    produced: set[str] = {e.name.text for e in spec.events if e.external}
    produced |= {r.target.text for r in spec.renames}
    consumers: set[str] = set()
    used: set[str] = set()
    for actor in spec.actors:
        produced |= {e.text for e in actor.emits}
        produced |= {x.emit.text for x in _expiries(actor) if x.emit is not None}
        consumers |= {i.event.text for i in actor.inputs}
        used |= {s.request.text for s in actor.services} | {s.reply.text for s in actor.services}
    for event in spec.events:
        used |= _referenced_types(event)

    reported: set[str] = set()
    for actor in spec.actors:
        for i in actor.inputs:
            name = i.event.text
            if name in scope.events and name not in produced and name not in reported:
                reported.add(name)
                scope.sink.error(
                    "E130",
                    f"`{name}` is consumed but no actor emits it",
                    i.event.span,
                    f"declare it `external event {name}` if it comes from outside, "
                    "or add it to an actor's `emits`",
                )
    for actor in spec.actors:
        for e in actor.emits:
            if e.text in scope.events and e.text not in consumers and e.text not in reported:
                reported.add(e.text)
                scope.sink.warning(
                    "W130",
                    f"`{e.text}` is emitted but no actor consumes it",
                    e.span,
                    "fine if a system outside this spec reads it",
                )
    mentioned = consumers | produced | used | {b.event.text for b in spec.buffers}
    for event in spec.events:
        if event.name.text not in mentioned:
            scope.sink.warning("W131", f"event `{event.name.text}` is never used", event.name.span)


def _expiries(actor: m.ActorDecl) -> list[m.ExpiryDecl]:
    found = [j.expiry for j in actor.joins if j.expiry is not None]
    found += [c.expiry for c in actor.collects if c.expiry is not None]
    return found


def _referenced_types(event: m.EventDecl) -> set[str]:
    names: set[str] = set()
    for f in event.fields:
        t: m.TypeRef | None = f.type
        while t is not None:
            if t.kind == "event" and t.name is not None:
                names.add(t.name)
            t = t.item
    return names
