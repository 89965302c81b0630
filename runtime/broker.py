"""Named streams with fan-out to every subscriber.

Each subscriber has its own bounded buffer (its mailbox, or a lane or
latest-value slot in it), so a slow subscriber holds up the others only once
its own buffer is full, and then by backpressure on the publisher, never by
losing events. Per-stream order is kept per subscriber: one publisher's events
reach each subscriber in publication order (per key when the subscriber has
several workers).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .envelope import Envelope
from .errors import EventTypeError, SystemStoppedError, UnknownStreamError
from .mailbox import Lane, LatestSlot, Mailbox
from .topology import Overflow

Deliver = Callable[[Envelope], Any]


class Subscription:
    """One subscriber of one stream, spread over the subscriber's worker mailboxes."""

    def __init__(
        self,
        label: str,
        mailboxes: Sequence[Mailbox],
        *,
        key: str | None = None,
        latest: bool = False,
        buffer: int | None = None,
        overflow: Overflow = "block",
    ) -> None:
        self.label = label
        self.mailboxes = tuple(mailboxes)
        self.key = key
        self.slots = [LatestSlot(label, box) for box in self.mailboxes] if latest else None
        # A lane is needed only when the stream's buffer is tighter than the
        # mailbox or sheds differently; otherwise the mailbox bound is the buffer.
        self.lanes: list[Lane] | None = None
        if not latest and buffer is not None:
            if any(buffer < box.capacity or overflow != box.overflow for box in self.mailboxes):
                self.lanes = [Lane(label, buffer, overflow, box) for box in self.mailboxes]
        self._round_robin = itertools.count()
        self.deliver: Deliver = self._fast_path()

    def _index(self, envelope: Envelope) -> int:
        if self.key is None:
            return next(self._round_robin) % len(self.mailboxes)
        return hash(getattr(envelope.event, self.key)) % len(self.mailboxes)

    def _fast_path(self) -> Deliver:
        if len(self.mailboxes) == 1 and self.slots is None and self.lanes is None:
            return self.mailboxes[0].put
        return lambda envelope: self.deliver_item(envelope, envelope)

    def deliver_item(self, item: Any, envelope: Envelope) -> bool:
        """Queue ``item`` (the envelope or a wrapper around it) where ``envelope`` belongs."""
        index = 0 if len(self.mailboxes) == 1 else self._index(envelope)
        if self.slots is not None:
            slot = self.slots[index]
            return slot.mailbox.put_latest(slot, item, envelope.event)
        if self.lanes is not None:
            lane = self.lanes[index]
            return lane.mailbox.put_lane(lane, item)
        return self.mailboxes[index].put(item)


class Stream:
    """A named stream. ``publish(envelope)`` hands the envelope to every subscriber.

    ``publish`` is a closure rebuilt whenever the subscribers change, specialised
    for the common single-mailbox case (the hot path of every emit)."""

    __slots__ = (
        "name",
        "type",
        "key",
        "subscriptions",
        "delivers",
        "_count",
        "count",
        "_outside",
        "_refused",
        "outside",
        "direct",
        "closed",
        "_lock",
        "publish",
    )

    def __init__(self, name: str, event_type: type[Any], key: str | None) -> None:
        self.name = name
        self.type = event_type
        self.key = key
        self.subscriptions: tuple[Subscription, ...] = ()
        self.delivers: tuple[Deliver, ...] = ()
        self._count = itertools.count()
        self.count = self._count.__next__
        """Counts one publish (for an inlined ``publish``, see ``Context.emit``)."""
        self._outside = itertools.count()
        self._refused = itertools.count()
        self.outside = self._outside.__next__
        """Counts an outside publish that bypasses ``publish`` (see ``System.publish``):
        one counter for both the published figure and the system's drain accounting."""
        self.direct: Mailbox | None = None
        """The one mailbox every event goes to, when that is all the stream feeds."""
        self.closed = False
        self._lock = threading.Lock()
        self.publish: Deliver = self._build()

    def _build(self) -> Deliver:
        count = self._count.__next__
        delivers = self.delivers

        def stopped() -> None:
            raise SystemStoppedError(f"cannot publish {self.name}: the system is stopped")

        self.direct = None
        if len(delivers) == 1 and len(self.subscriptions) == 1 and delivers[0] == self.subscriptions[0].deliver:
            subscription = self.subscriptions[0]
            if len(subscription.mailboxes) == 1 and subscription.lanes is None and subscription.slots is None:
                self.direct = subscription.mailboxes[0]
                return _single_mailbox(self, subscription.mailboxes[0], count, stopped)
        if len(delivers) == 1:
            deliver = delivers[0]

            def publish_one(envelope: Envelope) -> None:
                if self.closed:
                    stopped()
                count()
                deliver(envelope)

            return publish_one

        def publish(envelope: Envelope) -> None:
            if self.closed:
                stopped()
            count()
            for deliver in delivers:
                deliver(envelope)

        return publish

    @property
    def published(self) -> int:
        return _counted(self._count) + self.entered - _counted(self._refused)

    @property
    def entered(self) -> int:
        """Outside publishes counted by ``outside`` (including refused ones)."""
        return _counted(self._outside)

    def refused(self) -> None:
        """An outside publish counted by ``outside`` found the system closed."""
        next(self._refused)

    def stopped_error(self) -> SystemStoppedError:
        return SystemStoppedError(f"cannot publish {self.name}: the system is stopped")

    def add(self, subscription: Subscription) -> None:
        with self._lock:
            self.subscriptions += (subscription,)
            self.delivers += (subscription.deliver,)
            self.publish = self._build()

    def add_sink(self, deliver: Deliver) -> None:
        """A subscriber that is not a mailbox (the transport)."""
        with self._lock:
            self.delivers += (deliver,)
            self.publish = self._build()

    def remove(self, subscription: Subscription) -> None:
        with self._lock:
            self.subscriptions = tuple(s for s in self.subscriptions if s is not subscription)
            self.delivers = tuple(d for d in self.delivers if d is not subscription.deliver)
            self.publish = self._build()


