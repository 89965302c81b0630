"""Clocks, the test driver's own API, run_main, the stack dump and metrics."""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from runtime_support import Done, Num, ev, topo

import streamer
import streamer.metrics
from streamer import ActorSpec, Input
from streamer.debug import install_stack_dump, remove_stack_dump

EVENTS = (ev("N", Num, external=True), ev("Out", Done))


class Echo(streamer.Actor):
    started = threading.Event()

    def on_start(self, ctx: streamer.Context[Any]) -> None:
        type(self).started.set()

    def on_n(self, ctx: streamer.Context[Any], event: Num) -> None:
        ctx.emit(Done(text=str(event.value)))


def echo_topology() -> streamer.Topology:
    return topo(ActorSpec("Echo", inputs=(Input("N", "on_n"),), emits=("Out",)), events=EVENTS)


def test_virtual_clock_runs_due_timers_in_order() -> None:
    clock = streamer.VirtualClock(start=100.0)
    fired: list[tuple[str, float]] = []
    clock.call_later(2.0, lambda: fired.append(("b", clock.now())))
    clock.call_later(1.0, lambda: fired.append(("a", clock.now())))
    cancelled = clock.call_later(1.5, lambda: fired.append(("x", clock.now())))
    cancelled.cancel()
    clock.advance(1.9)
    assert fired == [("a", 101.0)]
    clock.advance(0.1)
    assert fired == [("a", 101.0), ("b", 102.0)]
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_real_clock_fires_timers_on_its_thread() -> None:
    clock = streamer.RealClock()
    clock.start()
    fired = threading.Event()
    clock.call_later(0.01, fired.set)
    assert fired.wait(5)
    clock.stop()


def test_driver_records_emitted_events_by_type_and_clears() -> None:
    driver = streamer.TestDriver(echo_topology(), {"Echo": Echo})
    seen: list[Any] = []
    driver.subscribe("Out", seen.append)
    driver.send(Num(value=1))
    driver.send(Num(value=2))
    assert driver.emitted() == [Done(text="1"), Done(text="2")]  # not the test's own Num events
    assert driver.emitted(Num) == []
    assert seen == [Done(text="1"), Done(text="2")]
    assert [e.name for e in driver.envelopes()] == ["N", "Out", "N", "Out"]
    driver.clear()
    assert driver.emitted() == []
    driver.stop()
    with pytest.raises(streamer.SystemStoppedError):
        driver.send(Num(value=3))


def test_run_main_runs_until_sigterm_and_stops_cleanly() -> None:
    Echo.started.clear()

    def terminate() -> None:
        if Echo.started.wait(10):
            os.kill(os.getpid(), signal.SIGTERM)

    killer = threading.Thread(target=terminate)
    killer.start()
    status = streamer.run_main(echo_topology(), {"Echo": Echo}, ["--log-level", "WARNING"])
    killer.join(10)
    assert Echo.started.is_set()
    assert status == 0
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL or callable(signal.getsignal(signal.SIGTERM))


def test_run_main_rejects_a_bad_handler_module() -> None:
    with pytest.raises(SystemExit):
        streamer.run_main(echo_topology(), {"Echo": Echo}, ["--handlers", "no_such_module_here"])


def test_stack_dump_on_signal_lists_every_thread() -> None:
    with tempfile.TemporaryFile("w+") as out:
        assert install_stack_dump(signal.SIGUSR1, out)
        try:
            worker = threading.Thread(target=threading.Event().wait, args=(5,), name="sleepy-worker")
            worker.daemon = True
            worker.start()
            os.kill(os.getpid(), signal.SIGUSR1)
            out.seek(0)
            text = out.read()
        finally:
            remove_stack_dump(signal.SIGUSR1)
        assert "Current thread 0x" in text  # the main thread
        assert "\nThread 0x" in text or text.startswith("Thread 0x")  # and the other one


def test_prometheus_metrics_read_the_runtime_counters() -> None:
    driver = streamer.TestDriver(echo_topology(), {"Echo": Echo})
    registry = CollectorRegistry()
    streamer.metrics.register(driver, registry)
    driver.send(Num(value=1))
    text = generate_latest(registry).decode()
    assert 'streamer_published_total{stream="Out"} 1.0' in text
    assert 'streamer_handled_total{actor="Echo"}' in text
    assert "streamer_dead_lettered_total 0.0" in text


def test_describe_lists_external_sources_composites_latest_and_calls() -> None:
    from runtime_support import Item, Other

    events = (ev("N", Num, external=True), ev("I", Item), ev("O", Other), ev("Out", Done))
    topology = topo(
        ActorSpec("Maker", inputs=(Input("N", "on_n"),), emits=("I", "O")),
        ActorSpec(
            "Taker",
            inputs=(Input("I", None), Input("O", "on_o", latest=True)),
            watches=(streamer.WatchSpec("Both", ("I", "O"), None, "on_both"),),
            calls=(streamer.CallSpec("Maker", "make"),),
        ),
        events=events,
    )
    assert [str(edge) for edge in streamer.describe(topology)] == [
        "(external) -> Maker [N]",
        "Maker -> Taker [I (watch Both)]",
        "Maker -> Taker [O (latest)]",
        "Maker -> Taker [O (watch Both)]",
        "Taker -> Maker [make (calls)]",
    ]


def test_system_stats_count_published_handled_and_shed() -> None:
    system = streamer.System(echo_topology(), {"Echo": Echo})
    registry = CollectorRegistry()
    streamer.metrics.register(system, registry)
    system.start()
    for value in range(5):
        system.publish(Num(value=value))
    result = system.stop()
    assert result is not None and result.drained
    stats = system.stats()
    assert stats["streams"]["N"]["published"] == 5 and stats["streams"]["Out"]["published"] == 5
    assert stats["actors"]["Echo"]["taken"] >= 5 and stats["actors"]["Echo"]["shed"] == 0
    assert 'streamer_published_total{stream="N"} 5.0' in generate_latest(registry).decode()
