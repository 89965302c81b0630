"""The development broker itself: command line, restart on the same data, and an
outage in the middle of a stream (producers wait, nothing is lost)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from streamer.envelope import new_envelope
from streamer.kafka.config import load_settings
from streamer.kafka.devbroker import DevBroker
from streamer.kafka.transport import KafkaTransport
from streamer.topology import EventSpec, Topology

from kafka_events import Tx
from kafka_helpers import Collector

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "kafka-dev"


def test_command_line_start_status_stop(tmp_path: Path) -> None:
    env = {**os.environ, "STREAMER_DEVKAFKA_STATE": str(tmp_path / "state.json"), "PYTHON": sys.executable}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=180)

    started = run("start")
    assert started.returncode == 0, started.stderr
    bootstrap = started.stdout.strip()
    assert bootstrap.startswith("127.0.0.1:")
    state = json.loads((tmp_path / "state.json").read_text())
    try:
        assert state["bootstrap"] == bootstrap
        assert Path(state["data_dir"]).is_dir()
        status = run("status")
        assert status.returncode == 0 and bootstrap in status.stdout
        again = run("start")
        assert again.stdout.strip() == bootstrap  # idempotent: the running broker
    finally:
        stopped = run("stop")
    assert stopped.returncode == 0, stopped.stderr
    assert not Path(state["data_dir"]).exists()
    assert run("status").returncode == 1


@pytest.fixture(scope="module")
def own_broker() -> Iterator[DevBroker]:
    with DevBroker() as broker:
        yield broker


def test_outage_mid_stream_loses_nothing(own_broker: DevBroker, unique_name: str) -> None:
    topology = Topology(module=unique_name, events=(EventSpec("Tx", Tx, key="name"),), actors=())
    settings = load_settings(own_broker.bootstrap, environ={}, default_partitions=2)
    received = Collector()
    errors: list[Exception] = []
    receiver = KafkaTransport(topology, "receiver", settings, on_error=lambda e, error: errors.append(error))
    sender = KafkaTransport(topology, "sender", settings, on_error=lambda e, error: errors.append(error))
    receiver.start(frozenset(), frozenset({"Tx"}), received)
    sender.start(frozenset({"Tx"}), frozenset(), received)
    total, phase = 6000, 2000

    def send(heights: range) -> None:
        for height in heights:
            sender.send(new_envelope("Tx", Tx(name=f"k{height % 4}", height=height, data=b""), "t", 0.0))

    try:
        send(range(0, phase))
        received.wait_for(phase // 2)
        own_broker.stop()
        assert own_broker.pid is None
        send(range(phase, 2 * phase))  # queued by the producer while the broker is down
        assert len(received.envelopes) <= phase
        own_broker.start()  # same data folder, same port
        send(range(2 * phase, total))
        handled = received.wait_for(total, timeout=120)
        assert {e.event.height for e in handled} == set(range(total))
        for key in range(4):  # per key, first arrivals in order
            heights = [e.event.height for e in handled if e.event.name == f"k{key}"]
            firsts = list(dict.fromkeys(heights))
            assert firsts == sorted(firsts)
        assert not errors
    finally:
        sender.stop(30)
        receiver.stop(30)