def _counted(counter: itertools.count[int]) -> int:
    # itertools.count is advanced atomically by C code; its repr carries the value.
    return int(repr(counter)[6:-1])


def _single_mailbox(
    stream: Stream, box: Mailbox, count: Callable[[], int], stopped: Callable[[], None]
) -> Deliver:
    """One subscriber with one worker: the mailbox's fast path, inlined."""
    items = box.queue
    append = items.append
    capacity = box.capacity
    put = box.put

    def publish(envelope: Envelope) -> None:
        if stream.closed:
            stopped()
        count()
        if len(items) < capacity and not box.closed:
            append(envelope)
            if box.consumer_waiting:
                box.wake()
        else:
            put(envelope)

    return publish


class Broker:
    def __init__(self, renames: Iterable[tuple[str, str]] = ()) -> None:
        self._streams: dict[str, Stream] = {}
        self._aliases: dict[str, str] = dict(renames)
        self._by_type: dict[type[Any], list[str]] = {}

    def declare(self, name: str, event_type: type[Any], key: str | None = None) -> Stream:
        stream = self._streams[name] = Stream(name, event_type, key)
        self._by_type.setdefault(event_type, []).append(name)
        return stream

    def __contains__(self, name: str) -> bool:
        return name in self._streams or name in self._aliases

    def names(self) -> list[str]:
        return list(self._streams)

    def streams(self) -> list[Stream]:
        return list(self._streams.values())

    def stream(self, name: str) -> Stream:
        """The stream for a name or alias, or a clear ``UnknownStreamError``."""
        if not isinstance(name, str) or not name:
            raise UnknownStreamError(f"stream name must be a non-empty string, got {name!r}")
        stream = self._streams.get(self._aliases.get(name, name))
        if stream is None:
            known = ", ".join(sorted(n for n in self._streams if not n.startswith("$")))
            raise UnknownStreamError(f"unknown stream {name!r} (declared: {known})")
        return stream

    def stream_for(self, event: Any, name: str | None = None) -> Stream:
        """The stream an event goes to: by name (checked against the event's type)
        or, without a name, the one stream declared for the event's type."""
        if name is not None:
            stream = self.stream(name)
            if type(event) is not stream.type:
                raise EventTypeError(
                    f"stream {stream.name!r} carries {stream.type.__name__}, got {type(event).__name__}"
                )
            return stream
        names = self._by_type.get(type(event))
        if not names:
            raise EventTypeError(f"no stream carries events of type {type(event).__name__}")
        if len(names) > 1:
            raise EventTypeError(
                f"several streams carry {type(event).__name__} ({', '.join(names)}): pass name="
            )
        return self._streams[names[0]]

    def unique_types(self) -> dict[type[Any], Stream]:
        """Event type -> stream, for types carried by exactly one stream."""
        return {kind: self._streams[names[0]] for kind, names in self._by_type.items() if len(names) == 1}

    def close(self) -> None:
        for stream in self._streams.values():
            stream.closed = True
