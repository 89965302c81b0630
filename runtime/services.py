"""Request/reply between actors (and from outside code), correlated by id.

A call opens a pending entry with a timeout on the system clock; the first of
(reply, error, timeout) resolves it and the others are ignored. Every outcome
reaches the caller as a ``Reply`` value: errors never propagate as exceptions
across actors, and nothing about a call can crash a process.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from .clock import Clock, Timer
from .envelope import Envelope
from .errors import ServiceError, ServiceTimeout

log = logging.getLogger("streamer.services")

T = TypeVar("T")

REQUEST = "$request"


class Reply(Generic[T]):
    """The outcome of a call: ``value`` when ``ok``, else ``error``."""

    __slots__ = ("value", "error")

    def __init__(self, value: T | None = None, error: ServiceError | None = None) -> None:
        self.value = value
        self.error = error

    @property
    def ok(self) -> bool:
        return self.error is None

    def __repr__(self) -> str:
        return f"Reply(value={self.value!r})" if self.ok else f"Reply(error={self.error!r})"


class ServiceCall:
    """A request travelling to the callee actor's mailbox."""

    __slots__ = ("method", "envelope", "correlation")
    name = REQUEST
    sheddable = False

    def __init__(self, method: str, envelope: Envelope, correlation: int) -> None:
        self.method = method
        self.envelope = envelope
        self.correlation = correlation


class _Pending:
    __slots__ = ("deliver", "timer", "label")

    def __init__(self, deliver: Callable[[Reply[Any]], None], label: str) -> None:
        self.deliver = deliver
        self.label = label
        self.timer: Timer | None = None


class ServiceRegistry:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._pending: dict[int, _Pending] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.late_replies = 0

    def open(self, label: str, timeout: float, deliver: Callable[[Reply[Any]], None]) -> int:
        """Register a call; ``deliver`` gets exactly one Reply (it must not block)."""
        correlation = next(self._ids)
        pending = _Pending(deliver, label)
        with self._lock:
            self._pending[correlation] = pending
        pending.timer = self._clock.call_later(
            timeout,
            lambda: self.resolve(
                correlation, Reply(error=ServiceTimeout(f"{label}: no reply within {timeout:g}s"))
            ),
        )
        return correlation

    def resolve(self, correlation: int, reply: Reply[Any]) -> bool:
        """Deliver the outcome of a call; False if it was already resolved."""
        with self._lock:
            pending = self._pending.pop(correlation, None)
        if pending is None:
            self.late_replies += 1
            return False
        if pending.timer is not None:
            pending.timer.cancel()
        try:
            pending.deliver(reply)
        except Exception:
            log.exception("delivering the reply of %s failed", pending.label)
        return True

    def fail_all(self, error: ServiceError) -> int:
        with self._lock:
            pending = list(self._pending)
        return sum(self.resolve(correlation, Reply(error=error)) for correlation in pending)

    def __len__(self) -> int:
        return len(self._pending)


class ReplyHandle(Generic[T]):
    """Answers one deferred service request, from any handler or thread, once."""

    __slots__ = ("_registry", "_correlation", "_expected", "_label")

    def __init__(self, registry: ServiceRegistry, correlation: int, expected: type[Any], label: str) -> None:
        self._registry = registry
        self._correlation = correlation
        self._expected = expected
        self._label = label

    def reply(self, value: T) -> bool:
        """Send the reply; False if the call already timed out or was answered."""
        if not isinstance(value, self._expected):
            return self.fail(
                f"{self._label} replied with {type(value).__name__}, expected {self._expected.__name__}"
            )
        return self._registry.resolve(self._correlation, Reply(value))

    def fail(self, error: str | BaseException) -> bool:
        """Answer with an error value instead of a reply."""
        text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        return self._registry.resolve(self._correlation, Reply(error=ServiceError(f"{self._label}: {text}")))
