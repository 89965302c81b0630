"""Watches: a predicate over the latest value of each input.

Every arrival updates its input's latest value; while every input has a value
and the predicate holds, each arrival fires the handler with the latest values
in input order. Nothing is consumed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .topology import WatchSpec

_MISSING = object()


class WatchGate:
    def __init__(self, spec: WatchSpec) -> None:
        self.spec = spec
        self.name = spec.name
        self.index = {name: position for position, name in enumerate(spec.inputs)}
        self.latest: list[Any] = [_MISSING] * len(spec.inputs)
        self.predicate: Callable[..., bool] | None = spec.predicate

    def offer(self, name: str, value: Any) -> list[Any] | None:
        """Record a value; the latest values if the watch fires, else None."""
        self.latest[self.index[name]] = value
        for current in self.latest:
            if current is _MISSING:
                return None
        if self.predicate is not None and not self.predicate(*self.latest):
            return None
        return list(self.latest)
