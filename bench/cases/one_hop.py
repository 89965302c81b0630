"""Case 1: one hop in process, through one actor with a filter and a state-machine gate.

Baseline: the same per-event work by hand (predicate, state check, handler call)
in two threads joined by a ``queue.SimpleQueue``. Ceiling: the bare SimpleQueue
hand-off of tuples, nothing else. Diagnostic: the baseline plus one runtime
envelope per event, i.e. the best a runtime that envelopes events can do.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench.cases import streamer_api
from bench.cases.countdown import Countdown, spawn, timed_run
from bench.cases.events import Tick, tick_passes, ticks
from bench.harness import Case, Measurement, Metric, Settings, Workload

OPEN_ACCEPTS = {"Open": frozenset({"Tick"}), "Closed": frozenset[str]()}


class HandCounter:
    """The user handler both variants call."""

    def __init__(self, countdown: Countdown) -> None:
        self.countdown = countdown

    def on_tick(self, ctx: Any, tick: Tick) -> None:
        self.countdown.tick()


def by_hand(events: list[Tick]) -> Measurement:
    inbox: queue.SimpleQueue[Tick] = queue.SimpleQueue()
    countdown = Countdown(len(events))
    handler = HandCounter(countdown)
    names = {Tick: "Tick"}
    state = "Open"

    def consume() -> None:
        get = inbox.get
        for _ in range(len(events)):
            event = get()
            if tick_passes(event) and names[type(event)] in OPEN_ACCEPTS[state]:
                handler.on_tick(None, event)

    def produce() -> None:
        put = inbox.put
        for event in events:
            put(event)

    consumer = spawn(consume, "hand-consumer")
    seconds = timed_run(produce, countdown.done)
    consumer.join()
    return Measurement({"rate": len(events) / seconds})


def by_hand_enveloped(events: list[Tick]) -> Measurement:
    """``by_hand`` plus what every runtime event carries: an envelope (id, trace,
    timestamp) built by the producer. Not a target: it shows what the envelope alone costs."""
    from streamer.envelope import Envelope, next_id

    inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
    countdown = Countdown(len(events))
    handler = HandCounter(countdown)
    names = {Tick: "Tick"}
    state = "Open"

    def consume() -> None:
        get = inbox.get
        for _ in range(len(events)):
            envelope = get()
            event = envelope.event
            if tick_passes(event) and names[type(event)] in OPEN_ACCEPTS[state]:
                handler.on_tick(None, event)

    def produce() -> None:
        put = inbox.put
        now = time.time
        for event in events:
            ident = next_id()
            put(Envelope(ident, "Tick", "external", ident, None, now(), event))

    consumer = spawn(consume, "hand-consumer")
    seconds = timed_run(produce, countdown.done)
    consumer.join()
    return Measurement({"rate": len(events) / seconds})


def simplequeue_ceiling(count: int) -> Measurement:
    items = [(i, i) for i in range(count)]
    inbox: queue.SimpleQueue[tuple[int, int]] = queue.SimpleQueue()
    countdown = Countdown(1)

    def consume() -> None:
        get = inbox.get
        for _ in range(count):
            get()
        countdown.tick()

    def produce() -> None:
        put = inbox.put
        for item in items:
            put(item)

    consumer = spawn(consume, "ceiling-consumer")
    seconds = timed_run(produce, countdown.done)
    consumer.join()
    return Measurement({"rate": count / seconds})


def ours(events: list[Tick]) -> Measurement:
    return streamer_api.run_one_hop(events)


@contextmanager
def _open(settings: Settings) -> Iterator[Workload]:
    streamer_api.require_runtime()
    count = 100_000 if settings.quick else 500_000
    events = ticks(count)
    yield Workload(
        {
            "streamer": lambda: ours(events),
            "by_hand": lambda: by_hand(events),
            "simplequeue_ceiling": lambda: simplequeue_ceiling(count),
            "by_hand_enveloped": lambda: by_hand_enveloped(events),
        },
        notes=(f"{count:,} Tick events per run; filter + state gate + handler",),
    )


CASE = Case(
    name="one_hop",
    title="one actor with a filter and a state gate vs two threads + SimpleQueue",
    metrics=(Metric("throughput", "streamer", "by_hand", "rate", 0.5, "higher", "ev/s"),),
    open=_open,
)
