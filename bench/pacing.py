"""Offered load and latency bookkeeping (Kafka cases, overload case)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any


def pace(count: int, rate: float | None, start_ns: int) -> Iterator[int]:
    """Sequence numbers ``0..count-1``, released no faster than ``rate`` per second."""
    if rate is None:
        yield from range(count)
        return
    interval_ns = 1e9 / rate
    for seq in range(count):
        ahead_s = (start_ns + seq * interval_ns - time.time_ns()) / 1e9
        if ahead_s > 0.0005:
            time.sleep(ahead_s)  # open-loop pacing: the schedule, not the broker, sets the rate
        yield seq


SETTLE_FRACTION = 0.1
"""Latencies of the first tenth of a run are not kept: connection set-up and the
broker's JIT warm-up show there, not the steady state the case measures."""


class LatencyLog:
    """Receive times and end-to-end latencies of one consumer run."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.settle = int(expected * SETTLE_FRACTION)
        self.received = 0
        self.first_ns = 0
        self.last_ns = 0
        self.latencies_ns: list[int] = []

    def record(self, sent_ns: int, now_ns: int | None = None) -> None:
        now_ns = time.time_ns() if now_ns is None else now_ns
        if not self.received:
            self.first_ns = now_ns
        self.last_ns = now_ns
        self.received += 1
        if self.received > self.settle:
            self.latencies_ns.append(now_ns - sent_ns)

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies_ns)

        def quantile(q: float) -> float:
            return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1e6 if ordered else 0.0

        return {
            "received": self.received,
            "first_ns": self.first_ns,
            "last_ns": self.last_ns,
            "p50_ms": quantile(0.50),
            "p99_ms": quantile(0.99),
            "max_ms": ordered[-1] / 1e6 if ordered else 0.0,
        }
