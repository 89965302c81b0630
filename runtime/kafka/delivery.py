"""Tells when every record produced before a point has its delivery report.

A consumed record's offset may be stored only once the events its handlers
emitted are in Kafka: otherwise a crash after the offset commit loses them.
Records are counted per epoch (the records produced between two ``mark``
calls, one per consumed batch) rather than one by one: ``track`` costs one
counter increment and hands out the epoch's shared delivery callback, so no
closure is built per record.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Any

Failure = Callable[[Any, Any], None]
"""Called with (KafkaError, Message) for a record Kafka did not accept."""


class _Epoch:
    """Records produced between two marks; complete once all have their report."""

    __slots__ = ("produced", "delivered", "closed", "report")

    def __init__(self, owner: DeliveryWatermark) -> None:
        self.produced = 0
        self.delivered = 0
        self.closed = False
        epoch = self
        lock = owner._lock
        on_failure = owner._on_failure

        def reported(error: Any = None, message: Any = None) -> None:
            with lock:
                epoch.delivered += 1
                if epoch.closed and epoch.delivered == epoch.produced:
                    owner._retire()
                    owner._changed.notify_all()
            if error is not None and on_failure is not None:
                on_failure(error, message)

        self.report: Callable[..., None] = reported
        """librdkafka's ``on_delivery`` for every record of the epoch; also called
        with no arguments for a record that was never handed to librdkafka."""


class DeliveryWatermark:
    """Counts produced records per epoch and their delivery reports.

    ``on_failure`` receives the failed reports (error, message): the shared
    callback has no per-record context, so whoever handles a failure reads what
    it needs from the message.
    """

    def __init__(self, on_failure: Failure | None = None) -> None:
        self._lock = threading.Lock()
        """A plain lock on the hot path; ``_changed`` (same lock) only to wait."""
        self._changed = threading.Condition(self._lock)
        self._on_failure = on_failure
        self._epochs: deque[_Epoch] = deque()
        self._first = 0
        """Mark number of ``_epochs[0]``; every earlier epoch is complete."""
        self._current = self._new_epoch()

    def _new_epoch(self) -> _Epoch:
        epoch = _Epoch(self)
        self._epochs.append(epoch)
        return epoch

    def track(self) -> Callable[..., None]:
        """Register a record about to be produced; returns its delivery callback
        (called exactly once: by librdkafka, or with no arguments if the record
        never reached it)."""
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
