"""The gate pipeline, driven deterministically: filters, ordered gate, state
machine, joins, collects and watches."""

from __future__ import annotations

from typing import Any

import pytest
from runtime_support import Done, Item, Num, Other, Seq, Timeout, ev, topo

import streamer
from streamer import (
    ActorSpec,
    CollectSpec,
    Expiry,
    Filter,
    Input,
    JoinSpec,
    MachineSpec,
    OrderedSpec,
    StateSpec,
    Transition,
)


class Recorder(streamer.Actor):
    """Records (handler, payload) for every handler method named in ``HANDLERS``."""

    HANDLERS = ("on_n", "on_s", "on_open", "on_work", "on_cancel", "on_ready", "on_batch", "on_both", "on_go")

    def __init__(self) -> None:
        self.log: list[tuple[str, Any]] = []

    def _record(self, name: str, args: tuple[Any, ...]) -> None:
        self.log.append((name, args if len(args) > 1 else args[0]))


for _name in Recorder.HANDLERS:
    setattr(
        Recorder,
        _name,
        (lambda name: lambda self, ctx, *args: self._record(name, args))(_name),
    )


def recorder(driver: streamer.TestDriver, actor: str = "X") -> list[tuple[str, Any]]:
    instance: Any = driver.actor(actor)
    return instance.log  # type: ignore[no-any-return]


# ---- filters ---------------------------------------------------------------


def test_filters_only_from_not_from_and_predicate_are_counted() -> None:
    actor = ActorSpec(
        "X",
        inputs=(Input("N", "on_n"),),
        filters=(
            Filter("N", only_from=("Gateway", "Importer")),
            Filter("N", not_from=("Importer",)),
            Filter("N", predicate=lambda event: event.value > 0, text="filter N where value > 0"),
        ),
    )
    driver = streamer.TestDriver(topo(actor, events=(ev("N", Num, external=True),)), {"X": Recorder})
    driver.send(Num(value=1), source="Gateway")
    driver.send(Num(value=2), source="Importer")  # not from Importer
    driver.send(Num(value=3), source="Other")  # not in only-from
    driver.send(Num(value=-4), source="Gateway")  # predicate fails
    assert recorder(driver) == [("on_n", Num(value=1))]
    assert driver.stats()["actors"]["X"]["filtered"] == 3


