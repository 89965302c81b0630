"""Which consumed records are finished, per partition, so only safe offsets are stored.

Records finish out of order (different keys run on different workers), but an
offset may be stored only when its record and every earlier one of the same
partition are done: otherwise a crash would skip the unfinished ones. ``done``
callbacks come from worker threads; the consumer thread collects the results.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable

TopicPartitionKey = tuple[str, int]


class _Partition:
    __slots__ = ("pending", "finished", "next_offset", "dirty", "active")

    def __init__(self) -> None:
        self.pending: deque[int] = deque()
        self.finished: set[int] = set()
        self.next_offset: int | None = None
        """Offset to store: one past the last record finished with all its predecessors."""
        self.dirty = False
        self.active = True


class _Epoch:
    """Records produced between two marks; complete once all have their report."""

    __slots__ = ("produced", "delivered", "closed", "report")

    def __init__(self, owner: DeliveryWatermark) -> None:
        self.produced = 0
        self.delivered = 0
        self.closed = False
        epoch = self
        lock = owner._lock

        def reported(*_: object) -> None:
            with lock:
                epoch.delivered += 1
                if epoch.closed and epoch.delivered == epoch.produced:
                    owner._retire()
                    owner._changed.notify_all()

        self.report: Callable[..., None] = reported
        """One callback shared by every record of the epoch (no closure per record)."""


class DeliveryWatermark:
    """Tells when every record produced before a mark has its delivery report.

    A consumed record's offset may be stored only once the events its handlers
    emitted are in Kafka: otherwise a crash after the offset commit loses them.
    Records are counted per epoch (the records produced between two ``mark``
    calls, one per consumed batch) rather than one by one: ``track`` costs one
    counter increment and hands out the epoch's shared callback.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        """A plain lock on the hot path; ``_changed`` (same lock) only to wait."""
        self._changed = threading.Condition(self._lock)
        self._epochs: deque[_Epoch] = deque()
        self._first = 0
        """Mark number of ``_epochs[0]``; every earlier epoch is complete."""
        self._current = self._new_epoch()

    def _new_epoch(self) -> _Epoch:
        epoch = _Epoch(self)
        self._epochs.append(epoch)
        return epoch

    def track(self) -> Callable[..., None]:
        """Register a record about to be produced; returns its completion callback
        (call it exactly once, with or without the delivery report's arguments)."""
        with self._lock:
            epoch = self._current
            epoch.produced += 1
        return epoch.report

    def mark(self) -> int:
        """Close the current epoch: ``reached(mark)`` once its records are all reported."""
        with self._lock:
            epoch = self._current
            if epoch.produced == 0 and len(self._epochs) == 1:
                return self._first - 1  # nothing outstanding at all: already reached
            epoch.closed = True
            number = self._first + len(self._epochs) - 1
            self._current = self._new_epoch()
            self._retire()
            return number

    def _retire(self) -> None:
        epochs = self._epochs
        while len(epochs) > 1 and epochs[0].closed and epochs[0].delivered == epochs[0].produced:
            epochs.popleft()
            self._first += 1

    def reached(self, mark: int) -> bool:
        with self._lock:
            return mark < self._first

    def wait(self, mark: int, timeout: float) -> bool:
        """Wait until every record produced before ``mark`` is reported."""
        with self._lock:
            return self._changed.wait_for(lambda: mark < self._first, timeout)


class OffsetTracker:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._partitions: dict[TopicPartitionKey, _Partition] = {}

    def track(self, topic: str, partition: int, offset: int) -> Callable[[], None]:
        """Register a consumed record; returns its ``done`` callback (idempotent, thread-safe)."""
        with self._lock:
            state = self._partitions.get((topic, partition))
            if state is None:
                state = self._partitions[(topic, partition)] = _Partition()
            state.pending.append(offset)

        def done() -> None:
            with self._lock:
                if not state.active or offset in state.finished:
                    return
                state.finished.add(offset)
                pending = state.pending
                while pending and pending[0] in state.finished:
                    finished = pending.popleft()
                    state.finished.discard(finished)
                    state.next_offset = finished + 1
                    state.dirty = True
                if not pending:
                    self._changed.notify_all()

        return done

    def abandon(self, topic: str, partition: int, offset: int) -> None:
        """Forget a tracked record that was never handed over (the system stopped)."""
        with self._lock:
            state = self._partitions.get((topic, partition))
            if state is not None and offset in state.pending:
                state.pending.remove(offset)
                self._changed.notify_all()

    def take_ready(self) -> list[tuple[str, int, int]]:
        """(topic, partition, next offset) for partitions that advanced since the last call."""
        with self._lock:
            ready = []
            for (topic, partition), state in self._partitions.items():
                if state.dirty and state.next_offset is not None:
                    ready.append((topic, partition, state.next_offset))
                    state.dirty = False
            return ready

    def outstanding(self, keys: Iterable[TopicPartitionKey] | None = None) -> int:
        with self._lock:
            return self._outstanding(keys)

    def wait_idle(self, keys: Iterable[TopicPartitionKey] | None, timeout: float) -> bool:
        """Wait until every tracked record of ``keys`` (all when None) is done."""
        chosen = None if keys is None else list(keys)
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._outstanding(chosen):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
            return True

    def drop(self, keys: Iterable[TopicPartitionKey]) -> None:
        """Forget partitions (revoked): late ``done`` calls for them are ignored."""
        with self._lock:
            for key in keys:
                state = self._partitions.pop(key, None)
                if state is not None:
                    state.active = False
            self._changed.notify_all()

    def _outstanding(self, keys: Iterable[TopicPartitionKey] | None) -> int:
        if keys is None:
            return sum(len(state.pending) for state in self._partitions.values())
        return sum(len(self._partitions[key].pending) for key in keys if key in self._partitions)
