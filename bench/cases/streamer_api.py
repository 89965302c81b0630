"""The in-process workloads on Streamer's public API, with hand-written topologies.

Every assumption about the runtime's API lives here, so the cases stay readable
and a change in the runtime is one edit. Nothing here uses the compiler.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from bench.cases.countdown import RUN_TIMEOUT, Countdown, timed_run
from bench.cases.events import Hop1, Hop2, Hop3, Left, Ping, Pong, Right, Tick, tick_passes
from bench.harness import Measurement, Unavailable


def require_runtime() -> None:
    try:
        import streamer
    except ImportError as error:
        raise Unavailable(f"runtime not importable: {error}") from error
    missing = [name for name in ("System", "Actor") if not hasattr(streamer, name)]
    if missing:
        raise Unavailable(f"runtime lacks {', '.join(missing)} (not landed yet)")


def _start(topology: Any, handlers: Mapping[str, type[Any]], **options: Any) -> Any:
    import streamer

    system = streamer.System(topology, handlers, **options)
    system.start()
    return system


def _stop(system: Any) -> None:
    system.stop(timeout=30.0)


def one_hop_topology() -> Any:
    from streamer import topology as t

    return t.Topology(
        module="bench_one_hop",
        events=(t.EventSpec("Tick", Tick, key=None, external=True),),
        actors=(
            t.ActorSpec(
                name="Gate",
                inputs=(t.Input("Tick", "on_tick"),),
                filters=(t.Filter("Tick", predicate=tick_passes, text='value >= 0 and kind != ""'),),
                machine=t.MachineSpec(
                    initial="Open",
                    states=(t.StateSpec("Open", accepts=("Tick",)), t.StateSpec("Closed", final=True)),
                    transitions=(t.Transition("Open", "Closed"),),
                ),
            ),
        ),
    )


def _publish_all(system: Any, events: Sequence[Any]) -> None:
    publish = system.publish
    for event in events:
        publish(event)


def run_one_hop(events: Sequence[Tick]) -> Measurement:
    import streamer

    countdown = Countdown(len(events))

    class Gate(streamer.Actor):
        def on_tick(self, ctx: Any, tick: Tick) -> None:
            countdown.tick()

    system = _start(one_hop_topology(), {"Gate": Gate})
    try:
        seconds = timed_run(lambda: _publish_all(system, events), countdown.done)
    finally:
        _stop(system)
    return Measurement({"rate": len(events) / seconds})


def pipeline_topology() -> Any:
    from streamer import topology as t

    chain: list[tuple[str, type[Any]]] = [("Tick", Tick), ("Hop1", Hop1), ("Hop2", Hop2), ("Hop3", Hop3)]
    actors = []
    for index, (name, _) in enumerate(chain):
        emits = (chain[index + 1][0],) if index + 1 < len(chain) else ()
        actors.append(
            t.ActorSpec(
                name=f"Stage{index + 1}",
                inputs=(t.Input(name, f"on_{name.lower()}"),),
                emits=emits,
            )
        )
    return t.Topology(
        module="bench_pipeline",
        events=tuple(
            t.EventSpec(name, cls, external=(index == 0)) for index, (name, cls) in enumerate(chain)
        ),
        actors=tuple(actors),
    )


def run_pipeline(events: Sequence[Tick]) -> Measurement:
    import streamer

    countdown = Countdown(len(events))

    class Stage1(streamer.Actor):
        def on_tick(self, ctx: Any, event: Tick) -> None:
            ctx.emit(Hop1(seq=event.seq, value=event.value + 1))

    class Stage2(streamer.Actor):
        def on_hop1(self, ctx: Any, event: Hop1) -> None:
            ctx.emit(Hop2(seq=event.seq, value=event.value + 1))

    class Stage3(streamer.Actor):
        def on_hop2(self, ctx: Any, event: Hop2) -> None:
            ctx.emit(Hop3(seq=event.seq, value=event.value + 1))

    class Stage4(streamer.Actor):
        def on_hop3(self, ctx: Any, event: Hop3) -> None:
            countdown.tick()

    handlers = {"Stage1": Stage1, "Stage2": Stage2, "Stage3": Stage3, "Stage4": Stage4}
    system = _start(pipeline_topology(), handlers)
    try:
        seconds = timed_run(lambda: _publish_all(system, events), countdown.done)
    finally:
        _stop(system)
    return Measurement({"rate": len(events) / seconds})


def join_topology() -> Any:
    from streamer import topology as t

    return t.Topology(
        module="bench_join",
        events=(
            t.EventSpec("Left", Left, key="key", external=True),
            t.EventSpec("Right", Right, key="key", external=True),
        ),
        actors=(
            t.ActorSpec(
                name="Joiner",
                inputs=(t.Input("Left", None), t.Input("Right", None)),
                joins=(t.JoinSpec("Pair", ("Left", "Right"), key="key", expiry=None, handler="on_pair"),),
            ),
        ),
    )


def run_join(events: Sequence[Left | Right], keys: int) -> Measurement:
    import streamer

    countdown = Countdown(keys)

    class Joiner(streamer.Actor):
        def on_pair(self, ctx: Any, left: Left, right: Right) -> None:
            countdown.tick()

    system = _start(join_topology(), {"Joiner": Joiner})
    try:
        seconds = timed_run(lambda: _publish_all(system, events), countdown.done)
    finally:
        _stop(system)
    return Measurement({"rate": len(events) / seconds})


def service_topology() -> Any:
    from streamer import topology as t

    return t.Topology(
        module="bench_service",
        events=(t.EventSpec("Ping", Ping, external=True), t.EventSpec("Pong", Pong)),
        actors=(
            t.ActorSpec(
                name="Echo",
                services=(t.ServiceSpec("echo", "Ping", "Pong", timeout=10.0, handler="echo"),),
            ),
        ),
    )


def run_request_reply(count: int, inline: bool = True) -> Measurement:
    """Sequential round trips from outside the actors: call, wait for the reply, repeat.
    The actor is idle between calls, so they run on the caller's thread unless
    ``inline`` is False (then each is queued to the actor's worker and back)."""
    import streamer

    class Echo(streamer.Actor):
        def echo(self, ctx: Any, request: Ping) -> Pong:
            return Pong(seq=request.seq)

    system = _start(service_topology(), {"Echo": Echo}, inline_calls=inline)
    try:
        call = system.call
        began = time.perf_counter()
        for seq in range(count):
            reply = call("Echo", "echo", Ping(seq=seq)).result(RUN_TIMEOUT)
            value = getattr(reply, "value", reply)
            if value.seq != seq:
                raise RuntimeError(f"reply {value!r} does not answer request {seq}")
        seconds = time.perf_counter() - began
    finally:
        _stop(system)
    return Measurement({"rate": count / seconds})
