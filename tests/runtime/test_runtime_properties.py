"""Property tests: gate guarantees hold for every arrival order, not just the examples."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from runtime_support import Item, Other, Seq, ev, topo

import streamer
from streamer import ActorSpec, Input, JoinSpec, MachineSpec, OrderedSpec, StateSpec, Transition


class Log(streamer.Actor):
    def __init__(self) -> None:
        self.log: list[Any] = []

    def on_s(self, ctx: streamer.Context[Any], event: Seq) -> None:
        self.log.append(event.height)

    def on_ready(self, ctx: streamer.Context[Any], a: Item, b: Other) -> None:
        self.log.append((a.key, a.value, b.value))

    def on_open(self, ctx: streamer.Context[Any], event: Item) -> None:
        self.log.append("open")

    def on_work(self, ctx: streamer.Context[Any], event: Other) -> None:
        self.log.append(event.value)


@settings(max_examples=60, deadline=None)
@given(st.permutations(list(range(25))))
def test_ordered_gate_hands_any_permutation_over_in_order(heights: list[int]) -> None:
    actor = ActorSpec("X", inputs=(Input("S", "on_s"),), ordered=OrderedSpec(("S",), "height", start=0))
    driver = streamer.TestDriver(topo(actor, events=(ev("S", Seq),)), {"X": Log})
    for height in heights:
        driver.send(Seq(height=height))
    assert driver.actor("X").log == list(range(25))  # type: ignore[attr-defined]
    assert driver.held("X") == 0 and not driver.dead_letters


@settings(max_examples=60, deadline=None)
@given(st.permutations([("A", key) for key in range(8)] + [("B", key) for key in range(8)]))
def test_join_fires_once_per_key_in_part_order_for_any_interleaving(arrivals: list[tuple[str, int]]) -> None:
    actor = ActorSpec(
        "X",
        inputs=(Input("A", None), Input("B", None)),
        joins=(JoinSpec("Ready", ("A", "B"), "key", None, "on_ready"),),
    )
    driver = streamer.TestDriver(topo(actor, events=(ev("A", Item), ev("B", Other))), {"X": Log})
    for part, key in arrivals:
        if part == "A":
            driver.send(Item(key=str(key), value=key))
        else:
            driver.send(Other(key=str(key), value=-key))
    fired = driver.actor("X").log  # type: ignore[attr-defined]
    assert sorted(fired) == sorted((str(key), key, -key) for key in range(8))
    assert driver.held("X") == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 50), max_size=20), st.integers(0, 20))
def test_deferred_events_keep_arrival_order(values: list[int], opened_after: int) -> None:
    actor = ActorSpec(
        "X",
        inputs=(Input("Open", "on_open"), Input("Work", "on_work")),
        machine=MachineSpec(
            "Idle",
            (StateSpec("Idle", accepts=("Open",), defers=("Work",)), StateSpec("Busy", accepts=("Work",))),
            (Transition("Idle", "Busy", on="Open"),),
        ),
    )
    driver = streamer.TestDriver(topo(actor, events=(ev("Open", Item), ev("Work", Other))), {"X": Log})
    cut = min(opened_after, len(values))
    for value in values[:cut]:
        driver.send(Other(key="w", value=value))
    driver.send(Item(key="go"))
    for value in values[cut:]:
        driver.send(Other(key="w", value=value))
    assert driver.actor("X").log == ["open", *values]  # type: ignore[attr-defined]
