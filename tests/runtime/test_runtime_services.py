"""Request/reply: continuations on the caller's thread, errors and timeouts as values."""

from __future__ import annotations

import threading
from typing import Any

from runtime_support import Done, Num, Waiter, ev, topo

import streamer
from streamer import ActorSpec, CallSpec, Input, ServiceSpec

EVENTS = (ev("Ask", Num), ev("Answer", Done), ev("Go", Num, external=True))


def topology(timeout: float = 1.0) -> streamer.Topology:
    return topo(
        ActorSpec(
            "Caller",
            inputs=(Input("Go", "on_go"),),
            emits=("Answer",),
            calls=(CallSpec("Callee", "double"), CallSpec("Callee", "broken"), CallSpec("Callee", "slow")),
        ),
        ActorSpec(
            "Callee",
            services=(
                ServiceSpec("double", "Ask", "Answer", timeout, "double"),
                ServiceSpec("broken", "Ask", "Answer", timeout, "broken"),
                ServiceSpec("slow", "Ask", "Answer", timeout, "slow"),
                ServiceSpec("wrong", "Ask", "Answer", timeout, "wrong"),
            ),
        ),
        events=EVENTS,
    )


class Callee(streamer.Actor):
    def double(self, ctx: streamer.Context[Any], request: Num) -> Done:
        return Done(text=str(request.value * 2))

    def broken(self, ctx: streamer.Context[Any], request: Num) -> Done:
        raise RuntimeError("callee failed")

    def slow(self, ctx: streamer.Context[Any], request: Num) -> None:
        ctx.defer_reply()

    def wrong(self, ctx: streamer.Context[Any], request: Num) -> Any:
        return Num(value=1)


class Caller(streamer.Actor):
    replies: list[Any] = []
    threads: list[str] = []

    def on_go(self, ctx: streamer.Context[Any], event: Num) -> None:
        method = {1: "double", 2: "broken", 3: "slow"}[event.value]
        me = threading.current_thread().name

        def then(ctx: streamer.Context[Any], reply: streamer.Reply[Done]) -> None:
            type(self).threads.append(str(threading.current_thread().name == me))
            type(self).replies.append(reply)
            ctx.emit(Done(text=f"{method}: {reply.value.text if reply.ok else type(reply.error).__name__}"))  # type: ignore[union-attr]

        ctx.call("Callee", method, Num(value=21), then)


def fresh_caller() -> type[Caller]:
    class Fresh(Caller):
        replies: list[Any] = []
        threads: list[str] = []

    return Fresh


def test_reply_error_and_timeout_reach_the_caller_as_values() -> None:
    caller = fresh_caller()
    driver = streamer.TestDriver(topology(), {"Caller": caller, "Callee": Callee})
    for value in (1, 2, 3):
        driver.send(Num(value=value), name="Go")
    assert [e.text for e in driver.emitted(Done)] == ["double: 42", "broken: ServiceError"]
    driver.advance(1.0)
    assert [e.text for e in driver.emitted(Done)][-1] == "slow: ServiceTimeout"
    assert "callee failed" in str(caller.replies[1].error)
    # the failing callee is dead-lettered too, and the system keeps serving
    assert "RuntimeError: callee failed" in driver.dead_letters[0].error
    assert driver.call("Callee", "double", Num(value=2)).value == Done(text="4")


def test_continuation_keeps_the_trace_of_the_calling_event() -> None:
    driver = streamer.TestDriver(topology(), {"Caller": fresh_caller(), "Callee": Callee})
    sent = driver.send(Num(value=1), name="Go")
    [answer] = driver.envelopes("Answer")
    assert answer.trace_id == sent.trace_id and answer.source == "Caller"


def test_bad_calls_are_error_values() -> None:
    driver = streamer.TestDriver(topology(), {"Caller": fresh_caller(), "Callee": Callee})
    assert "no such service" in str(driver.call("Callee", "nope", Num(value=1)).error)
    assert "unknown actor" in str(driver.call("Ghost", "x", Num(value=1)).error)
    assert "takes Num, got Done" in str(driver.call("Callee", "double", Done()).error)
    assert "replied with Num, expected Done" in str(driver.call("Callee", "wrong", Num(value=1)).error)


def test_undeclared_call_is_an_error_in_the_caller() -> None:
    class Rogue(streamer.Actor):
        def on_go(self, ctx: streamer.Context[Any], event: Num) -> None:
            ctx.call("Callee", "wrong", Num(value=1), lambda ctx, reply: None)

    driver = streamer.TestDriver(topology(), {"Caller": Rogue, "Callee": Callee})
    driver.send(Num(value=1), name="Go")
    assert "does not declare 'calls Callee.wrong'" in driver.dead_letters[0].error


def test_threads_continuation_runs_on_the_callers_thread() -> None:
    answers = Waiter()
    caller = fresh_caller()
    system = streamer.System(topology(timeout=0.2), {"Caller": caller, "Callee": Callee})
    system.subscribe("Answer", lambda event: answers.add(event.text))
    system.start()
    for value in (1, 2, 3):
        system.publish(Num(value=value), name="Go")
    assert answers.wait_for(3)
    assert sorted(answers.items) == ["broken: ServiceError", "double: 42", "slow: ServiceTimeout"]  # type: ignore[type-var]
    assert caller.threads == ["True", "True", "True"]
    assert system.call("Callee", "double", Num(value=5)).result(5).value == Done(text="10")


def test_pending_calls_fail_clearly_on_stop() -> None:
    system = streamer.System(topology(timeout=60), {"Caller": fresh_caller(), "Callee": Callee})
    system.start()
    future = system.call("Callee", "slow", Num(value=1))
    result = system.stop()
    assert result is not None and result.drained
    reply = future.result(1)
    assert not reply.ok and "stopping" in str(reply.error)
    after = system.call("Callee", "double", Num(value=1)).result(1)
    assert not after.ok and "stopped" in str(after.error)
