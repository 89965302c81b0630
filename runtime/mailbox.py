"""A bounded multi-producer, single-consumer queue: every actor worker owns one.

Hot path: ``put`` appends to a deque and takes a lock only to wake a sleeping
consumer; ``take`` hands the consumer everything queued in one batch. Locks are
taken only when the queue is full, empty, or the item belongs to a tracked lane
(a subscription with its own, tighter bound) or a latest-value slot.

Items are any objects with a ``name`` attribute (envelopes, or the wrapper
items below); the consumer dispatches on that name.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from itertools import repeat, starmap
from typing import Any

from .errors import QueueFullError
from .topology import Overflow

log = logging.getLogger("streamer.mailbox")

_yield = time.sleep

LANE = "$lane"
LATEST = "$latest"


class Lane:
    """A subscription's own bound inside a shared mailbox (from ``buffer X n``)."""

    __slots__ = ("label", "capacity", "overflow", "count", "mailbox")

    def __init__(self, label: str, capacity: int, overflow: Overflow, mailbox: Mailbox) -> None:
        self.label = label
        self.mailbox = mailbox
        self.capacity = max(capacity, 1)
        self.overflow = overflow
        self.count = 0


class LaneItem:
    __slots__ = ("lane", "item")
    name = LANE

    def __init__(self, lane: Lane, item: Any) -> None:
        self.lane = lane
        self.item = item


class LatestSlot:
    """A one-slot latest-value subscription: keeps the newest value, suppresses
    a value equal to the previous one. Queued at most once at a time."""

    __slots__ = ("label", "item", "pending", "last", "suppressed", "replaced", "mailbox")
    name = LATEST

    def __init__(self, label: str, mailbox: Mailbox) -> None:
        self.label = label
        self.mailbox = mailbox
        self.item: Any = None
        self.pending = False
        self.last: Any = None
        self.suppressed = 0
        self.replaced = 0


