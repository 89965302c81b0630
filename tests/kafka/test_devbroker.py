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

from streamer.kafka.devbroker import DevBroker

from kafka_helpers import Deployment, first_arrivals_in_order

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


def test_outage_mid_stream_loses_nothing(own_broker: DevBroker, unique_name: str, tmp_path: Path) -> None:
    """A worker process keeps running while the broker is down: its consumer and
    producer retry, the feeder's sends queue, and once the broker is back every
    event is handled."""
    deployment = Deployment(unique_name, own_broker.bootstrap, tmp_path, partitions=2)
    total, phase = 6000, 2000
    try:
        deployment.worker("0")
        deployment.feed(range(0, phase), keys=8)
        deployment.reader.wait_until(lambda r: len(r) >= phase // 2, 60, "outputs before the outage",
                                     deployment.processes)
        own_broker.stop()
        assert own_broker.pid is None
        deployment.feed(range(phase, 2 * phase), keys=8, flush=False)  # queued while the broker is down
        own_broker.start()  # same data folder, same port
        deployment.feed(range(2 * phase, total), keys=8)
        records = deployment.reader.wait_until(
            lambda r: len({x.seq for x in r}) >= total, 120, "every output after the outage", deployment.processes
        )
        assert {r.seq for r in records} == set(range(total))
        for key, seqs in first_arrivals_in_order(records).items():
            assert seqs == sorted(seqs), f"key {key} out of order"
        assert deployment.processes[0].terminate() == 0
    except AssertionError:
        print(deployment.logs())
        raise
    finally:
        deployment.close()


def test_cluster_ids_never_look_like_options() -> None:
    from streamer.kafka.devbroker import _cluster_id

    ids = [_cluster_id() for _ in range(5000)]  # 1 in 64 would start with '-' by chance
    assert all(not ident.startswith("-") and len(ident) == 22 for ident in ids)
    assert len(set(ids)) == len(ids)
