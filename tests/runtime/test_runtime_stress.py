"""Concurrency stress: many actors, worker threads and producers; totals and
per-key order checked exactly. Repeated to shake out rare interleavings."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from runtime_support import ev, topo

import streamer
from streamer import ActorSpec, Filter, Input, StreamSpec


class K(streamer.Event, frozen=True, kw_only=True):
    key: str
    seq: int


class M(streamer.Event, frozen=True, kw_only=True):
    key: str
    seq: int
    hops: int


class F(streamer.Event, frozen=True, kw_only=True):
    key: str
    seq: int
    hops: int


PRODUCERS, KEYS, PER_KEY = 3, 8, 3000
TOTAL = PRODUCERS * KEYS * PER_KEY


def stress_topology() -> streamer.Topology:
    events = (ev("K", K, key="key", external=True), ev("M", M, key="key"), ev("F", F, key="key"))
    return topo(
        ActorSpec("Split", inputs=(Input("K", "on_k"),), emits=("M",), workers=3, mailbox=128),
        ActorSpec("Relay", inputs=(Input("M", "on_m"),), emits=("F",), workers=2, mailbox=64),
        ActorSpec("Sink", inputs=(Input("F", "on_f"),), workers=3, mailbox=256),
        ActorSpec("Audit", inputs=(Input("M", "on_m"),), mailbox=32),
        ActorSpec(
            "Evens",
            inputs=(Input("F", "on_f"),),
            filters=(Filter("F", predicate=lambda event: event.seq % 2 == 0),),
            workers=2,
        ),
        events=events,
        streams=(StreamSpec("M", buffer=16),),
    )


def make_handlers() -> tuple[dict[str, type[streamer.Actor]], dict[str, Any]]:
    lock = threading.Lock()
    record: dict[str, Any] = {"sink": {}, "audit": 0, "evens": 0, "done": threading.Event()}

    class Split(streamer.Actor):
        def on_k(self, ctx: streamer.Context[Any], event: K) -> None:
            ctx.emit(M(key=event.key, seq=event.seq, hops=1))

    class Relay(streamer.Actor):
        def on_m(self, ctx: streamer.Context[Any], event: M) -> None:
            ctx.emit(F(key=event.key, seq=event.seq, hops=event.hops + 1))

    class Sink(streamer.Actor):
        def on_f(self, ctx: streamer.Context[Any], event: F) -> None:
            with lock:
                record["sink"].setdefault(event.key, []).append(event.seq)

    class Audit(streamer.Actor):
        def on_m(self, ctx: streamer.Context[Any], event: M) -> None:
            record["audit"] += 1  # one worker: no lock needed

    class Evens(streamer.Actor):
        def on_f(self, ctx: streamer.Context[Any], event: F) -> None:
            with lock:
                record["evens"] += 1

    return {"Split": Split, "Relay": Relay, "Sink": Sink, "Audit": Audit, "Evens": Evens}, record


@pytest.mark.timeout(60)
@pytest.mark.parametrize("round_", range(3))
def test_totals_and_per_key_order_hold_under_load(round_: int) -> None:
    handlers, record = make_handlers()
    system = streamer.System(stress_topology(), handlers)
    system.start()

    def produce(producer: int) -> None:
        keys = [f"p{producer}k{k}" for k in range(KEYS)]
        for seq in range(PER_KEY):
            for key in keys:
                system.publish(K(key=key, seq=seq))

    producers = [threading.Thread(target=produce, args=(p,)) for p in range(PRODUCERS)]
    for thread in producers:
        thread.start()
    for thread in producers:
        thread.join(30)
    assert not any(thread.is_alive() for thread in producers)
    result = system.stop(timeout=30)  # drains everything accepted
    assert result is not None and result.drained and result.threads_alive == 0
    sink: dict[str, list[int]] = record["sink"]
    assert len(sink) == PRODUCERS * KEYS
    for key, seqs in sink.items():
        assert seqs == list(range(PER_KEY)), key
    assert record["audit"] == TOTAL
    assert record["evens"] == TOTAL // 2
    stats = system.stats()
    assert stats["actors"]["Evens"]["filtered"] == TOTAL // 2
    assert stats["streams"]["K"]["published"] == stats["streams"]["F"]["published"] == TOTAL
    assert stats["dead_letters"] == 0