def test_a_filter_that_raises_is_a_handler_failure_not_a_crash() -> None:
    actor = ActorSpec("X", inputs=(Input("N", "on_n"),), filters=(Filter("N", predicate=lambda e: 1 // e.value > 0),))
    driver = streamer.TestDriver(topo(actor, events=(ev("N", Num),)), {"X": Recorder})
    driver.send(Num(value=0))
    driver.send(Num(value=1))
    assert recorder(driver) == [("on_n", Num(value=1))]
    assert "ZeroDivisionError" in driver.dead_letters[0].error


# ---- ordered gate ----------------------------------------------------------------


def ordered_driver(**options: Any) -> streamer.TestDriver:
    actor = ActorSpec("X", inputs=(Input("S", "on_s"),), ordered=OrderedSpec(("S",), "height", **options))
    return streamer.TestDriver(topo(actor, events=(ev("S", Seq),)), {"X": Recorder})


def heights(driver: streamer.TestDriver) -> list[int]:
    return [event.height for _, event in recorder(driver)]


def test_ordered_gate_holds_early_events_sorted() -> None:
    driver = ordered_driver(start=1)
    for height, tag in [(3, "a"), (4, "x"), (3, "b"), (2, ""), (1, "")]:
        driver.send(Seq(height=height, tag=tag))
    # auto: passing 3 moves the sequence to 4, so the second 3 is stale
    assert [(e.height, e.tag) for _, e in recorder(driver)] == [(1, ""), (2, ""), (3, "a"), (4, "x")]
    assert [d.envelope.event for d in driver.dead_letters] == [Seq(height=3, tag="b")]  # type: ignore[union-attr]
    assert driver.held("X") == 0


@pytest.mark.parametrize(
    ("policy", "handled", "dead"),
    [("drop", [1, 2], 0), ("deadletter", [1, 2], 1), ("pass", [1, 2, 1], 0)],
)
def test_ordered_gate_stale_policies(policy: str, handled: list[int], dead: int) -> None:
    driver = ordered_driver(start=1, stale=policy)
    for height in (1, 2, 1):
        driver.send(Seq(height=height))
    assert heights(driver) == handled
    assert len(driver.dead_letters) == dead
    if dead:
        assert "stale" in driver.dead_letters[0].reason


def test_ordered_gate_manual_advance() -> None:
    actor = ActorSpec(
        "X",
        inputs=(Input("S", "on_s"), Input("N", "on_n")),
        ordered=OrderedSpec(("S",), "height", start=0, advance="manual"),
    )

    class Manual(Recorder):
        def on_n(self, ctx: streamer.Context[Any], event: Num) -> None:
            ctx.advance(event.value)

    driver = streamer.TestDriver(topo(actor, events=(ev("S", Seq), ev("N", Num))), {"X": Manual})
    for height in (0, 0, 1, 2):
        driver.send(Seq(height=height))
    assert heights(driver) == [0, 0]  # manual: passing does not advance
    driver.send(Num(value=1))
    assert heights(driver) == [0, 0, 1]
    driver.send(Num(value=2))
    assert heights(driver) == [0, 0, 1, 2]
    for tag in "abc":  # held in arrival order among equal sequences
        driver.send(Seq(height=3, tag=tag))
    driver.send(Num(value=3))
    assert [e.tag for _, e in recorder(driver)][-3:] == ["a", "b", "c"]


def test_ordered_gate_held_events_are_bounded() -> None:
    driver = ordered_driver(start=0, held_limit=3)
    for height in range(1, 6):
        driver.send(Seq(height=height))
    assert driver.held("X") == 3
    assert [letter.envelope.event.height for letter in driver.dead_letters] == [4, 5]  # type: ignore[union-attr]
    assert all("ordered gate full" in letter.reason for letter in driver.dead_letters)


# ---- state machine ------------------------------------------------------------


def machine_driver(otherwise: str = "defer", held_limit: int = 100) -> streamer.TestDriver:
    actor = ActorSpec(
        "X",
        inputs=(Input("Open", "on_open"), Input("Work", "on_work"), Input("Cancel", "on_cancel")),
        machine=MachineSpec(
            "Idle",
            (
                StateSpec("Idle", accepts=("Open",), defers=("Work",)),
                StateSpec("Busy", accepts=("Work", "Cancel", "Open")),
                StateSpec("Closed", final=True, rejects=("Work",)),
            ),
            (Transition("Idle", "Busy", on="Open"), Transition("Busy", "Closed", on="Cancel")),
            otherwise=otherwise,  # type: ignore[arg-type]
            held_limit=held_limit,
        ),
    )
    events = (ev("Open", Item), ev("Work", Num), ev("Cancel", Other))
    return streamer.TestDriver(topo(actor, events=events), {"X": Recorder})


def test_deferred_events_are_released_in_arrival_order_on_state_change() -> None:
    driver = machine_driver()
    driver.send(Num(value=1))
    driver.send(Num(value=2))
    assert recorder(driver) == [] and driver.held("X") == 2
    driver.send(Item(key="go"))
    assert recorder(driver) == [("on_open", Item(key="go")), ("on_work", Num(value=1)), ("on_work", Num(value=2))]
    assert driver.state("X") == "Busy"


def test_otherwise_defer_and_reject_and_explicit_reject() -> None:
    driver = machine_driver(otherwise="reject")
    driver.send(Other(key="c"))  # Idle does not list Cancel: otherwise reject
    assert [d.reason for d in driver.dead_letters] == ["rejected in state Idle"]
    driver.send(Item(key="go"))
    driver.send(Other(key="c"))  # Busy -> Closed
    assert driver.state("X") == "Closed"
    driver.send(Num(value=5))  # Closed rejects Work explicitly
    assert driver.dead_letters[-1].reason == "rejected in state Closed"
    assert driver.dead_letters[-1].envelope.event == Num(value=5)  # type: ignore[union-attr]

    deferring = machine_driver(otherwise="defer")
    deferring.send(Other(key="c"))
    assert deferring.held("X") == 1 and not deferring.dead_letters


def test_deferred_events_are_bounded() -> None:
    driver = machine_driver(held_limit=2)
    for value in range(4):
        driver.send(Num(value=value))
    assert driver.held("X") == 2
    assert [d.envelope.event for d in driver.dead_letters] == [Num(value=2), Num(value=3)]  # type: ignore[union-attr]
    driver.send(Item(key="go"))
    assert [payload for name, payload in recorder(driver) if name == "on_work"] == [Num(value=0), Num(value=1)]


def test_goto_needs_a_declared_transition_and_runs_hooks() -> None:
    actor = ActorSpec(
        "X",
        inputs=(Input("Go", "on_go"),),
        machine=MachineSpec(
            "A",
            (
                StateSpec("A", accepts=("Go",), on_enter="on_enter_A", on_exit="on_exit_A"),
                StateSpec("B", accepts=("Go",), on_enter="on_enter_B"),
            ),
            (Transition("A", "B"),),
        ),
    )

    class Walker(streamer.Actor):
        def __init__(self) -> None:
            self.log: list[str] = []

        def on_go(self, ctx: streamer.Context[Any], event: Item) -> None:
            ctx.goto(event.key)

        def on_enter_A(self, ctx: streamer.Context[Any]) -> None:
            self.log.append("enter A")

        def on_exit_A(self, ctx: streamer.Context[Any]) -> None:
            self.log.append("exit A")

        def on_enter_B(self, ctx: streamer.Context[Any]) -> None:
            self.log.append(f"enter B (state {self.state})")

    driver = streamer.TestDriver(topo(actor, events=(ev("Go", Item),)), {"X": Walker})
    driver.send(Item(key="B"))
    assert driver.actor("X").log == ["enter A", "exit A", "enter B (state B)"]  # type: ignore[attr-defined]
    driver.send(Item(key="A"))  # no B -> A transition
    assert driver.state("X") == "B"
    assert "TransitionError: actor X: no transition B -> A declared" in driver.dead_letters[0].error
    with pytest.raises(AttributeError):
        driver.actor("X").state = "A"  # type: ignore[misc]


def test_machine_rejects_undeclared_states_at_construction() -> None:
    actor = ActorSpec("X", machine=MachineSpec("Nope", (StateSpec("A"),)))
    with pytest.raises(streamer.TopologyError, match="initial state 'Nope'"):
        streamer.TestDriver(topo(actor, events=()), {"X": Recorder})


# ---- joins ------------------------------------------------------------------------


def join_driver(expiry: Expiry | None = None, key: str | None = "key") -> streamer.TestDriver:
    actor = ActorSpec(
        "X",
        inputs=(Input("A", None), Input("B", None)),
        emits=("T",),
        joins=(JoinSpec("Ready", ("A", "B"), key, expiry, "on_ready"),),
    )
    events = (ev("A", Item), ev("B", Other), ev("T", Timeout))
    return streamer.TestDriver(topo(actor, events=events), {"X": Recorder})


def test_join_fires_once_per_key_in_part_order() -> None:
    driver = join_driver()
    driver.send(Other(key="k1", value=1))
    driver.send(Item(key="k2", value=2))
    driver.send(Item(key="k1", value=3))
    driver.send(Other(key="k2", value=4))
    assert recorder(driver) == [
        ("on_ready", (Item(key="k1", value=3), Other(key="k1", value=1))),
        ("on_ready", (Item(key="k2", value=2), Other(key="k2", value=4))),
    ]
    assert driver.held("X") == 0  # parts removed after firing


def test_join_second_part_of_same_key_waits_for_the_next_set() -> None:
    driver = join_driver()
    driver.send(Item(key="k", value=1))
    driver.send(Item(key="k", value=2))
    driver.send(Other(key="k", value=10))
    driver.send(Other(key="k", value=20))
    assert [payload[0].value for _, payload in recorder(driver)] == [1, 2]


def test_join_expiry_drop_deadletter_emit() -> None:
    dropping = join_driver(Expiry(5.0, "drop"))
    dropping.send(Item(key="k"))
    dropping.advance(4.9)
    assert dropping.held("X") == 1
    dropping.advance(0.2)
    assert dropping.held("X") == 0 and not dropping.dead_letters
    assert dropping.stats()["actors"]["X"]["expired"] == 1
    dropping.send(Other(key="k"))  # a fresh set, not joined with the expired part
    assert recorder(dropping) == []

    dead = join_driver(Expiry(5.0, "deadletter"))
    dead.send(Item(key="k"))
    dead.advance(5.0)
    assert dead.dead_letters[0].reason == "join Ready expired after 5s, missing B"

    emitting = join_driver(Expiry(5.0, "emit", "T"))
    emitting.send(Other(key="k"))
    emitting.advance(10)
    assert emitting.emitted(Timeout) == [Timeout(key="k", missing=["A"])]


def test_join_completed_before_expiry_does_not_expire() -> None:
    driver = join_driver(Expiry(5.0, "deadletter"))
    driver.send(Item(key="k"))
    driver.send(Other(key="k"))
    driver.advance(10)
    assert len(recorder(driver)) == 1 and not driver.dead_letters


def test_join_without_key_pairs_one_of_each() -> None:
    driver = join_driver(key=None)
    for value in (1, 2):
        driver.send(Item(key="a", value=value))
    driver.send(Other(key="b", value=3))
    assert recorder(driver) == [("on_ready", (Item(key="a", value=1), Other(key="b", value=3)))]


# ---- collects and watches ------------------------------------------------------


class Wanted(streamer.Event, frozen=True, kw_only=True):
    id: str
    keys: list[str]


def collect_driver(expiry: Expiry | None = None) -> streamer.TestDriver:
    actor = ActorSpec(
        "X",
        inputs=(Input("I", None), Input("L", None)),
        emits=("T",),
        collects=(CollectSpec("Batch", "I", "key", "L", "keys", expiry, "on_batch"),),
    )
    events = (ev("I", Item), ev("L", Wanted, key="id"), ev("T", Timeout))
    return streamer.TestDriver(topo(actor, events=events), {"X": Recorder})


def test_collect_fires_once_with_items_in_list_order() -> None:
    driver = collect_driver()
    driver.send(Item(key="b", value=2))
    driver.send(Wanted(id="w", keys=["a", "b", "c"]))
    driver.send(Item(key="c", value=3))
    assert recorder(driver) == []
    driver.send(Item(key="a", value=1))
    [(name, (wanted, items))] = recorder(driver)
    assert name == "on_batch" and wanted.id == "w"
    assert [item.key for item in items] == ["a", "b", "c"]


def test_collect_expiry_reports_missing_items() -> None:
    driver = collect_driver(Expiry(2.0, "emit", "T"))
    driver.send(Item(key="a"))
    driver.send(Wanted(id="w", keys=["a", "b", "c"]))
    driver.advance(2.0)
    assert driver.emitted(Timeout) == [Timeout(key="w", missing=["b", "c"])]
    dead = collect_driver(Expiry(2.0, "deadletter"))
    dead.send(Wanted(id="w", keys=["x"]))
    dead.advance(3)
    assert dead.dead_letters[0].reason == "collect Batch expired after 2s, missing ['x']"


def test_watch_ignores_until_every_input_has_a_value() -> None:
    actor = ActorSpec(
        "X",
        inputs=(Input("A", None), Input("B", None)),
        watches=(streamer.WatchSpec("Both", ("A", "B"), None, "on_both"),),
    )
    driver = streamer.TestDriver(topo(actor, events=(ev("A", Item), ev("B", Other))), {"X": Recorder})
    driver.send(Item(key="a1"))
    driver.send(Item(key="a2"))
    assert recorder(driver) == []
    driver.send(Other(key="b"))
    driver.send(Item(key="a3"))
    assert [(a.key, b.key) for _, (a, b) in recorder(driver)] == [("a2", "b"), ("a3", "b")]


def test_join_name_in_machine_gates_the_firing() -> None:
    actor = ActorSpec(
        "X",
        inputs=(Input("A", None), Input("B", None), Input("Go", "on_go")),
        joins=(JoinSpec("Ready", ("A", "B"), "key", None, "on_ready"),),
        machine=MachineSpec(
            "Wait",
            (StateSpec("Wait", accepts=("Go",), defers=("Ready",)), StateSpec("Run", accepts=("Ready",))),
            (Transition("Wait", "Run", on="Go"),),
        ),
    )
    events = (ev("A", Item), ev("B", Other), ev("Go", Done))
    driver = streamer.TestDriver(topo(actor, events=events), {"X": Recorder})
    driver.send(Item(key="k"))
    driver.send(Other(key="k"))
    assert recorder(driver) == []
    driver.send(Done())
    assert [name for name, _ in recorder(driver)] == ["on_go", "on_ready"]
