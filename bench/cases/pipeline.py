"""Case 2: a pipeline of four actors vs four hand-written threads chained by SimpleQueue.

Each stage builds the next event from the one it received (the same msgspec
classes on both sides); the last stage counts.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bench.cases import streamer_api
from bench.cases.countdown import Countdown, spawn, timed_run
from bench.cases.events import Hop1, Hop2, Hop3, Tick, ticks
from bench.harness import Case, Measurement, Metric, Settings, Workload


def stage_functions(countdown: Countdown) -> list[Callable[[Any], Any]]:
    """The per-event work of the four stages, shared by the hand-written and Pykka variants."""
    return [
        lambda event: Hop1(seq=event.seq, value=event.value + 1),
        lambda event: Hop2(seq=event.seq, value=event.value + 1),
        lambda event: Hop3(seq=event.seq, value=event.value + 1),
        lambda event: countdown.tick(),
    ]


def by_hand(events: list[Tick]) -> Measurement:
    count = len(events)
    countdown = Countdown(count)
    stages = stage_functions(countdown)
    queues: list[queue.SimpleQueue[Any]] = [queue.SimpleQueue() for _ in stages]

    def stage_loop(index: int) -> Callable[[], None]:
        work = stages[index]
        get = queues[index].get
        if index + 1 == len(stages):

            def last() -> None:
                for _ in range(count):
                    work(get())

            return last
        put = queues[index + 1].put

        def middle() -> None:
            for _ in range(count):
                put(work(get()))

        return middle

    threads = [spawn(stage_loop(i), f"hand-stage{i + 1}") for i in range(len(stages))]

    def produce() -> None:
        put = queues[0].put
        for event in events:
            put(event)

    seconds = timed_run(produce, countdown.done)
    for thread in threads:
        thread.join()
    return Measurement({"rate": count / seconds})


@contextmanager
def _open(settings: Settings) -> Iterator[Workload]:
    streamer_api.require_runtime()
    count = 50_000 if settings.quick else 200_000
    events = ticks(count)
    yield Workload(
        {
            "streamer": lambda: streamer_api.run_pipeline(events),
            "by_hand": lambda: by_hand(events),
        },
        notes=(f"{count:,} events through 4 stages; rate counts input events",),
    )


CASE = Case(
    name="pipeline",
    title="four actors in a chain vs four threads chained by SimpleQueue",
    metrics=(Metric("throughput", "streamer", "by_hand", "rate", 0.4, "higher", "ev/s"),),
    open=_open,
)
