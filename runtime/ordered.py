"""The ordered gate: events carrying a sequence field pass in sequence order.

An event whose sequence equals the current one passes; a later one is held
(sorted by sequence, stable among equals) until the sequence catches up; an
earlier one is stale and follows the declared policy. In ``auto`` mode passing
an event moves the current sequence to ``seq + 1``; in ``manual`` mode only
``ctx.advance(n)`` moves it.
"""

from __future__ import annotations

import heapq
import itertools
from typing import Any

from .topology import OrderedSpec


class OrderedGate:
    def __init__(self, spec: OrderedSpec) -> None:
        self.spec = spec
        self.field = spec.field
        self.auto = spec.advance == "auto"
        self.current = spec.start
        self._held: list[tuple[int, int, Any]] = []
        self._arrival = itertools.count()

    def __len__(self) -> int:
        return len(self._held)

    def full(self) -> bool:
        return len(self._held) >= self.spec.held_limit

    def hold(self, sequence: int, item: Any) -> None:
        heapq.heappush(self._held, (sequence, next(self._arrival), item))

    def passed(self, sequence: int) -> None:
        """Record that the event with ``sequence`` went through (auto mode advances)."""
        if self.auto and sequence >= self.current:
            self.current = sequence + 1

    def advance(self, sequence: int) -> None:
        self.current = sequence

    def releasable(self) -> bool:
        return bool(self._held) and self._held[0][0] <= self.current

    def pop(self) -> tuple[int, Any]:
        sequence, _, item = heapq.heappop(self._held)
        return sequence, item

    def drain(self) -> list[Any]:
        items = [entry[2] for entry in sorted(self._held)]
        self._held.clear()
        return items
