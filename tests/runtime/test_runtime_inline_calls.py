"""Calls from outside code to an idle actor run on the caller's thread (no hand-off),
without giving up one-item-at-a-time handling or arrival order."""

from __future__ import annotations

import threading
from typing import Any

from runtime_support import Done, Num, ev, topo

import streamer
from streamer import ActorSpec, Input, ServiceSpec

EVENTS = (ev("Go", Num, external=True), ev("Ask", Num), ev("Answer", Done))


def topology(workers: int = 1) -> streamer.Topology:
    return topo(
        ActorSpec(
            "Counter",
            inputs=(Input("Go", "on_go"),),
            services=(ServiceSpec("count", "Ask", "Answer", 10.0, "count"),
                      ServiceSpec("fail", "Ask", "Answer", 10.0, "fail")),
            workers=workers,
        ),
        events=EVENTS,
    )


def counter_class(
    gate: threading.Event | None = None, entered: threading.Event | None = None, final: list[int] | None = None
) -> type[Any]:
    class Counter(streamer.Actor):
        def __init__(self) -> None:
            self.seen = 0
            self.busy = False

        def on_go(self, ctx: streamer.Context[Any], event: Num) -> None:
            assert not self.busy, "two items handled at once"
            self.busy = True
            if entered is not None:
                entered.set()
            if gate is not None:
                assert gate.wait(10)
            self.seen += 1
            self.busy = False

        def count(self, ctx: streamer.Context[Any], request: Num) -> Done:
            assert not self.busy, "a call ran while an event was being handled"
            return Done(text=f"{self.seen}|{threading.current_thread().name}")

        def fail(self, ctx: streamer.Context[Any], request: Num) -> Done:
            raise RuntimeError("service failed")

        def on_stop(self, ctx: streamer.Context[Any]) -> None:
            if final is not None:
                final.append(self.seen)

    return Counter


def _ask(system: streamer.System, method: str = "count") -> tuple[str, str]:
    reply = system.call("Counter", method, Num(value=0)).result(10)
    assert reply.ok, reply.error
    seen, thread = reply.value.text.split("|")
    return seen, thread


def test_a_call_to_an_idle_actor_runs_on_the_callers_thread() -> None:
    with streamer.System(topology(), {"Counter": counter_class()}) as system:
        assert _ask(system) == ("0", threading.current_thread().name)


def test_inline_calls_can_be_switched_off() -> None:
    with streamer.System(topology(), {"Counter": counter_class()}, inline_calls=False) as system:
        seen, thread = _ask(system)
        assert seen == "0" and thread != threading.current_thread().name and "Counter" in thread


def test_an_actor_with_several_workers_is_always_called_through_its_queue() -> None:
    with streamer.System(topology(workers=2), {"Counter": counter_class()}) as system:
        assert _ask(system)[1] != threading.current_thread().name


def test_calls_never_overlap_the_events_streaming_in() -> None:
    final: list[int] = []
    with streamer.System(topology(), {"Counter": counter_class(final=final)}) as system:
        total = 20_000

        def publish() -> None:
            for _ in range(total):
                system.publish(Num(value=1), name="Go")

        publisher = threading.Thread(target=publish)
        publisher.start()
        seen: list[int] = []
        while publisher.is_alive():
            seen.append(int(_ask(system)[0]))
        publisher.join()
        assert system.stop() is not None
        assert seen and seen == sorted(seen)  # the actor's own state, read one call at a time
        assert not system.dead_letters  # no handler saw another one running ("busy")
        assert final == [total]


def test_a_call_to_a_busy_actor_waits_its_turn_on_the_worker() -> None:
    gate, entered = threading.Event(), threading.Event()
    with streamer.System(topology(), {"Counter": counter_class(gate, entered)}) as system:
        system.publish(Num(value=1), name="Go")
        assert entered.wait(10)  # the worker is inside on_go, the queue is empty
        future = system.call("Counter", "count", Num(value=0))
        assert not future.done()
        gate.set()
        reply = future.result(10)
        seen, thread = reply.value.text.split("|")
        assert seen == "1" and thread != threading.current_thread().name


def test_a_failing_inline_call_is_an_error_value_and_a_dead_letter() -> None:
    with streamer.System(topology(), {"Counter": counter_class()}) as system:
        reply = system.call("Counter", "fail", Num(value=0)).result(10)
        assert not reply.ok and "service failed" in str(reply.error)
        [dead] = system.dead_letters
        assert dead.actor == "Counter" and "RuntimeError" in (dead.error or "")
        assert _ask(system)[0] == "0"  # resumed: the actor still answers
