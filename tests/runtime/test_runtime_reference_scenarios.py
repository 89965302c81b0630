"""The reference system's in-process scenarios (REFERENCE.md 1-8 and 10), in our API."""

from __future__ import annotations

from typing import Any

import pytest
from runtime_support import Done, Num, Waiter, ev, topo

import streamer
from streamer import (
    ActorSpec,
    CallSpec,
    CollectSpec,
    Input,
    JoinSpec,
    MachineSpec,
    OrderedSpec,
    ServiceSpec,
    StateSpec,
    StreamSpec,
    Transition,
    WatchSpec,
)


class Seq(streamer.Event, frozen=True, kw_only=True):
    height: int


class Data(streamer.Event, frozen=True, kw_only=True):
    key: str
    height: int


class Ask(streamer.Event, frozen=True, kw_only=True):
    keys: list[str]
    height: int


class Clear(streamer.Event, frozen=True, kw_only=True):
    height: int


class Request(streamer.Event, frozen=True, kw_only=True):
    text: str


class Response(streamer.Event, frozen=True, kw_only=True):
    text: str


TWO = (ev("S1", Num, external=True), ev("S2", Num, external=True))


def pair_topology(latest: bool, buffers: tuple[StreamSpec, ...] = ()) -> streamer.Topology:
    actor = ActorSpec(
        "D",
        inputs=(Input("S1", None, latest=latest), Input("S2", None, latest=latest)),
        joins=(JoinSpec("Pair", ("S1", "S2"), None, None, "on_pair"),),
    )
    return topo(actor, events=TWO, streams=buffers)


class PairActor(streamer.Actor):
    fired: list[tuple[int, int]]

    def __init__(self) -> None:
        self.fired = []

    def on_pair(self, ctx: streamer.Context[Any], s1: Num, s2: Num) -> None:
        self.fired.append((s1.value, s2.value))


def test_1_latest_value_and_fires_on_new_values_only() -> None:
    driver = streamer.TestDriver(pair_topology(latest=True), {"D": PairActor})
    for stream, value in [("S1", 1), ("S2", 2), ("S1", 1), ("S1", 2), ("S2", 1)]:
        driver.send(Num(value=value), name=stream)
    assert driver.actor("D").fired == [(1, 2), (2, 1)]  # type: ignore[attr-defined]


def test_2_buffers_of_one_fire_for_every_pair() -> None:
    buffers = (StreamSpec("S1", buffer=1), StreamSpec("S2", buffer=1))
    fired = Waiter()

    class Recorder(PairActor):
        def on_pair(self, ctx: streamer.Context[Any], s1: Num, s2: Num) -> None:
            fired.add((s1.value, s2.value))

    system = streamer.System(pair_topology(latest=False, buffers=buffers), {"D": Recorder})
    system.start()
    for _ in range(2):
        system.publish(Num(value=1), name="S1")
        system.publish(Num(value=2), name="S2")
    assert fired.wait_for(2)
    result = system.stop()
    assert result is not None and result.drained
    assert fired.items == [(1, 2), (1, 2)]


def test_3_or_fires_for_each_item_tagged_with_its_stream() -> None:
    actor = ActorSpec("Or", inputs=(Input("S1", "on_s1"), Input("S2", "on_s2")))

    class OrActor(streamer.Actor):
        def __init__(self) -> None:
            self.fired: list[tuple[str, int]] = []

        def on_s1(self, ctx: streamer.Context[Any], event: Num) -> None:
            self.fired.append(("S1", event.value))

        def on_s2(self, ctx: streamer.Context[Any], event: Num) -> None:
            self.fired.append(("S2", event.value))

    sends = [("S1", 1), ("S2", 2), ("S1", 3), ("S1", 4), ("S2", 5), ("S1", 6), ("S1", 7)]
    driver = streamer.TestDriver(topo(actor, events=TWO), {"Or": OrActor})
    for stream, value in sends:
        driver.send(Num(value=value), name=stream)
    assert driver.actor("Or").fired == sends  # type: ignore[attr-defined]

    # Threaded: every item once, order kept within each stream.
    waiter = Waiter()

    class ThreadedOr(OrActor):
        def on_s1(self, ctx: streamer.Context[Any], event: Num) -> None:
            waiter.add(("S1", event.value))

        def on_s2(self, ctx: streamer.Context[Any], event: Num) -> None:
            waiter.add(("S2", event.value))

    system = streamer.System(topo(actor, events=TWO), {"Or": ThreadedOr})
    system.start()
    for stream, value in sends:
        system.publish(Num(value=value), name=stream)
    assert waiter.wait_for(7)
    for stream in ("S1", "S2"):
        assert [i for i in waiter.items if i[0] == stream] == [i for i in sends if i[0] == stream]  # type: ignore[index]


