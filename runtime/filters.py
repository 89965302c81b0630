"""Filters: the first gate. An event failing any rule never reaches the actor."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .envelope import Envelope
from .topology import Filter

Check = Callable[[Envelope], str | None]
Pass = Callable[[Envelope], bool]


def compile_filters(filters: Sequence[Filter]) -> Check | None:
    """One check for all rules on an event: returns None to pass, or the text of
    the first rule that failed (for counters and logs)."""
    if not filters:
        return None
    rules: list[tuple[frozenset[str], frozenset[str], Callable[[Any], bool] | None, str]] = []
    for rule in filters:
        text = rule.text or _describe(rule)
        rules.append((frozenset(rule.only_from), frozenset(rule.not_from), rule.predicate, text))

    def check(envelope: Envelope) -> str | None:
        source = envelope.source
        for only, never, predicate, text in rules:
            if only and source not in only:
                return text
            if source in never:
                return text
            if predicate is not None and not predicate(envelope.event):
                return text
        return None

    return check


def compile_pass(filters: Sequence[Filter]) -> Pass | None:
    """The same rules as one boolean test, specialised for the common shapes
    (the hot path); ``compile_filters`` names the failing rule afterwards."""
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


def _describe(rule: Filter) -> str:
    parts = []
    if rule.only_from:
        parts.append("only from " + ", ".join(rule.only_from))
    if rule.not_from:
        parts.append("not from " + ", ".join(rule.not_from))
    if rule.predicate is not None:
        parts.append("where <predicate>")
    return f"filter {rule.event} " + " ".join(parts)
