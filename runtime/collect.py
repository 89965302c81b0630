"""Collects: gather items by key until a list event names them all.

Items are stored by their key field. A list event names the keys it wants; when
every one is present (at once, or as items arrive) the handler fires once with
the items in the order the list names them. Items used by a fired list are
removed unless another pending list still wants them. A pending list expires
``expiry.after`` seconds after it arrived, reporting which keys are missing.
Stored items are bounded (``limit``); the oldest overflow is dead-lettered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .clock import Timer
from .topology import CollectSpec

ITEM_LIMIT = 100_000


class PendingList:
    __slots__ = ("item", "wanted", "missing", "timer")

    def __init__(self, item: Any, wanted: list[Any], missing: set[Any]) -> None:
        self.item = item
        self.wanted = wanted
        self.missing = missing
        self.timer: Timer | None = None


class CollectGate:
    def __init__(self, spec: CollectSpec, limit: int = ITEM_LIMIT) -> None:
        self.spec = spec
        self.name = spec.name
        self.limit = limit
        self.items: dict[Any, Any] = {}
        self.lists: list[PendingList] = []

    def add_item(self, key: Any, item: Any) -> tuple[list[PendingList], list[Any]]:
        """Store an item. Returns (lists now complete, in arrival order;
        items evicted by the bound or replaced by this one, to dead-letter)."""
        evicted = []
        if key in self.items:
            evicted.append(self.items.pop(key))
        self.items[key] = item
        while len(self.items) > self.limit:
            oldest = next(iter(self.items))
            evicted.append(self.items.pop(oldest))
        complete = []
        for pending in self.lists:
            if key in pending.missing:
                pending.missing.discard(key)
                if not pending.missing:
                    complete.append(pending)
        return complete, evicted

    def add_list(self, item: Any, wanted: list[Any]) -> PendingList:
        pending = PendingList(item, wanted, {key for key in wanted if key not in self.items})
        if pending.missing:
            self.lists.append(pending)
        return pending

    def take(self, pending: PendingList) -> list[Any]:
        """The items of a complete list in list order; removes the list and the
        items that no other pending list wants."""
        if pending in self.lists:
            self.lists.remove(pending)
        if pending.timer is not None:
            pending.timer.cancel()
        items = [self.items[key] for key in pending.wanted]
        still_wanted = {key for other in self.lists for key in other.wanted}
        for key in pending.wanted:
            if key not in still_wanted:
                self.items.pop(key, None)
        return items

    def expire(self, pending: PendingList) -> bool:
        if pending not in self.lists:
            return False
        self.lists.remove(pending)
        return True

    def discard(self, where: Callable[[Any], bool], value_of: Callable[[Any], Any]) -> int:
        """Drop stored items for which ``where(value_of(item))`` holds; returns how many."""
        doomed = [key for key, item in self.items.items() if where(value_of(item))]
        for key in doomed:
            del self.items[key]
        for pending in self.lists:
            pending.missing.update(key for key in doomed if key in pending.wanted)
        return len(doomed)

    def held_count(self) -> int:
        return len(self.items) + len(self.lists)

    def drain(self) -> list[Any]:
        items = list(self.items.values()) + [pending.item for pending in self.lists]
        for pending in self.lists:
            if pending.timer is not None:
                pending.timer.cancel()
        self.items.clear()
        self.lists.clear()
        return items
