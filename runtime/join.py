"""Joins: fire once per key when one event of every part has arrived.

Parts wait per key in arrival order (a second event of the same part and key
waits for the next set; nothing is overwritten). The handler gets the parts in
the declared part order, and the key's parts are removed. A key's pending set
expires ``expiry.after`` seconds after its first part arrived.
"""

from __future__ import annotations

from typing import Any

from .clock import Timer
from .errors import TopologyError
from .topology import JoinSpec


_EMPTY: Any = object()


class JoinPending:
    """The parts that arrived for one key: one slot per part, plus (rarely)
    queues for further events of a part that is already filled."""

    __slots__ = ("key", "slots", "extra", "since", "timer")

    def __init__(self, key: Any, width: int, since: float) -> None:
        self.key = key
        self.slots: list[Any] = [_EMPTY] * width
        self.extra: list[list[Any]] | None = None
        self.since = since
        self.timer: Timer | None = None

    def add(self, index: int, item: Any) -> None:
        if self.slots[index] is _EMPTY:
            self.slots[index] = item
            return
        if self.extra is None:
            self.extra = [[] for _ in self.slots]
        self.extra[index].append(item)

    def complete(self) -> bool:
        return _EMPTY not in self.slots

    def take(self) -> list[Any]:
        """The complete set; refills the slots from the waiting extras."""
        taken = self.slots
        self.slots = [_EMPTY] * len(taken)
        if self.extra is not None:
            for index, waiting in enumerate(self.extra):
                if waiting:
                    self.slots[index] = waiting.pop(0)
        return taken

    def empty(self) -> bool:
        return all(slot is _EMPTY for slot in self.slots)

    def missing(self, names: tuple[str, ...]) -> list[str]:
        return [name for name, slot in zip(names, self.slots) if slot is _EMPTY]

    def held(self) -> list[Any]:
        items = [slot for slot in self.slots if slot is not _EMPTY]
        if self.extra is not None:
            items += [item for waiting in self.extra for item in waiting]
        return items


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
        pending.add(self.index[part], item)
        if not pending.complete():
            return None, created
        complete = pending.take()
        if pending.empty():
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
        return sum(len(pending.held()) for pending in self.pending.values())

    def drain(self) -> list[Any]:
        items = [item for pending in self.pending.values() for item in pending.held()]
        for pending in self.pending.values():
            if pending.timer is not None:
                pending.timer.cancel()
        self.pending.clear()
        return items