def test_4_predicate_over_latest_values() -> None:
    actor = ActorSpec(
        "W",
        inputs=(Input("S1", None), Input("S2", None)),
        watches=(WatchSpec("Equal", ("S1", "S2"), lambda a, b: a.value == b.value, "on_equal"),),
    )

    class Watcher(streamer.Actor):
        def __init__(self) -> None:
            self.fired: list[tuple[int, int]] = []

        def on_equal(self, ctx: streamer.Context[Any], s1: Num, s2: Num) -> None:
            self.fired.append((s1.value, s2.value))

    driver = streamer.TestDriver(topo(actor, events=TWO), {"W": Watcher})
    sends = [("S1", 1), ("S2", 1), ("S1", 2), ("S2", 2), ("S2", 2), ("S2", 2), ("S1", 3), ("S2", 1), ("S2", 3)]
    for stream, value in sends:
        driver.send(Num(value=value), name=stream)
    assert driver.actor("W").fired == [(1, 1), (2, 2), (2, 2), (2, 2), (3, 3)]  # type: ignore[attr-defined]


def test_5_topology_edges() -> None:
    events = tuple(ev(name, Num) for name in ("S1", "S2", "S3", "SD"))
    topology = topo(
        ActorSpec("A", emits=("S1",)),
        ActorSpec("B", emits=("S2",)),
        ActorSpec("C", emits=("S3",)),
        ActorSpec(
            "D",
            inputs=(Input("S1", None), Input("S2", None)),
            joins=(JoinSpec("Both", ("S1", "S2"), None, None, "on_both"),),
            emits=("SD",),
        ),
        ActorSpec("E", inputs=(Input("SD", "on_sd"), Input("S3", "on_s3"))),
        ActorSpec("H", inputs=(Input("S2", "on_s2"), Input("S3", "on_s3"))),
        events=events,
    )
    edges = {str(edge) for edge in streamer.describe(topology)}
    assert edges == {
        "A -> D [S1 (join Both)]",
        "B -> D [S2 (join Both)]",
        "D -> E [SD]",
        "C -> E [S3]",
        "B -> H [S2]",
        "C -> H [S3]",
    }


def test_6_ordered_gate_with_state_machine() -> None:
    events = (ev("Msg1", Seq), ev("Msg2", Seq), ev("MsgA", Seq))
    actor = ActorSpec(
        "G",
        inputs=(Input("Msg1", "on_msg1"), Input("Msg2", "on_msg2"), Input("MsgA", "on_msga")),
        ordered=OrderedSpec(("Msg1", "Msg2", "MsgA"), "height", start=1, advance="manual", stale="pass"),
        machine=MachineSpec(
            "S0",
            (StateSpec("S0", accepts=("Msg1", "Msg2")), StateSpec("S1", accepts=("MsgA",))),
            (Transition("S0", "S1", on="Msg2"), Transition("S1", "S0", on="MsgA")),
        ),
    )

    class Gate(streamer.Actor):
        def __init__(self) -> None:
            self.runs: list[tuple[str, int, str | None]] = []

        def on_msg1(self, ctx: streamer.Context[Any], event: Seq) -> None:
            self.runs.append(("msg1", event.height, ctx.state))
            ctx.advance(event.height + 1)

        def on_msg2(self, ctx: streamer.Context[Any], event: Seq) -> None:
            self.runs.append(("msg2", event.height, ctx.state))
            ctx.advance(event.height + 1)

        def on_msga(self, ctx: streamer.Context[Any], event: Seq) -> None:
            self.runs.append(("msgA", event.height, ctx.state))

    driver = streamer.TestDriver(topo(actor, events=events), {"G": Gate})
    for name, height in [("Msg1", 1), ("Msg1", 3), ("Msg1", 2), ("Msg2", 3), ("MsgA", 4)]:
        driver.send(Seq(height=height), name=name)
    assert driver.actor("G").runs == [  # type: ignore[attr-defined]
        ("msg1", 1, "S0"),
        ("msg1", 2, "S0"),
        ("msg1", 3, "S0"),
        ("msg2", 3, "S0"),
        ("msgA", 4, "S1"),
    ]
    assert driver.state("G") == "S0"
    assert driver.held("G") == 0


