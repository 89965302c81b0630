"""Case 3: a join of two event types by key (100,000 keys) vs a dict join in one thread."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench.cases import streamer_api
from bench.cases.countdown import Countdown
from bench.cases.events import Left, Right, join_input
from bench.harness import Case, Measurement, Metric, Settings, Workload

KEYS = 100_000


def by_hand(events: list[Left | Right], keys: int) -> Measurement:
    countdown = Countdown(keys)

    def on_pair(ctx: Any, left: Left, right: Right) -> None:
        countdown.tick()

    slots: dict[type[Any], int] = {Left: 0, Right: 1}
    pending: dict[int, list[Any]] = {}
    began = time.perf_counter()
    for event in events:
        parts = pending.get(event.key)
        if parts is None:
            parts = pending[event.key] = [None, None]
        parts[slots[type(event)]] = event
        if parts[0] is not None and parts[1] is not None:
            del pending[event.key]
            on_pair(None, parts[0], parts[1])
    seconds = time.perf_counter() - began
    if not countdown.done.is_set() or pending:
        raise RuntimeError("hand-written join lost pairs")
    return Measurement({"rate": len(events) / seconds})


@contextmanager
def _open(settings: Settings) -> Iterator[Workload]:
    streamer_api.require_runtime()
    events = join_input(KEYS)
    yield Workload(
        {
            "streamer": lambda: streamer_api.run_join(events, KEYS),
            "by_hand": lambda: by_hand(events, KEYS),
        },
        notes=(f"{KEYS:,} keys: all Left parts, then all Right parts; rate counts input events",),
    )


CASE = Case(
    name="join",
    title="join of two event types by key vs a dict join in one thread",
    metrics=(Metric("throughput", "streamer", "by_hand", "rate", 0.3, "higher", "ev/s"),),
    open=_open,
)
