"""Joins: fire once per key when one event of every part has arrived.

Parts wait per key in arrival order (a second event of the same part and key
waits for the next set; nothing is overwritten). The handler gets the parts in
the declared part order, and the key's parts are removed. A key's pending set
expires ``expiry.after`` seconds after its first part arrived.
"""

from __future__ import annotations

from typing import Any

import msgspec

from .clock import Timer
from .errors import TopologyError
from .topology import JoinSpec


EMPTY_SLOT: Any = object()
"""Marks a part slot no event has filled yet."""


class JoinPending(msgspec.Struct, gc=False):
    """The parts that arrived for one key: one slot per part, plus (rarely)
    queues for further events of a part that is already filled.

    One is built per key on the hot path and many are held at once: a msgspec
    struct builds about twice as fast as a ``__slots__`` class, and without GC
    tracking the collector does not rescan every held set. Untracked is safe
    because it holds only the key and envelopes, nothing that leads back to it
    (which is why its expiry timer lives in ``JoinGate.timers``, not here)."""

    key: Any
    slots: list[Any]
    since: float
    extra: list[list[Any]] | None = None

    def add(self, index: int, item: Any) -> None:
        if self.slots[index] is EMPTY_SLOT:
            self.slots[index] = item
            return
        if self.extra is None:
            self.extra = [[] for _ in self.slots]
        self.extra[index].append(item)

    def complete(self) -> bool:
        return EMPTY_SLOT not in self.slots

    def take(self) -> list[Any]:
        """The complete set; refills the slots from the waiting extras."""
        taken = self.slots
        self.slots = [EMPTY_SLOT] * len(taken)
        if self.extra is not None:
            for index, waiting in enumerate(self.extra):
                if waiting:
                    self.slots[index] = waiting.pop(0)
        return taken

    def empty(self) -> bool:
        return all(slot is EMPTY_SLOT for slot in self.slots)

    def missing(self, names: tuple[str, ...]) -> list[str]:
        return [name for name, slot in zip(names, self.slots) if slot is EMPTY_SLOT]

    def held(self) -> list[Any]:
        items = [slot for slot in self.slots if slot is not EMPTY_SLOT]
        if self.extra is not None:
            items += [item for waiting in self.extra for item in waiting]
        return items


def new_pending(key: Any, width: int, since: float) -> JoinPending:
    """An empty pending set for ``key`` with ``width`` part slots."""
    return JoinPending(key, [EMPTY_SLOT] * width, since)


class JoinGate:
    def __init__(self, spec: JoinSpec, actor: str) -> None:
        if len(set(spec.parts)) != len(spec.parts):
            raise TopologyError(f"actor {actor}: join {spec.name} names a part twice")
        self.spec = spec
        self.name = spec.name
        self.index = {name: position for position, name in enumerate(spec.parts)}
        self.pending: dict[Any, JoinPending] = {}
        self.timers: dict[Any, Timer] = {}
        """Expiry timer of the pending set of each key (joins with an expiry only)."""

    def offer(self, part: str, key: Any, item: Any, now: float) -> tuple[list[Any] | None, JoinPending | None]:
        """Add one part. Returns (the complete set in part order or None,
        the pending set if it was just created and needs an expiry timer)."""
        pending = self.pending.get(key)
        created = None
        if pending is None:
            pending = self.pending[key] = new_pending(key, len(self.spec.parts), now)
            created = pending
        pending.add(self.index[part], item)
        if not pending.complete():
            return None, created
        complete = pending.take()
        if pending.empty():
            del self.pending[key]
            self.cancel_timer(key)
            return complete, None
        # Leftovers start a new pending set for the same key.
        pending.since = now
        self.cancel_timer(key)
        return complete, pending

    def cancel_timer(self, key: Any) -> None:
        timer = self.timers.pop(key, None)
        if timer is not None:
            timer.cancel()

    def expire(self, pending: JoinPending) -> bool:
        """Remove an expired pending set; False if it already completed."""
        if self.pending.get(pending.key) is not pending:
            return False
        del self.pending[pending.key]
        self.timers.pop(pending.key, None)  # the one that fired (or a later one, which then finds nothing)
        return True

    def held_count(self) -> int:
        return sum(len(pending.held()) for pending in self.pending.values())

    def drain(self) -> list[Any]:
        items = [item for pending in self.pending.values() for item in pending.held()]
        for timer in self.timers.values():
            timer.cancel()
        self.timers.clear()
        self.pending.clear()
        return items
