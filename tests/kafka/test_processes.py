"""Real OS processes of one deployment over the real broker: replicas sharing
partitions, a rebalance, kill -9 and restart, exactly-once output."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from streamer.envelope import new_envelope
from streamer.kafka.config import load_settings
from streamer.kafka.transport import KafkaTransport

from kafka_apps.pipeline import Done, Work, build
from kafka_helpers import AppProcess, TopicReader, committed_offsets, end_offsets, read_topic

APP = "kafka_apps.pipeline"
_done = msgspec.msgpack.Decoder(Done)


def decode_done(value: bytes) -> Done:
    return _done.decode(value[1:])


class Deployment:
    """The test's view of the pipeline: a feeder, worker processes, a reader of Done."""

    def __init__(self, module: str, bootstrap: str, log_dir: Path, *, partitions: int = 6,
                 read_committed: bool = False) -> None:
        self.module = module
        self.bootstrap = bootstrap
        self.log_dir = log_dir
        self.env = {"KAFKA_TEST_MODULE": module, "KAFKA_TEST_PARTITIONS": str(partitions)}
        self.topology = build(module, partitions)
        self.feeder = KafkaTransport(self.topology, "feeder", load_settings(bootstrap, environ={}))
        self.feeder.start(frozenset({"Work"}), frozenset(), _no_input)
        self.reader = TopicReader(bootstrap, f"{module}.Done", decode_done, read_committed=read_committed)
        self.processes: list[AppProcess] = []

    def worker(self, replica: str, *args: str, delay: float = 0.0) -> AppProcess:
        env = {**self.env, "KAFKA_TEST_DELAY": str(delay)}
        process = AppProcess(APP, "workers", self.bootstrap, self.log_dir, replica=replica, args=args, env=env)
        self.processes.append(process)
        return process.start()

    def feed(self, seqs: range, keys: int) -> None:
        for seq in seqs:
            self.feeder.send(new_envelope("Work", Work(key=f"k{seq % keys}", seq=seq), "feeder", 0.0))
        assert self.feeder._producer is not None and self.feeder._producer.flush(60) == 0

    def close(self) -> None:
        for process in self.processes:
            if process.alive():
                process.kill()
        self.feeder.stop(10)
        self.reader.close()

    def logs(self) -> str:
        return "\n".join(f"--- {p.label}\n{p.log()}" for p in self.processes)


def _no_input(envelope: object, done: object) -> None:
    raise AssertionError("the feeder consumes nothing")


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


def first_arrivals_in_order(records: list[Done]) -> dict[str, list[int]]:
    """Per key, the sequence numbers in the order they first appeared."""
    per_key: dict[str, dict[int, None]] = {}
    for record in records:
        per_key.setdefault(record.key, {}).setdefault(record.seq, None)
    return {key: list(seqs) for key, seqs in per_key.items()}


def test_per_key_order_across_replicas_and_a_rebalance(deployment_factory: type) -> None:
    deployment: Deployment = deployment_factory.make()
    keys = 24
    try:
        deployment.worker("0", delay=0.002)
        deployment.worker("1", delay=0.002)
        sent = 0
        deployment.feed(range(0, 3000), keys)
        sent = 3000
        deployment.reader.wait_until(lambda r: len(r) >= 500, 60, "first outputs", deployment.processes)
        deployment.worker("2", delay=0.002)  # joins mid-stream: partitions move
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
    for process in deployment.processes:
        assert process.terminate() == 0, process.log()
    # SIGTERM drained and committed: the group's offsets reach the end of the input.
    assert committed_offsets(deployment.bootstrap, f"{deployment.module}.workers", f"{deployment.module}.Work") == \
        end_offsets(deployment.bootstrap, f"{deployment.module}.Work")


@pytest.mark.parametrize("exactly_once", [False, True], ids=["at_least_once", "exactly_once"])
def test_kill_9_mid_stream_then_restart(deployment_factory: type, exactly_once: bool) -> None:
    total = 100_000
    deployment: Deployment = deployment_factory.make(read_committed=exactly_once)
    args = ("--exactly-once",) if exactly_once else ("--no-exactly-once",)
    try:
        worker = deployment.worker("0", *args)
        deployment.feed(range(total), keys=100)
        before = deployment.reader.wait_until(
            lambda r: len(r) >= total // 4, 180, "a quarter of the outputs", deployment.processes
        )
        worker.kill()
        assert len({r.seq for r in before}) < total, "killed too late to test anything"
        deployment.worker("0", *args)  # same instance: fences the dead one's transaction
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
