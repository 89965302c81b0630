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


class DeliveryWatermark:
    """Counts produced records and how far, in production order, all are delivered.

    A consumed record's offset may be stored only once the events its handlers
    emitted are in Kafka: otherwise a crash after the offset commit loses them.
    """

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._produced = 0
        self._pending: deque[int] = deque()
        self._finished: set[int] = set()
        self._delivered = 0
        """Every record with a sequence below this one has its delivery report."""

    @property
    def produced(self) -> int:
        with self._lock:
            return self._produced

    def track(self) -> Callable[[], None]:
        """Register a record about to be produced; returns its completion callback."""
        with self._lock:
            sequence = self._produced
            self._produced += 1
            self._pending.append(sequence)

        def delivered() -> None:
            with self._lock:
                self._finished.add(sequence)
                while self._pending and self._pending[0] in self._finished:
                    self._finished.discard(self._pending.popleft())
                self._delivered = self._pending[0] if self._pending else self._produced
                self._lock.notify_all()

        return delivered

    def reached(self, produced: int) -> bool:
        with self._lock:
            return self._delivered >= produced or not self._pending

    def wait(self, produced: int, timeout: float) -> bool:
        """Wait until every record produced before the count ``produced`` is reported."""
        with self._lock:
            return self._lock.wait_for(lambda: self._delivered >= produced or not self._pending, timeout)


class OffsetTracker:
    def __init__(self) -> None:
        self._lock = threading.Condition()
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
                    self._lock.notify_all()

        return done

    def abandon(self, topic: str, partition: int, offset: int) -> None:
        """Forget a tracked record that was never handed over (the system stopped)."""
        with self._lock:
            state = self._partitions.get((topic, partition))
            if state is not None and offset in state.pending:
                state.pending.remove(offset)
                self._lock.notify_all()

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
                self._lock.wait(remaining)
            return True

    def drop(self, keys: Iterable[TopicPartitionKey]) -> None:
        """Forget partitions (revoked): late ``done`` calls for them are ignored."""
        with self._lock:
            for key in keys:
                state = self._partitions.pop(key, None)
                if state is not None:
                    state.active = False
            self._lock.notify_all()

    def _outstanding(self, keys: Iterable[TopicPartitionKey] | None) -> int:
        if keys is None:
            return sum(len(state.pending) for state in self._partitions.values())
        return sum(len(self._partitions[key].pending) for key in keys if key in self._partitions)