def test_7_aggregator_with_state_machine() -> None:
    events = (ev("Data", Data), ev("List", Ask), ev("Clear", Clear), ev("Out", Done))
    actor = ActorSpec(
        "Agg",
        inputs=(Input("Data", "on_data"), Input("List", "on_list"), Input("Clear", "on_clear")),
        emits=("Out",),
        collects=(CollectSpec("Batch", "Data", "key", "List", "keys", None, "on_batch"),),
        ordered=OrderedSpec(("Data", "List", "Clear"), "height", start=0, advance="manual", stale="drop"),
        machine=MachineSpec(
            "Init",
            (
                StateSpec("Init", accepts=("Data", "List"), defers=("Clear",)),
                StateSpec("Collecting", accepts=("Data",), defers=("Clear",)),
                StateSpec("Done", accepts=("Data", "Clear")),
            ),
            (
                Transition("Init", "Collecting"),
                Transition("Collecting", "Done"),
                Transition("Init", "Done"),
                Transition("Done", "Init", on="Clear"),
            ),
        ),
    )

    class Aggregator(streamer.Actor):
        def on_data(self, ctx: streamer.Context[Any], event: Data) -> None:
            ctx.emit(Done(text=f"{event.key} remembered"))

        def on_list(self, ctx: streamer.Context[Any], event: Ask) -> None:
            ctx.emit(Done(text="collecting"))
            ctx.goto("Collecting")

        def on_batch(self, ctx: streamer.Context[Any], ask: Ask, items: list[Data]) -> None:
            ctx.emit(Done(text="done " + ",".join(item.key for item in items)))
            ctx.goto("Done")

        def on_clear(self, ctx: streamer.Context[Any], event: Clear) -> None:
            ctx.discard("Batch", lambda item: item.height <= event.height)
            ctx.emit(Done(text="cleared"))
            ctx.advance(event.height + 1)

    driver = streamer.TestDriver(topo(actor, events=events), {"Agg": Aggregator})
    driver.send(Data(key="item1", height=0))
    driver.send(Clear(height=0))
    driver.send(Ask(keys=["item1", "item2"], height=0))
    driver.send(Data(key="item2", height=1))
    driver.send(Data(key="item2", height=2))
    driver.send(Data(key="item2", height=0))
    texts = [event.text for event in driver.emitted(Done)]
    assert texts == [
        "item1 remembered",
        "collecting",
        "item2 remembered",
        "done item1,item2",
        "cleared",
        "item2 remembered",  # item2@1, released once the height advanced to 1
    ]
    assert driver.state("Agg") == "Init"
    assert driver.held("Agg") == 2  # item2@1 collected, item2@2 held by the ordered gate


def test_8_data_set_lists_complete_in_asked_order() -> None:
    events = (ev("Data", Data), ev("Ask", Ask), ev("Clear", Clear), ev("Out", Done))
    actor = ActorSpec(
        "Set",
        inputs=(Input("Data", None), Input("Ask", None), Input("Clear", "on_clear")),
        emits=("Out",),
        collects=(CollectSpec("Lists", "Data", "key", "Ask", "keys", None, "on_list"),),
    )

    class DataSet(streamer.Actor):
        def on_list(self, ctx: streamer.Context[Any], ask: Ask, items: list[Data]) -> None:
            ctx.emit(Done(text=",".join(item.key for item in items)))

        def on_clear(self, ctx: streamer.Context[Any], event: Clear) -> None:
            dropped = ctx.discard("Lists", lambda item: item.height <= event.height)
            ctx.emit(Done(text=f"cleared {dropped}"))

    driver = streamer.TestDriver(topo(actor, events=events), {"Set": DataSet})
    for key in ("0_1", "1_1", "1_3", "2_1", "2_3"):
        driver.send(Data(key=key, height=int(key[0])))
    driver.send(Ask(keys=["1_1", "1_2"], height=1))
    driver.send(Ask(keys=["1_2", "1_3"], height=1))
    assert driver.emitted(Done) == []  # both pending
    driver.send(Data(key="1_2", height=1))
    assert [e.text for e in driver.emitted(Done)] == ["1_1,1_2", "1_2,1_3"]
    driver.send(Data(key="2_2", height=2))
    driver.send(Ask(keys=["2_1", "2_2"], height=2))
    assert [e.text for e in driver.emitted(Done)][-1] == "2_1,2_2"  # complete at once
    driver.send(Clear(height=1))
    # Items a fired list used are consumed; of the rest, clear(1) drops 0_1
    # and only the height-2 item remains.
    assert [e.text for e in driver.emitted(Done)][-1] == "cleared 1"
    assert driver.held("Set") == 1