class Mailbox:
    __slots__ = (
        "label",
        "capacity",
        "overflow",
        "shed",
        "taken",
        "_on_shed",
        "_items",
        "items",
        "_control",
        "_lock",
        "_bell",
        "_not_full",
        "consumer_waiting",
        "_producers_waiting",
        "_draining",
        "closed",
        "_ready",
        "_streaming",
        "__weakref__",
    )

    def __init__(
        self,
        label: str,
        capacity: int,
        overflow: Overflow,
        on_shed: Callable[[Any, str], None] | None = None,
    ) -> None:
        self.label = label
        self.capacity = max(capacity, 1)
        self.overflow = overflow
        self.shed = 0
        self.taken = 0  # items handed to the consumer so far (written by the consumer only)
        self._on_shed = on_shed
        self._items: deque[Any] = deque()
        self.items = self._items
        """The queue itself, for a publisher's inlined fast path (see ``queue``)."""
        self._control: deque[Any] = deque()
        """Runtime tasks (timers, replies, service calls): outside the bound, never shed."""
        self._lock = threading.Lock()
        self._bell = threading.Lock()
        """The sleeping consumer's doorbell: held while nobody rang. Cheaper than a
        Condition (no waiter lock per wait, no Python-level notify)."""
        self._bell.acquire()
        self._not_full = threading.Condition(self._lock)
        self.consumer_waiting = False
        self._producers_waiting = 0
        self._draining = False
        self.closed = False
        self._streaming = False
        """The last batch held events: a producer is likely still publishing."""

    def __len__(self) -> int:
        return len(self._items) + len(self._control)

    # ---- producers -------------------------------------------------------

    def put(self, item: Any) -> bool:
        """Queue an item under the mailbox's policy; False if it was shed.

        Concurrent producers may overshoot the capacity by at most one item each
        (the length check and the append are not one atomic step)."""
        items = self._items
        if len(items) < self.capacity and not self.closed:
            items.append(item)
            if self.consumer_waiting:
                self._wake()
            return True
        with self._lock:
            if not self._make_room(None):
                self._shed(item, "mailbox closed" if self.closed else "mailbox full")
                return False
            items.append(item)
            self._notify_consumer()
            return True

    @property
    def queue(self) -> deque[Any]:
        """The queue itself, for a publisher's inlined fast path: append only
        while ``len(queue) < capacity and not closed``, then ``wake()`` if
        ``consumer_waiting``; otherwise call ``put``."""
        return self._items

    def wake(self) -> None:
        self._wake()

    def put_control(self, item: Any) -> bool:
        """Queue a runtime task regardless of capacity (timers, replies); never blocks."""
        with self._lock:
            if self.closed:
                return False
            self._control.append(item)
            self._notify_consumer()
            return True

    def put_lane(self, lane: Lane, item: Any) -> bool:
        with self._lock:
            if not self._make_room(lane):
                self._shed(item, f"buffer of {lane.label} full")
                return False
            lane.count += 1
            self._items.append(LaneItem(lane, item))
            self._notify_consumer()
            return True

    def put_latest(self, slot: LatestSlot, item: Any, value: Any) -> bool:
        """Offer ``item`` (carrying ``value``) to a latest-value slot."""
        with self._lock:
            if slot.last is not None and slot.last == value:
                slot.suppressed += 1
                self._discard(item, "duplicate of the latest value")
                return False
            slot.last = value
            if slot.pending:
                replaced, slot.item = slot.item, item
                slot.replaced += 1
                self._discard(replaced, "superseded by a newer latest value")
                return True
            slot.item = item
            slot.pending = True
        if self.put(slot):
            return True
        with self._lock:
            slot.pending = False
            slot.item = None
        return False

    # ---- consumer --------------------------------------------------------

    def take(self, limit: int = 512) -> list[Any]:
        """Block until items are queued; return up to ``limit`` of them in order.
        An empty list means the mailbox was closed and is empty."""
        items = self._items
        if self._control:
            return self._take_control()
        if not items and self._streaming:
            # Let producers run before sleeping: they usually refill the queue
            # within their time slice, so batches grow and wake-ups stay rare.
            # Only while events stream in: sleep(0) costs tens of microseconds
            # (timer slack), which a request/reply round trip would pay in full.
            self._streaming = False
            _yield(0)
            if self._control:
                return self._take_control()
        if not items:
            with self._lock:
                # The flag is raised before the emptiness check, and producers
                # read it after appending: a wake-up cannot be missed. Producers
                # lower it when they wake us, so one wake-up per sleep suffices.
                self.consumer_waiting = True
                while not items and not self._control and not self.closed:
                    self._sleep()
                    self.consumer_waiting = True
                self.consumer_waiting = False
                if self._control:
                    return self._pop_control()
                if not items:
                    return []
        n = len(items)
        if n > limit:
            n = limit
        # Counted before popping, so an observer that sees an empty queue also
        # sees these items as taken (and, until the worker finishes them, busy).
        self.taken += n
        self._streaming = True
        batch = list(starmap(items.popleft, repeat((), n)))  # the pops without a Python loop
        if self._producers_waiting:
            with self._lock:
                self._not_full.notify_all()
        return batch

    def _take_control(self) -> list[Any]:
        with self._lock:
            return self._pop_control()

    def _pop_control(self) -> list[Any]:
        """All queued tasks (lock held)."""
        batch = list(self._control)
        self.taken += len(batch)
        self._control.clear()
        return batch

    def take_nowait(self) -> Any | None:
        if self._control:
            self.taken += 1
            return self._control.popleft()
        if not self._items:
            return None
        self.taken += 1
        return self._items.popleft()

    def lane_taken(self, lane: Lane) -> None:
        with self._lock:
            lane.count -= 1
            if self._producers_waiting:
                self._not_full.notify_all()

    def latest_taken(self, slot: LatestSlot) -> Any:
        with self._lock:
            item, slot.item = slot.item, None
            slot.pending = False
            return item

    # ---- lifecycle -------------------------------------------------------

    def set_draining(self) -> None:
        """Blocked and future ``block`` puts stop waiting: during shutdown a
        cycle of full mailboxes must not deadlock, so the bound is relaxed
        (the single-threaded test driver runs in this mode throughout)."""
        with self._lock:
            self._draining = True
            self._not_full.notify_all()

    def close(self) -> list[Any]:
        """Refuse further items, wake the consumer; returns what was still queued."""
        with self._lock:
            self.closed = True
            left = list(self._control) + list(self._items)
            self._items.clear()
            self._control.clear()
            self._notify_consumer()
            self._not_full.notify_all()
            return left

    # ---- internals (lock held) -------------------------------------------

    def _wake(self) -> None:
        with self._lock:
            self._notify_consumer()

    def _notify_consumer(self) -> None:
        # Only a waiting consumer's flag lets a producer ring, and ringing lowers
        # it: the bell is released at most once per sleep.
        if self.consumer_waiting:
            self.consumer_waiting = False
            self._bell.release()

    def _sleep(self) -> None:
        """The consumer waits for the bell (lock held on entry and on return)."""
        lock = self._lock
        lock.release()
        try:
            rang = self._bell.acquire(True, 1.0)
        finally:
            lock.acquire()
        if not rang and not self.consumer_waiting:
            # A producer rang between the timeout and our retaking the lock:
            # take the ring now so the bell is held again for the next sleep.
            self._bell.acquire()

    def _full(self, lane: Lane | None) -> tuple[bool, Overflow]:
        if lane is not None and lane.count >= lane.capacity:
            return True, lane.overflow
        if len(self._items) >= self.capacity:
            return True, self.overflow
        return False, self.overflow

    def _make_room(self, lane: Lane | None) -> bool:
        """Apply the overflow policy until there is room; False means shed the new item."""
        while True:
            if self.closed:
                return False
            full, policy = self._full(lane)
            if not full or (policy == "block" and self._draining):
                return True
            if policy == "block":
                self._producers_waiting += 1
                try:
                    self._not_full.wait(1.0)
                finally:
                    self._producers_waiting -= 1
            elif policy == "drop_newest":
                return False
            elif policy == "drop_oldest":
                lane_full = lane is not None and lane.count >= lane.capacity
                if not self._drop_oldest(lane if lane_full else None):
                    return True  # only latest-value slots are queued: they may exceed the bound
            else:
                where = lane.label if lane is not None and lane.count >= lane.capacity else self.label
                raise QueueFullError(f"queue of {where} is full (capacity reached, overflow error)")

    def _drop_oldest(self, lane: Lane | None) -> bool:
        for index, queued in enumerate(self._items):
            if lane is not None:
                if type(queued) is LaneItem and queued.lane is lane:
                    del self._items[index]
                    lane.count -= 1
                    self._shed(queued.item, f"oldest dropped from buffer of {lane.label}")
                    return True
            elif type(queued) is LaneItem:
                del self._items[index]
                queued.lane.count -= 1
                self._shed(queued.item, f"oldest dropped from {self.label}")
                return True
            elif type(queued) is not LatestSlot:
                del self._items[index]
                self._shed(queued, f"oldest dropped from {self.label}")
                return True
        return False

    def _shed(self, item: Any, reason: str) -> None:
        self.shed += 1
        if self.shed == 1 or self.shed % 10_000 == 0:
            log.warning("%s: shed %d item(s) so far (%s)", self.label, self.shed, reason)
        self._discard(item, reason)

    def _discard(self, item: Any, reason: str) -> None:
        if self._on_shed is not None:
            self._on_shed(item, reason)
