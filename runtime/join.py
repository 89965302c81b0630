"""Joins: fire once per key when one event of every part has arrived.

Parts wait per key in arrival order (a second event of the same part and key
waits for the next set; nothing is overwritten). The handler gets the parts in
the declared part order, and the key's parts are removed. A key's pending set
expires ``expiry.after`` seconds after its first part arrived.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from .clock import Timer
from .errors import TopologyError
from .topology import JoinSpec


class JoinPending:
    __slots__ = ("key", "parts", "since", "timer")

    def __init__(self, key: Any, width: int, since: float) -> None:
        self.key = key
        self.parts: list[deque[Any]] = [deque() for _ in range(width)]
        self.since = since
        self.timer: Timer | None = None

    def missing(self, names: tuple[str, ...]) -> list[str]:
        return [name for name, queue in zip(names, self.parts) if not queue]

    def held(self) -> list[Any]:
        return [item for queue in self.parts for item in queue]


class JoinGate:
    def __init__(self, spec: JoinSpec, actor: str) -> None:
        if len(set(spec.parts)) != len(spec.parts):
            raise TopologyError(f"actor {actor}: join {spec.name} names a part twice")
        self.spec = spec
        self.name = spec.name
        self.index = {name: position for position, name in enumerate(spec.parts)}
        self.pending: dict[Any, JoinPending] = {}

    def offer(self, part: str, key: Any, item: Any, now: float) -> tuple[list[Any] | None, JoinPending | None]:
        """Add one part. Returns (the complete set in part order or None,
        the pending set if it was just created and needs an expiry timer)."""
        pending = self.pending.get(key)
        created = None
        if pending is None:
            pending = self.pending[key] = JoinPending(key, len(self.spec.parts), now)
            created = pending
        pending.parts[self.index[part]].append(item)
        for queue in pending.parts:
            if not queue:
                return None, created
        complete = [queue.popleft() for queue in pending.parts]
        if not any(pending.parts):
            del self.pending[key]
            if pending.timer is not None:
                pending.timer.cancel()
            return complete, None
        # Leftovers start a new pending set for the same key.
        pending.since = now
        if pending.timer is not None:
            pending.timer.cancel()
            pending.timer = None
        return complete, pending

    def expire(self, pending: JoinPending) -> bool:
        """Remove an expired pending set; False if it already completed."""
        if self.pending.get(pending.key) is not pending:
            return False
        del self.pending[pending.key]
        return True

    def held_count(self) -> int:
        return sum(len(queue) for pending in self.pending.values() for queue in pending.parts)

    def drain(self) -> list[Any]:
        items = [item for pending in self.pending.values() for item in pending.held()]
        for pending in self.pending.values():
            if pending.timer is not None:
                pending.timer.cancel()
        self.pending.clear()
        return items
