"""Real OS processes of one deployment over the real broker: replicas sharing
partitions, a rebalance, kill -9 and restart, exactly-once output."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kafka_helpers import Deployment, committed_offsets, decode_done, end_offsets, first_arrivals_in_order, read_topic

@pytest.fixture
def deployment_factory(kafka_bootstrap: str, unique_name: str, tmp_path: Path) -> Iterator[type]:
    made: list[Deployment] = []

    class Factory:
        @staticmethod
        def make(**options: object) -> Deployment:
            deployment = Deployment(unique_name, kafka_bootstrap, tmp_path, **options)  # type: ignore[arg-type]
            made.append(deployment)
            return deployment

    yield Factory
    for deployment in made:
        deployment.close()


@pytest.mark.parametrize("exactly_once", [False, True], ids=["at_least_once", "exactly_once"])
def test_per_key_order_across_replicas_and_a_rebalance(deployment_factory: type, exactly_once: bool) -> None:
    deployment: Deployment = deployment_factory.make(read_committed=exactly_once)
    mode = "--exactly-once" if exactly_once else "--no-exactly-once"
    keys = 24
    try:
        deployment.worker("0", mode, delay=0.002)
        deployment.worker("1", mode, delay=0.002)
        sent = 0
        deployment.feed(range(0, 3000), keys)
        sent = 3000
        deployment.reader.wait_until(lambda r: len(r) >= 500, 60, "first outputs", deployment.processes)
        deployment.worker("2", mode, delay=0.002)  # joins mid-stream: partitions move
        deadline = time.monotonic() + 60
        while not any(r.worker == "2" for r in deployment.reader.snapshot()):
            assert time.monotonic() < deadline, "third replica never handled anything\n" + deployment.logs()
            deployment.feed(range(sent, sent + 300), keys)  # keep the stream going meanwhile
            sent += 300
            time.sleep(0.2)  # pacing of the feed, not a wait for a result
        deployment.feed(range(sent, sent + 3000), keys)
        sent += 3000
        records = deployment.reader.wait_until(
            lambda r: len({x.seq for x in r}) >= sent, 120, f"all {sent} outputs", deployment.processes
        )
    except AssertionError:
        print(deployment.logs())
        raise
    assert {r.seq for r in records} == set(range(sent))
    for key, seqs in first_arrivals_in_order(records).items():
        assert seqs == sorted(seqs), f"key {key} out of order"
    assert {r.worker for r in records} == {"0", "1", "2"}
    if exactly_once:  # a clean rebalance in transactions repeats nothing
        assert len(records) == sent, f"{len(records) - sent} duplicates"
    for process in deployment.processes:
        assert process.terminate() == 0, process.log()
    # SIGTERM drained and committed: the group's offsets reach the end of the input.
    assert committed_offsets(deployment.bootstrap, f"{deployment.module}.workers", f"{deployment.module}.Work") == \
        end_offsets(deployment.bootstrap, f"{deployment.module}.Work")


@pytest.mark.parametrize("exactly_once", [False, True], ids=["at_least_once", "exactly_once"])
def test_kill_9_and_sigterm_mid_stream_then_restart(deployment_factory: type, exactly_once: bool) -> None:
    total = 100_000
    deployment: Deployment = deployment_factory.make(read_committed=exactly_once)
    args = ("--exactly-once",) if exactly_once else ("--no-exactly-once",)
    try:
        deployment.feed(range(total), keys=100)  # all waiting in Kafka: the kill lands mid-stream
        worker = deployment.worker("0", *args)
        before = deployment.reader.wait_until(
            lambda r: len(r) >= total // 4, 180, "a quarter of the outputs", deployment.processes
        )
        worker.kill()
        assert len({r.seq for r in before}) < total, "killed too late to test anything"
        restarted = deployment.worker("0", *args)  # same instance: fences the dead one's transaction
        # SIGTERM must reach a running process (signal handlers installed), not
        # one still starting: wait for its own "running" line in the shared log.
        restarted.wait_for_log("running on Kafka", occurrences=2, timeout=120)
        # Early enough that the SIGTERM lands with most of the stream still to come.
        deployment.reader.wait_until(
            lambda r: len({x.seq for x in r}) >= total * 4 // 10, 180, "40% of the outputs", [restarted]
        )
        assert restarted.terminate() == 0  # SIGTERM mid-stream: drain, commit, leave
        assert len({r.seq for r in deployment.reader.snapshot()}) < total, "stopped too late to test anything"
        deployment.worker("0", *args)
        records = deployment.reader.wait_until(
            lambda r: len({x.seq for x in r}) >= total, 300, "every output after the restart",
            deployment.processes[-1:],
        )
        assert deployment.processes[-1].terminate() == 0
    except AssertionError:
        print(deployment.logs())
        raise
    assert {r.seq for r in records} == set(range(total))
    if exactly_once:  # everything committed is in; read it all again from the start
        final = read_topic(deployment.bootstrap, f"{deployment.module}.Done", total, read_committed=True, idle=2.0)
        assert len(final) == total, f"{len(final) - total} duplicates in the output topic"
        assert len({decode_done(m.value() or b"").seq for m in final}) == total
