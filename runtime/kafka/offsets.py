"""Which consumed records are finished, per partition, so only safe offsets are stored.

Records finish out of order (different keys run on different workers), but an
offset may be stored only when its record and every earlier one of the same
partition are done: otherwise a crash would skip the unfinished ones.

Records are counted in chunks, not one by one: a chunk is the records of one
partition in one polled batch. Every record of a chunk gets the chunk's own
``done`` (no closure per record, one short locked increment per call); a chunk
is finished once sealed (its batch fully handed over) and every record called
``done``, and a partition's offset advances past its finished prefix of chunks.
``done`` callbacks come from worker threads; the consumer thread tracks, seals
and collects the results.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable

TopicPartitionKey = tuple[str, int]


class _Partition:
    __slots__ = ("pending", "next_offset", "dirty", "active")

    def __init__(self) -> None:
        self.pending: deque[_Chunk] = deque()
        """Chunks in consumption order, the finished prefix popped as it forms."""
        self.next_offset: int | None = None
        """Offset to store: one past the last record finished with all its predecessors."""
        self.dirty = False
        self.active = True


class _Chunk:
    """The records of one partition in one batch."""

    __slots__ = ("count", "released", "last", "previous", "sealed", "done")

    def __init__(self, tracker: OffsetTracker, state: _Partition) -> None:
        self.count = 0
        """Records tracked; only the consumer thread changes it, before sealing."""
        self.released = 0
        self.last = -1
        """Offset of the last record tracked."""
        self.previous = -1
        """Offset of the record tracked before ``last`` (for ``abandon``)."""
        self.sealed = False
        chunk = self
        lock, changed = tracker._lock, tracker._changed

        def done() -> None:
            with lock:
                chunk.released += 1
                if chunk.released == chunk.count:  # also before sealing: wait_idle counts records
                    if chunk.sealed and state.active:
                        _advance(state)
                    changed.notify_all()

        self.done: Callable[[], None] = done
        """Called exactly once per record of the chunk, from any thread."""


def _advance(state: _Partition) -> None:
    """Pop the finished prefix of a partition's chunks (under the tracker's lock)."""
    pending = state.pending
    while pending and pending[0].sealed and pending[0].released == pending[0].count:
        finished = pending.popleft()
        if finished.count:
            state.next_offset = finished.last + 1
            state.dirty = True


class OffsetTracker:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._partitions: dict[TopicPartitionKey, _Partition] = {}
        self._open: dict[TopicPartitionKey, _Chunk] = {}
        """The unsealed chunk of each partition in the batch being handed over."""

    def track(self, topic: str, partition: int, offset: int) -> Callable[[], None]:
        """Register a consumed record (offsets of a partition increase); returns its
        ``done`` callback, to be called exactly once. Only the consumer thread tracks."""
        key = (topic, partition)
        chunk = self._open.get(key)
        if chunk is None:
            with self._lock:
                state = self._partitions.get(key)
                if state is None:
                    state = self._partitions[key] = _Partition()
                chunk = self._open[key] = _Chunk(self, state)
                state.pending.append(chunk)
        chunk.previous = chunk.last
        chunk.last = offset
        chunk.count += 1
        return chunk.done

    def seal(self) -> None:
        """The batch is handed over: its chunks are complete once their records are done."""
        if not self._open:
            return
        with self._lock:
            for key, chunk in self._open.items():
                chunk.sealed = True
                state = self._partitions.get(key)
                if state is not None and state.active and chunk.released == chunk.count:
                    _advance(state)
            self._open.clear()
            self._changed.notify_all()

    def abandon(self, topic: str, partition: int, offset: int) -> None:
        """Forget the record tracked last, never handed over (the system stopped),
        and seal the batch: nothing more is handed over."""
        chunk = self._open.get((topic, partition))
        if chunk is not None and chunk.last == offset:
            with self._lock:
                chunk.count -= 1
                chunk.last = chunk.previous
        self.seal()

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
        """Records tracked and not yet done."""
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
                self._open.pop(key, None)
            self._changed.notify_all()

    def _outstanding(self, keys: Iterable[TopicPartitionKey] | None) -> int:
        partitions = self._partitions
        states = partitions.values() if keys is None else [partitions[k] for k in keys if k in partitions]
        return sum(chunk.count - chunk.released for state in states for chunk in state.pending)