SERVICE_EVENTS = (ev("Request", Request), ev("Response", Response))


def service_topology() -> streamer.Topology:
    def service(method: str, timeout: float = 2.0) -> ServiceSpec:
        return ServiceSpec(method, "Request", "Response", timeout, method)

    return topo(
        ActorSpec("A", services=(service("hello"), service("chain")), calls=(CallSpec("B", "compose"),)),
        ActorSpec("B", services=(service("compose"),), calls=(CallSpec("C", "base"),)),
        ActorSpec("C", services=(service("base"), service("silent", timeout=1.0))),
        events=SERVICE_EVENTS,
    )


class ServiceA(streamer.Actor):
    def hello(self, ctx: streamer.Context[Any], request: Request) -> Response:
        return Response(text="response for hello")

    def chain(self, ctx: streamer.Context[Any], request: Request) -> None:
        handle = ctx.defer_reply()

        def then(ctx: streamer.Context[Any], reply: streamer.Reply[Response]) -> None:
            if reply.ok and reply.value is not None:
                handle.reply(Response(text=f"A({reply.value.text})"))
            else:
                handle.fail(str(reply.error))

        ctx.call("B", "compose", request, then)


class ServiceB(streamer.Actor):
    def compose(self, ctx: streamer.Context[Any], request: Request) -> None:
        handle = ctx.defer_reply()

        def then(ctx: streamer.Context[Any], reply: streamer.Reply[Response]) -> None:
            assert reply.value is not None
            handle.reply(Response(text=f"B({reply.value.text})"))

        ctx.call("C", "base", request, then)


class ServiceC(streamer.Actor):
    def base(self, ctx: streamer.Context[Any], request: Request) -> Response:
        return Response(text=f"response for {request.text}")

    def silent(self, ctx: streamer.Context[Any], request: Request) -> None:
        ctx.defer_reply()  # never answers


SERVICES = {"A": ServiceA, "B": ServiceB, "C": ServiceC}


def test_10_request_reply_in_the_driver() -> None:
    driver = streamer.TestDriver(service_topology(), SERVICES)
    assert driver.call("A", "hello", Request(text="x")).value == Response(text="response for hello")
    assert driver.call("A", "chain", Request(text="base")).value == Response(text="A(B(response for base))")
    timed_out = driver.call("C", "silent", Request(text="x"))
    assert not timed_out.ok and isinstance(timed_out.error, streamer.ServiceTimeout)
    # the process keeps running
    assert driver.call("A", "hello", Request(text="x")).ok


def test_10_request_reply_on_threads() -> None:
    system = streamer.System(service_topology(), SERVICES)
    system.start()
    assert system.call("A", "hello", Request(text="x")).result(5).value == Response(text="response for hello")
    chained = system.call("A", "chain", Request(text="base")).result(5)
    assert chained.value == Response(text="A(B(response for base))")
    timed_out = system.call("C", "silent", Request(text="x")).result(5)
    assert isinstance(timed_out.error, streamer.ServiceTimeout)
    assert system.running
    assert system.call("A", "hello", Request(text="x")).result(5).ok


@pytest.mark.parametrize("latest", [True, False])
def test_and_input_order_is_declaration_order(latest: bool) -> None:
    """Weak point: AND input order depended on map iteration. Ours is the declared part order."""
    for sends in ([("S1", 1), ("S2", 2)], [("S2", 2), ("S1", 1)]):
        driver = streamer.TestDriver(pair_topology(latest=latest), {"D": PairActor})
        for stream, value in sends:
            driver.send(Num(value=value), name=stream)
        assert driver.actor("D").fired == [(1, 2)]  # type: ignore[attr-defined]
