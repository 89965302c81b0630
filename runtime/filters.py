"""Filters: the first gate. An event failing any rule never reaches the actor."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .envelope import Envelope
from .topology import Filter

Pass = Callable[[Envelope], bool]


def compile_pass(filters: Sequence[Filter]) -> Pass | None:
    """All rules on one event as one boolean test (every rule must pass),
    specialised for the common shapes: this runs for every event."""
    if not filters:
        return None
    only = frozenset.intersection(*[frozenset(r.only_from) for r in filters if r.only_from] or [frozenset()])
    has_only = any(r.only_from for r in filters)
    never = frozenset().union(*[frozenset(r.not_from) for r in filters])
    predicates = tuple(r.predicate for r in filters if r.predicate is not None)
    if not has_only and not never and len(predicates) == 1:
        predicate = predicates[0]
        return lambda envelope: bool(predicate(envelope.event))
    if not predicates:
        if has_only:
            return lambda envelope: envelope.source in only and envelope.source not in never
        return lambda envelope: envelope.source not in never

    def passes(envelope: Envelope) -> bool:
        source = envelope.source
        if has_only and source not in only:
            return False
        if source in never:
            return False
        event = envelope.event
        for predicate in predicates:
            if not predicate(event):
                return False
        return True

    return passes
