"""Time for the runtime: a real clock with one timer thread, or a virtual one.

Timers only schedule work; the runtime's timer callbacks post tasks to actor
mailboxes, so user code never runs on the timer thread.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger("streamer.clock")

MIN_SLEEP = 0.002
"""Timer resolution of the real clock, in seconds: timers may fire this late."""


def _noop() -> None:
    pass


class Timer:
    """A scheduled callback; ``cancel()`` is idempotent and thread-safe enough
    (a flag checked just before the callback runs)."""

    __slots__ = ("when", "fn", "cancelled")

    def __init__(self, when: float, fn: Callable[[], object]) -> None:
        self.when = when
        self.fn = fn
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True
        self.fn = _noop  # release what the callback holds now, not when it falls due


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch (wall time, or virtual time in tests)."""
        ...

    def call_later(self, delay: float, fn: Callable[[], object]) -> Timer: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...


class _TimerHeap:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Timer]] = []
        self._seq = itertools.count()

    def push(self, timer: Timer) -> None:
        heapq.heappush(self._heap, (timer.when, next(self._seq), timer))

    def next_due(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: float) -> Timer | None:
        if self._heap and self._heap[0][0] <= now:
            return heapq.heappop(self._heap)[2]
        return None

    def __len__(self) -> int:
        return len(self._heap)


def _run(timer: Timer) -> None:
    if timer.cancelled:
        return
    fn, timer.fn = timer.fn, _noop  # release what the callback holds once it ran
    try:
        fn()
    except Exception:  # a timer callback must never kill the timer thread
        log.exception("timer callback failed")


class RealClock:
    """Wall-clock time; timers run on one daemon thread fed by a heap."""

    def __init__(self) -> None:
        self._timers = _TimerHeap()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.now = time.time  # type: ignore[method-assign]

    def now(self) -> float:
        return time.time()  # replaced per instance by time.time itself (hot path)

    def call_later(self, delay: float, fn: Callable[[], object]) -> Timer:
        timer = Timer(time.monotonic() + max(delay, 0.0), fn)
        with self._cond:
            head = self._timers.next_due()
            self._timers.push(timer)
            if head is None or timer.when < head:
                # Only an earlier deadline changes how long the timer thread sleeps:
                # waking it for every call timeout would cost a thread switch each.
                self._cond.notify()
        return timer

    def start(self) -> None:
        with self._cond:
            if self._thread is not None:
                return
            self._stopping = False
            self._thread = threading.Thread(target=self._loop, name="streamer-timers", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify()
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=5.0)

    def _loop(self) -> None:
        while True:
            with self._cond:
                if self._stopping:
                    return
                due = self._timers.pop_due(time.monotonic())
                if due is None:
                    when = self._timers.next_due()
                    # Sleep at least MIN_SLEEP: deadlines (mostly cancelled call
                    # timeouts) then fire in batches instead of one wake-up each.
                    self._cond.wait(None if when is None else max(when - time.monotonic(), MIN_SLEEP))
                    continue
            _run(due)


class VirtualClock:
    """Time that moves only when ``advance`` is called; timers run in the caller's
    thread, in due order (ties in scheduling order)."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self._now = start
        self._timers = _TimerHeap()

    def now(self) -> float:
        return self._now

    def call_later(self, delay: float, fn: Callable[[], object]) -> Timer:
        timer = Timer(self._now + max(delay, 0.0), fn)
        self._timers.push(timer)
        return timer

    def advance(self, seconds: float, after_each: Callable[[], None] | None = None) -> None:
        """Move time forward, running every timer that falls due on the way;
        ``after_each`` runs after each timer (the test driver drains its queue)."""
        if seconds < 0:
            raise ValueError("cannot move a clock backwards")
        target = self._now + seconds
        while True:
            when = self._timers.next_due()
            if when is None or when > target:
                break
            timer = self._timers.pop_due(when)
            assert timer is not None
            self._now = max(self._now, when)
            _run(timer)
            if after_each is not None:
                after_each()
        self._now = target

    def pending(self) -> int:
        return len(self._timers)

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass
