"""System on threads: lifecycle, shutdown, backpressure, errors, binding, transport hook."""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Callable
from typing import Any

import pytest
from runtime_support import Done, Item, Num, Waiter, ev, topo

import streamer
from streamer import ActorSpec, Input, StreamSpec

PIPE_EVENTS = (ev("In", Num, external=True), ev("Mid", Item), ev("Out", Done))


def pipeline(**actor_options: Any) -> streamer.Topology:
    return topo(
        ActorSpec("First", inputs=(Input("In", "on_in"),), emits=("Mid",), **actor_options),
        ActorSpec("Second", inputs=(Input("Mid", "on_mid"),), emits=("Out",), **actor_options),
        events=PIPE_EVENTS,
    )


class First(streamer.Actor):
    def on_in(self, ctx: streamer.Context[Any], event: Num) -> None:
        ctx.emit(Item(key=str(event.value % 7), value=event.value))


class Second(streamer.Actor):
    handled: list[int]

    def on_mid(self, ctx: streamer.Context[Any], event: Item) -> None:
        self.handled.append(event.value)
        ctx.emit(Done(key=event.key, text=str(event.value)))


def handlers() -> dict[str, type[streamer.Actor]]:
    class Counting(Second):
        handled: list[int] = []

    return {"First": First, "Second": Counting}


def test_envelopes_carry_id_source_and_trace() -> None:
    out = Waiter()
    system = streamer.System(pipeline(), handlers())
    system.subscribe("Out", out.add, with_envelope=True)
    system.start()
    sent = system.publish(Num(value=3), source="Gateway")
    assert out.wait_for(1)
    envelope: streamer.Envelope = out.items[0]  # type: ignore[assignment]
    assert sent.source == "Gateway" and sent.trace_id == sent.id and sent.parent_id is None
    assert envelope.source == "Second" and envelope.trace_id == sent.id and envelope.name == "Out"
    assert envelope.parent_id not in (None, sent.id) and envelope.id != sent.id
    assert envelope.timestamp >= sent.timestamp


def test_stop_under_load_loses_no_accepted_event() -> None:
    busy = threading.Event()

    class Signalling(handlers()["Second"]):  # type: ignore[misc, valid-type]
        def on_mid(self, ctx: streamer.Context[Any], event: Item) -> None:
            super().on_mid(ctx, event)
            if len(self.handled) == 2000:
                busy.set()

    classes = {"First": First, "Second": Signalling}
    system = streamer.System(pipeline(mailbox=64), classes)
    system.start()
    accepted = 0
    refused = threading.Event()

    def produce() -> None:
        nonlocal accepted
        value = 0
        while True:
            try:
                system.publish(Num(value=value))
            except streamer.SystemStoppedError:
                refused.set()
                return
            accepted += 1
            value += 1

    producer = threading.Thread(target=produce)
    producer.start()
    assert busy.wait(10)
    result = system.stop(timeout=20)
    producer.join(10)
    assert refused.is_set()
    assert result is not None and result.drained and result.threads_alive == 0
    handled = classes["Second"].handled  # type: ignore[attr-defined]
    assert len(handled) == accepted
    assert handled == sorted(handled)  # one worker each: order kept end to end


def test_second_stop_is_harmless_and_publish_after_stop_raises() -> None:
    system = streamer.System(pipeline(), handlers())
    system.start()
    first = system.stop()
    assert system.stop() == first
    with pytest.raises(streamer.SystemStoppedError):
        system.publish(Num(value=1))
    never_started = streamer.System(pipeline(), handlers())
    assert never_started.stop() is not None


def test_cycle_with_full_mailboxes_does_not_deadlock_on_stop() -> None:
    events = (ev("Ping", Num, external=True), ev("Pong", Item))
    bounces = Waiter()

    class Ping(streamer.Actor):
        def on_ping(self, ctx: streamer.Context[Any], event: Num) -> None:
            bounces.add(1)
            if event.value > 0:
                ctx.emit(Item(key="x", value=event.value - 1))

    class Pong(streamer.Actor):
        def on_pong(self, ctx: streamer.Context[Any], event: Item) -> None:
            if event.value > 0:
                ctx.emit(Num(value=event.value - 1))

    cycle = topo(
        ActorSpec("PingA", inputs=(Input("Ping", "on_ping"),), emits=("Pong",), mailbox=1),
        ActorSpec("PongA", inputs=(Input("Pong", "on_pong"),), emits=("Ping",), mailbox=1),
        events=events,
    )
    system = streamer.System(cycle, {"PingA": Ping, "PongA": Pong})
    system.start()
    accepted = 0

    def produce() -> None:
        nonlocal accepted
        for _ in range(20):  # twenty chains of fifty hops through buffers of one:
            try:  # the cycle may stall while running (block policy), but not stop()
                system.publish(Num(value=50))
            except streamer.SystemStoppedError:
                return
            accepted += 1

    producer = threading.Thread(target=produce)
    producer.start()
    assert bounces.wait_for(1)
    result = system.stop(timeout=20)
    producer.join(10)
    assert result is not None and result.drained and result.threads_alive == 0
    assert accepted >= 1
    assert len(bounces.items) == accepted * 26  # every hop of every accepted chain was handled


def test_slow_subscriber_does_not_block_the_others() -> None:
    events = (ev("N", Num, external=True),)
    release = threading.Event()
    fast = Waiter()

    class Slow(streamer.Actor):
        def on_n(self, ctx: streamer.Context[Any], event: Num) -> None:
            release.wait(10)

    class Fast(streamer.Actor):
        def on_n(self, ctx: streamer.Context[Any], event: Num) -> None:
            fast.add(event.value)

    spec = topo(
        ActorSpec("Slow", inputs=(Input("N", "on_n"),)),
        ActorSpec("Fast", inputs=(Input("N", "on_n"),)),
        events=events,
        streams=(StreamSpec("N", buffer=100),),
    )
    system = streamer.System(spec, {"Slow": Slow, "Fast": Fast})
    system.start()
    for value in range(50):  # the slow one's own buffer absorbs these
        system.publish(Num(value=value))
    assert fast.wait_for(50)
    assert fast.items == list(range(50))
    release.set()


def test_full_buffer_blocks_the_publisher_until_there_is_room() -> None:
    events = (ev("N", Num, external=True),)
    release = threading.Event()
    entered = threading.Event()

    class Gate(streamer.Actor):
        def on_n(self, ctx: streamer.Context[Any], event: Num) -> None:
            entered.set()
            release.wait(10)

    spec = topo(ActorSpec("Gate", inputs=(Input("N", "on_n"),), mailbox=2), events=events)
    system = streamer.System(spec, {"Gate": Gate})
    system.start()
    system.publish(Num(value=0))
    assert entered.wait(10)
    system.publish(Num(value=1))
    system.publish(Num(value=2))  # mailbox now full
    blocked_done = threading.Event()
    publisher = threading.Thread(target=lambda: (system.publish(Num(value=3)), blocked_done.set()))
    publisher.start()
    assert not blocked_done.wait(0.2)  # still blocked: backpressure
    release.set()
    assert blocked_done.wait(10)
    publisher.join(10)


@pytest.mark.parametrize("policy", ["drop_newest", "drop_oldest"])
def test_shedding_is_counted(policy: str) -> None:
    events = (ev("N", Num, external=True),)
    spec = topo(
        ActorSpec("X", inputs=(Input("N", "on_n"),), mailbox=2, overflow=policy),  # type: ignore[arg-type]
        events=events,
    )
    entered, release = threading.Event(), threading.Event()
    seen = Waiter()

    class X(streamer.Actor):
        def on_n(self, ctx: streamer.Context[Any], event: Num) -> None:
            entered.set()
            release.wait(10)
            seen.add(event.value)

    system = streamer.System(spec, {"X": X})
    system.start()
    system.publish(Num(value=0))
    assert entered.wait(10)  # the worker holds 0; the mailbox of two fills up
    for value in range(1, 6):
        system.publish(Num(value=value))
    assert system.stats()["actors"]["X"]["shed"] == 3
    release.set()
    assert seen.wait_for(3)
    result = system.stop()
    assert result is not None and result.drained
    assert seen.items == ([0, 1, 2] if policy == "drop_newest" else [0, 4, 5])


def test_error_overflow_raises_at_the_sender() -> None:
    spec = topo(ActorSpec("X", inputs=(Input("N", "on_n"),), mailbox=1, overflow="error"), events=(ev("N", Num),))
    entered, release = threading.Event(), threading.Event()

    class X(streamer.Actor):
        def on_n(self, ctx: streamer.Context[Any], event: Num) -> None:
            entered.set()
            release.wait(10)

    system = streamer.System(spec, {"X": X})
    system.start()
    system.publish(Num(value=0))
    assert entered.wait(10)
    system.publish(Num(value=1))
    with pytest.raises(streamer.QueueFullError, match="actor X"):
        system.publish(Num(value=2))
    release.set()


def test_unknown_empty_and_wrong_names_raise_clear_errors() -> None:
    system = streamer.System(pipeline(), handlers())
    system.start()
    with pytest.raises(streamer.UnknownStreamError, match="unknown stream 'Nope'"):
        system.publish(Num(value=1), name="Nope")
    with pytest.raises(streamer.UnknownStreamError, match="non-empty"):
        system.publish(Num(value=1), name="")
    with pytest.raises(streamer.EventTypeError, match="carries Num, got Item"):
        system.publish(Item(key="k"), name="In")
    with pytest.raises(streamer.EventTypeError, match="no stream carries"):
        system.publish(Item.__mro__[1]())  # a bare Event
    with pytest.raises(streamer.UnknownStreamError):
        system.subscribe("Nope", print)
    assert system.running  # nothing crashed


def test_emitting_an_undeclared_event_is_a_clear_error() -> None:
    class Wrong(First):
        def on_in(self, ctx: streamer.Context[Any], event: Num) -> None:
            ctx.emit(Done(text="not declared"))

    driver = streamer.TestDriver(pipeline(), {"First": Wrong, "Second": handlers()["Second"]})
    driver.send(Num(value=1))
    assert "actor First does not declare that it emits Done (it emits: Mid)" in driver.dead_letters[0].error


def test_renames_deliver_to_the_target_stream() -> None:
    spec = streamer.Topology(
        module="t", events=PIPE_EVENTS, actors=pipeline().actors, renames=(("LegacyIn", "In"),)
    )
    driver = streamer.TestDriver(spec, handlers())
    envelope = driver.send(Num(value=4), name="LegacyIn")
    assert envelope.name == "In"
    assert driver.emitted(Done) == [Done(key="4", text="4")]


def test_missing_handlers_are_reported_at_construction() -> None:
    class Empty(streamer.Actor):
        pass

    with pytest.raises(streamer.HandlerMissingError) as caught:
        streamer.System(pipeline(), {"First": Empty})
    message = str(caught.value)
    assert "Empty (actor First) lacks handler method(s): on_in" in message
    assert "no handler class for actor Second" in message


def test_handlers_found_in_a_module_by_generated_base_or_name() -> None:
    class FirstBase(streamer.Actor):
        NAME = "First"

    module = types.ModuleType("user_handlers")
    module.FirstBase = FirstBase  # type: ignore[attr-defined]
    module.MyFirst = type("MyFirst", (FirstBase,), {"on_in": First.on_in})  # type: ignore[attr-defined]
    module.MySecond = type("MySecond", (streamer.Actor,), {"NAME": "Second", "on_mid": Second.on_mid, "handled": []})  # type: ignore[attr-defined]
    sys.modules["user_handlers"] = module
    try:
        driver = streamer.TestDriver(pipeline(), module)
        driver.send(Num(value=1))
        assert type(driver.actor("First")).__name__ == "MyFirst"
        assert driver.emitted(Done) == [Done(key="1", text="1")]
        module.Another = type("Another", (FirstBase,), {"on_in": First.on_in})  # type: ignore[attr-defined]
        with pytest.raises(streamer.HandlerMissingError, match="several handler classes for actor First"):
            streamer.TestDriver(pipeline(), module)
    finally:
        del sys.modules["user_handlers"]


def test_workers_partition_by_key_and_keep_per_key_order() -> None:
    events = (ev("K", Item, key="key", external=True),)
    lock = threading.Lock()
    seen: dict[str, list[int]] = {}
    threads: set[str] = set()
    done = Waiter()

    class Parallel(streamer.Actor):
        def on_k(self, ctx: streamer.Context[Any], event: Item) -> None:
            with lock:
                seen.setdefault(event.key, []).append(event.value)
                threads.add(threading.current_thread().name)
            done.add(1)

    spec = topo(ActorSpec("P", inputs=(Input("K", "on_k"),), workers=4), events=events)
    system = streamer.System(spec, {"P": Parallel})
    system.start()
    for value in range(4000):
        system.publish(Item(key=f"k{value % 13}", value=value))
    assert done.wait_for(4000)
    assert len(threads) > 1
    for key, values in seen.items():
        assert values == sorted(values) and len(values) in (307, 308), key


class RecordingTransport:
    def __init__(self) -> None:
        self.sent: list[streamer.Envelope] = []
        self.started: tuple[frozenset[str], frozenset[str]] | None = None
        self.deliver: Callable[[streamer.Envelope, Callable[[], None]], None] | None = None
        self.stopped = False

    def start(self, outgoing: frozenset[str], incoming: frozenset[str], deliver: Any) -> None:
        self.started = (outgoing, incoming)
        self.deliver = deliver

    def send(self, envelope: streamer.Envelope) -> None:
        self.sent.append(envelope)

    def stop(self, timeout: float) -> None:
        self.stopped = True


def test_transport_hook_runs_one_process_and_acknowledges_after_handling() -> None:
    spec = streamer.Topology(
        module="t",
        events=PIPE_EVENTS,
        actors=pipeline().actors,
        processes=(streamer.ProcessSpec("front", ("First",)), streamer.ProcessSpec("back", ("Second",))),
    )
    transport = RecordingTransport()
    system = streamer.System(spec, {"First": First}, process="front", transport=transport)
    system.start()
    assert transport.started == (frozenset({"Mid"}), frozenset({"In"}))
    acked = Waiter()
    assert transport.deliver is not None
    envelope = streamer.Envelope(1, "In", "kafka", 1, None, 0.0, Num(value=9))
    transport.deliver(envelope, lambda: acked.add(1))
    assert acked.wait_for(1)
    assert [e.event for e in transport.sent] == [Item(key="2", value=9)]
    assert transport.sent[0].trace_id == 1
    with pytest.raises(streamer.EventTypeError):
        transport.deliver(streamer.Envelope(2, "In", "kafka", 2, None, 0.0, Done()), lambda: None)
    system.stop()
    assert transport.stopped
    with pytest.raises(streamer.SystemStoppedError):
        transport.deliver(envelope, lambda: None)


def test_unknown_process_is_a_clear_error() -> None:
    with pytest.raises(streamer.TopologyError, match="unknown process 'nope'"):
        streamer.System(pipeline(), handlers(), process="nope")


def test_invalid_topology_lists_every_problem() -> None:
    bad = topo(
        ActorSpec("X", inputs=(Input("Ghost", "on_ghost"),), emits=("Phantom",)),
        events=(ev("N", Num),),
    )
    with pytest.raises(streamer.TopologyError) as caught:
        streamer.TestDriver(bad, {})
    assert "undeclared event Ghost" in str(caught.value) and "undeclared event Phantom" in str(caught.value)


def test_stateful_actor_with_several_workers_serializes_its_pipeline() -> None:
    from runtime_support import Seq

    events = (ev("S", Seq, key="tag", external=True),)
    done = Waiter()

    class Ordered(streamer.Actor):
        def on_s(self, ctx: streamer.Context[Any], event: Seq) -> None:
            done.add(event.height)

    spec = topo(
        ActorSpec("O", inputs=(Input("S", "on_s"),), workers=3, ordered=streamer.OrderedSpec(("S",), "height")),
        events=events,
    )
    system = streamer.System(spec, {"O": Ordered})
    system.start()
    heights = list(range(3000))
    for block in range(0, 3000, 100):  # each block of a hundred arrives reversed
        for height in reversed(heights[block : block + 100]):
            system.publish(Seq(height=height, tag=f"t{height % 5}"))
    assert done.wait_for(3000)
    assert done.items == heights


def test_join_expiry_fires_on_the_real_clock() -> None:
    from runtime_support import Other, Timeout

    events = (ev("A", Item, key="key", external=True), ev("B", Other, key="key"), ev("T", Timeout))
    timeouts = Waiter()

    class Joiner(streamer.Actor):
        def on_ready(self, ctx: streamer.Context[Any], a: Item, b: Other) -> None: ...

    spec = topo(
        ActorSpec(
            "J",
            inputs=(Input("A", None), Input("B", None)),
            emits=("T",),
            joins=(streamer.JoinSpec("Ready", ("A", "B"), "key", streamer.Expiry(0.05, "emit", "T"), "on_ready"),),
        ),
        events=events,
    )
    system = streamer.System(spec, {"J": Joiner})
    system.subscribe("T", timeouts.add)
    system.start()
    system.publish(Item(key="k1"))
    assert timeouts.wait_for(1)
    assert timeouts.items == [Timeout(key="k1", missing=["B"])]


def test_remote_envelope_is_acknowledged_once_after_every_subscriber_finished() -> None:
    from runtime_support import Other

    events = (ev("A", Item, key="key", external=True), ev("B", Other, key="key", external=True))
    release = threading.Event()
    acks = Waiter()

    class Slow(streamer.Actor):
        def on_a(self, ctx: streamer.Context[Any], event: Item) -> None:
            release.wait(10)

    class Joiner(streamer.Actor):
        def on_ready(self, ctx: streamer.Context[Any], a: Item, b: Other) -> None: ...

    spec = streamer.Topology(
        module="t",
        events=events,
        actors=(
            ActorSpec("Slow", inputs=(Input("A", "on_a"),)),
            ActorSpec(
                "Filtered",
                inputs=(Input("A", "on_a"),),
                filters=(streamer.Filter("A", predicate=lambda event: False),),
            ),
            ActorSpec(
                "Joiner",
                inputs=(Input("A", None), Input("B", None)),
                joins=(streamer.JoinSpec("Ready", ("A", "B"), "key", None, "on_ready"),),
            ),
        ),
        processes=(streamer.ProcessSpec("all", ("Slow", "Filtered", "Joiner")),),
    )
    transport = RecordingTransport()
    system = streamer.System(spec, {"Slow": Slow, "Filtered": Slow, "Joiner": Joiner}, process="all", transport=transport)
    system.start()
    assert transport.deliver is not None
    transport.deliver(streamer.Envelope(7, "A", "kafka", 7, None, 0.0, Item(key="k")), lambda: acks.add(7))
    assert not acks.wait_for(1, timeout=0.2)  # the slow subscriber still has it
    release.set()
    assert acks.wait_for(1)  # filtered by one, held by the join of another, handled by the third
    assert system.stop() is not None
    assert acks.items == [7]


def test_a_handler_class_that_cannot_be_built_is_a_clear_error() -> None:
    class Broken(First):
        def __init__(self) -> None:
            raise ValueError("no config")

    with pytest.raises(streamer.StreamerError, match="cannot build the handler of actor First: ValueError"):
        streamer.System(pipeline(), {"First": Broken, "Second": handlers()["Second"]})
