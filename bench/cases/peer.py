"""Case 4: the one-hop and four-hop workloads and a request/reply round trip on Pykka.

Pykka actors do exactly the per-event work of our handlers (the one-hop filter,
state check and handler call; the pipeline's stage functions), fed by ``tell``;
the round trip uses ``ask``. A bare SimpleQueue ping-pong between two threads is
reported as the ceiling of any threaded request/reply. Our calls to an idle actor
run on the caller's thread; ``streamer_call_queued`` reports the same round trips
forced through the actor's worker thread.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bench.cases import streamer_api
from bench.cases.countdown import RUN_TIMEOUT, Countdown, spawn, timed_run
from bench.cases.events import Ping, Pong, Tick, tick_passes, ticks
from bench.cases.one_hop import OPEN_ACCEPTS, HandCounter
from bench.cases.pipeline import stage_functions
from bench.harness import Case, Measurement, Metric, Settings, Unavailable, Workload


def _pykka() -> Any:
    try:
        import pykka
    except ImportError as error:
        raise Unavailable(f"pykka not installed: {error}") from error
    return pykka


def pykka_one_hop(events: list[Tick]) -> Measurement:
    pykka = _pykka()
    countdown = Countdown(len(events))
    handler = HandCounter(countdown)
    names = {Tick: "Tick"}

    base: Any = pykka.ThreadingActor

    class Gate(base):  # type: ignore[misc]
        state = "Open"

        def on_receive(self, message: Any) -> None:
            if tick_passes(message) and names[type(message)] in OPEN_ACCEPTS[self.state]:
                handler.on_tick(None, message)

    ref = Gate.start()
    try:

        def produce() -> None:
            tell = ref.tell
            for event in events:
                tell(event)

        seconds = timed_run(produce, countdown.done)
    finally:
        ref.stop()
    return Measurement({"rate": len(events) / seconds})


def pykka_four_hop(events: list[Tick]) -> Measurement:
    pykka = _pykka()
    countdown = Countdown(len(events))
    stages = stage_functions(countdown)

    def stage_class(work: Callable[[Any], Any], forward: Any) -> Any:
        base: Any = pykka.ThreadingActor

        class Stage(base):  # type: ignore[misc]
            def on_receive(self, message: Any) -> None:
                result = work(message)
                if forward is not None:
                    forward.tell(result)

        return Stage

    refs: list[Any] = []
    forward = None
    for work in reversed(stages):
        forward = stage_class(work, forward).start()
        refs.append(forward)
    first = refs[-1]
    try:

        def produce() -> None:
            tell = first.tell
            for event in events:
                tell(event)

        seconds = timed_run(produce, countdown.done)
    finally:
        for ref in reversed(refs):
            ref.stop()
    return Measurement({"rate": len(events) / seconds})


def pykka_ask(count: int) -> Measurement:
    pykka = _pykka()

    base: Any = pykka.ThreadingActor

    class Echo(base):  # type: ignore[misc]
        def on_receive(self, message: Any) -> Pong:
            return Pong(seq=message.seq)

    ref = Echo.start()
    try:
        ask = ref.ask
        began = time.perf_counter()
        for seq in range(count):
            reply = ask(Ping(seq=seq), timeout=RUN_TIMEOUT)
            if reply.seq != seq:
                raise RuntimeError(f"reply {reply!r} does not answer request {seq}")
        seconds = time.perf_counter() - began
    finally:
        ref.stop()
    return Measurement({"rate": count / seconds})


def simplequeue_round_trip(count: int) -> Measurement:
    """Ceiling for any two-thread request/reply in CPython: a bare SimpleQueue ping-pong."""
    requests: queue.SimpleQueue[int] = queue.SimpleQueue()
    replies: queue.SimpleQueue[int] = queue.SimpleQueue()

    def echo() -> None:
        for _ in range(count):
            replies.put(requests.get())

    echoer = spawn(echo, "ping-pong")
    began = time.perf_counter()
    for seq in range(count):
        requests.put(seq)
        if replies.get() != seq:
            raise RuntimeError("ping-pong out of step")
    seconds = time.perf_counter() - began
    echoer.join()
    return Measurement({"rate": count / seconds})


@contextmanager
def _open(settings: Settings) -> Iterator[Workload]:
    streamer_api.require_runtime()
    _pykka()
    one_hop_events = ticks(30_000 if settings.quick else 200_000)
    four_hop_events = ticks(15_000 if settings.quick else 100_000)
    calls = 2_000 if settings.quick else 20_000
    yield Workload(
        {
            "streamer_one_hop": lambda: streamer_api.run_one_hop(one_hop_events),
            "pykka_one_hop": lambda: pykka_one_hop(one_hop_events),
            "streamer_four_hop": lambda: streamer_api.run_pipeline(four_hop_events),
            "pykka_four_hop": lambda: pykka_four_hop(four_hop_events),
            "streamer_call": lambda: streamer_api.run_request_reply(calls),
            "streamer_call_queued": lambda: streamer_api.run_request_reply(calls, inline=False),
            "pykka_ask": lambda: pykka_ask(calls),
            "simplequeue_round_trip": lambda: simplequeue_round_trip(calls),
        },
        notes=(
            f"one hop {len(one_hop_events):,} events, four hops {len(four_hop_events):,} events, "
            f"{calls:,} sequential round trips",
        ),
    )


CASE = Case(
    name="peer",
    title="the same workloads on Pykka (tell, ask)",
    metrics=(
        Metric("one hop vs Pykka tell", "streamer_one_hop", "pykka_one_hop", "rate", 5.0, "higher", "ev/s"),
        Metric("four hops vs Pykka tell", "streamer_four_hop", "pykka_four_hop", "rate", 5.0, "higher", "ev/s"),
        Metric("round trip vs Pykka ask", "streamer_call", "pykka_ask", "rate", 2.0, "higher", "calls/s"),
    ),
    open=_open,
)
