"""Supervision: every policy, dead letters for failures, other actors unaffected."""

from __future__ import annotations

from typing import Any

import pytest
from runtime_support import Done, Num, Waiter, ev, topo

import streamer
from streamer import ActorSpec, Input, MachineSpec, StateSpec, Transition

EVENTS = (ev("N", Num, external=True), ev("Out", Done))


def spec(policy: str, **options: Any) -> streamer.Topology:
    flaky = ActorSpec(
        "Flaky",
        inputs=(Input("N", "on_n"),),
        supervision=policy,  # type: ignore[arg-type]
        machine=MachineSpec(
            "Fresh", (StateSpec("Fresh", accepts=("N",)), StateSpec("Used", accepts=("N",))), (Transition("Fresh", "Used"),)
        ),
        **options,
    )
    steady = ActorSpec("Steady", inputs=(Input("N", "on_n"),))
    return topo(flaky, steady, events=EVENTS)


class Flaky(streamer.Actor):
    instances = 0

    def __init__(self) -> None:
        type(self).instances += 1
        self.seen: list[int] = []

    def on_n(self, ctx: streamer.Context[Any], event: Num) -> None:
        if ctx.state == "Fresh":
            ctx.goto("Used")
        if event.value < 0:
            raise ValueError(f"bad value {event.value}")
        self.seen.append(event.value)


class Steady(streamer.Actor):
    def __init__(self) -> None:
        self.seen: list[int] = []

    def on_n(self, ctx: streamer.Context[Any], event: Num) -> None:
        self.seen.append(event.value)


def run(policy: str, values: list[int], **options: Any) -> streamer.TestDriver:
    class Counted(Flaky):
        instances = 0

    driver = streamer.TestDriver(spec(policy, **options), {"Flaky": Counted, "Steady": Steady})
    for value in values:
        driver.send(Num(value=value))
    return driver


def seen(driver: streamer.TestDriver, actor: str) -> list[int]:
    return driver.actor(actor).seen  # type: ignore[attr-defined, no-any-return]


def test_failure_is_dead_lettered_with_the_event_and_the_exception() -> None:
    driver = run("resume", [1, -2, 3])
    [letter] = driver.dead_letters
    assert letter.actor == "Flaky" and letter.reason == "handler for N raised"
    assert "ValueError: bad value -2" in letter.error
    assert letter.envelope is not None and letter.envelope.event == Num(value=-2)
    assert seen(driver, "Steady") == [1, -2, 3]  # other actors keep running


def test_resume_keeps_instance_and_state() -> None:
    driver = run("resume", [1, -2, 3])
    assert seen(driver, "Flaky") == [1, 3]
    assert type(driver.actor("Flaky")).instances == 1  # type: ignore[attr-defined]
    assert driver.state("Flaky") == "Used"


def test_restart_builds_a_fresh_instance_and_resets_the_machine() -> None:
    driver = run("restart", [1, -2])
    assert seen(driver, "Flaky") == []  # the new instance saw nothing yet
    assert driver.state("Flaky") == "Fresh"
    assert type(driver.actor("Flaky")).instances == 2  # type: ignore[attr-defined]
    driver.send(Num(value=5))
    assert seen(driver, "Flaky") == [5]


def test_restart_stops_after_max_restarts() -> None:
    driver = run("restart", [-1, -2, -3, 4], max_restarts=2)
    assert driver.stats()["actors"]["Flaky"]["stopped"]
    assert driver.dead_letters[-1].reason == "actor stopped"
    assert driver.dead_letters[-1].envelope.event == Num(value=4)  # type: ignore[union-attr]


def test_stop_dead_letters_everything_after() -> None:
    driver = run("stop", [1, -2, 3, 4])
    assert seen(driver, "Flaky") == [1]
    assert [d.reason for d in driver.dead_letters] == ["handler for N raised", "actor stopped", "actor stopped"]
    assert seen(driver, "Steady") == [1, -2, 3, 4]


def test_escalate_stops_the_test_driver_with_the_failure() -> None:
    driver = streamer.TestDriver(spec("escalate"), {"Flaky": Flaky, "Steady": Steady})
    with pytest.raises(streamer.ActorFailure, match="Flaky"):
        driver.send(Num(value=-1))
    with pytest.raises(streamer.ActorFailure):
        driver.send(Num(value=1))


def test_escalate_stops_a_running_system() -> None:
    system = streamer.System(spec("escalate"), {"Flaky": Flaky, "Steady": Steady})
    system.start()
    system.publish(Num(value=-1))
    assert system.wait(10)
    assert isinstance(system.failure, streamer.ActorFailure)
    assert isinstance(system.failure.__cause__, ValueError)
    with pytest.raises(streamer.SystemStoppedError):
        system.publish(Num(value=1))


def test_dead_letters_reach_subscribers_on_threads() -> None:
    letters = Waiter()
    system = streamer.System(spec("resume"), {"Flaky": Flaky, "Steady": Steady})
    system.subscribe(streamer.DEAD_LETTER_STREAM, letters.add)
    system.start()
    system.publish(Num(value=-7))
    assert letters.wait_for(1)
    letter = letters.items[0]
    assert isinstance(letter, streamer.DeadLetter) and letter.envelope is not None
    assert letter.envelope.event == Num(value=-7)
