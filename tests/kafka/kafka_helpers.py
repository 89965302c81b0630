"""Small helpers for the Kafka tests: collecting delivered events, reading topics."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, Message, TopicPartition

from streamer.envelope import Envelope, new_envelope
from streamer.kafka.codec import Codec
from streamer.kafka.config import load_settings
from streamer.kafka.transport import KafkaTransport

from kafka_apps.pipeline import Done, Work, build

TESTS_DIR = Path(__file__).resolve().parent


class Collector:
    """A ``deliver`` function that records envelopes and lets a test wait for a count."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self._changed = threading.Condition()

    def __call__(self, envelope: Envelope, done: Callable[[], None]) -> None:
        with self._changed:
            self.envelopes.append(envelope)
            self._changed.notify_all()
        done()

    def wait_for(self, count: int, timeout: float = 60.0) -> list[Envelope]:
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.envelopes) >= count, timeout):
                raise AssertionError(f"got {len(self.envelopes)} of {count} events in {timeout}s")
            return list(self.envelopes)


def read_topic(
    bootstrap: str, topic: str, count: int, *, timeout: float = 60.0, read_committed: bool = False,
    idle: float = 0.0,
) -> list[Message]:
    """Read a topic from the beginning until ``count`` records arrived (then ``idle``
    seconds more, to catch extras) or fail after ``timeout``."""
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": f"reader-{uuid.uuid4().hex}",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "isolation.level": "read_committed" if read_committed else "read_uncommitted",
    })
    consumer.subscribe([topic])
    records: list[Message] = []
    deadline = time.monotonic() + timeout
    try:
        while len(records) < count and time.monotonic() < deadline:
            for message in consumer.consume(1000, 0.2):
                if message.error() is None:
                    records.append(message)
        settle = time.monotonic() + idle
        while time.monotonic() < settle:
            records.extend(m for m in consumer.consume(1000, 0.2) if m.error() is None)
    finally:
        consumer.close()
    if len(records) < count:
        raise AssertionError(f"read {len(records)} of {count} records from {topic} in {timeout}s")
    return records


def header(message: Message, name: str) -> str | None:
    for key, value in message.headers() or []:
        if key == name:
            return value.decode() if isinstance(value, bytes) else value
    return None


class AppProcess:
    """One OS process of a test deployment: ``python -m <app> --process NAME ...``."""

    def __init__(
        self, app: str, process: str, bootstrap: str, log_dir: Path, *,
        replica: str = "0", args: Sequence[str] = (), env: Mapping[str, str] | None = None,
    ) -> None:
        self.label = f"{process}-{replica}"
        self.command = [
            sys.executable, "-m", app, "--process", process, "--bootstrap-servers", bootstrap,
            "--instance", replica, *args,
        ]
        self.env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS_DIR), os.environ.get("PYTHONPATH")])),
            "KAFKA_TEST_REPLICA": replica,
            **(env or {}),
        }
        self.log_path = log_dir / f"{self.label}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> AppProcess:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.command, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
        return self

    def terminate(self, timeout: float = 60.0) -> int:
        """SIGTERM (drain, commit, close) and wait; SIGKILL if it hangs."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
                raise AssertionError(f"{self.label} ignored SIGTERM for {timeout}s:\n{self.log()}")
        return self.process.returncode

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()  # SIGKILL: no chance to commit or flush
        self.process.wait(10)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self._full_log()[-4000:]

    def wait_for_log(self, text: str, *, occurrences: int, timeout: float) -> None:
        """Poll this process's log file (written by another OS process) until
        ``text`` appears ``occurrences`` times; fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while self._full_log().count(text) < occurrences:  # log() keeps only the tail
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.label}: no {text!r} x{occurrences} within {timeout}s:\n{self.log()}")
            time.sleep(0.05)  # polling a file another process writes, not waiting for a thread

    def _full_log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


class TopicReader:
    """Reads a topic in the background from the beginning, keeping every record's value."""

    def __init__(self, bootstrap: str, topic: str, decode: Callable[[bytes], Any], *, read_committed: bool = False) -> None:
        self.records: list[Any] = []
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._decode = decode
        self._consumer = Consumer({
            "bootstrap.servers": bootstrap,
            "group.id": f"reader-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "isolation.level": "read_committed" if read_committed else "read_uncommitted",
            "topic.metadata.refresh.interval.ms": 1000,
        })
        self._consumer.subscribe([topic])
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                batch = [
                    self._decode(m.value() or b"")
                    for m in self._consumer.consume(1000, 0.2) if m.error() is None
                ]
                if batch:
                    with self._changed:
                        self.records.extend(batch)
                        self._changed.notify_all()
        finally:
            self._consumer.close()

    def wait_until(
        self, predicate: Callable[[list[Any]], bool], timeout: float, what: str,
        processes: Sequence[AppProcess] = (),
    ) -> list[Any]:
        """Wait for ``predicate(records)``; fail early if one of ``processes`` died."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self.records):
                dead = [p.label for p in processes if p.process is not None and not p.alive()]
                if dead:
                    raise AssertionError(f"{', '.join(dead)} exited while waiting for {what}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {what} ({len(self.records)} records)"
                    )
                self._changed.wait(min(remaining, 1.0))
            return list(self.records)

    def snapshot(self) -> list[Any]:
        with self._changed:
            return list(self.records)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(10)


def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"probe-{uuid.uuid4().hex}"})
    try:
        partitions = consumer.list_topics(topic, timeout=30).topics[topic].partitions
        return {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30)[1] for p in partitions}
    finally:
        consumer.close()


def committed_offsets(bootstrap: str, group: str, topic: str) -> dict[int, int]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        partitions = consumer.list_topics(topic, timeout=30).topics[topic].partitions
        committed = consumer.committed([TopicPartition(topic, p) for p in partitions], timeout=30)
        return {tp.partition: tp.offset for tp in committed}
    finally:
        consumer.close()


PIPELINE = "kafka_apps.pipeline"
_done = Codec({"Done": Done})


def decode_done(value: bytes) -> Done:
    event = _done.decode(value).event
    assert isinstance(event, Done)
    return event


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
        process = AppProcess(PIPELINE, "workers", self.bootstrap, self.log_dir, replica=replica, args=args, env=env)
        self.processes.append(process)
        return process.start()

    def feed(self, seqs: range, keys: int, *, flush: bool = True) -> None:
        for seq in seqs:
            self.feeder.send(new_envelope("Work", Work(key=f"k{seq % keys}", seq=seq), "feeder", 0.0))
        if flush:
            assert self.feeder._producer is not None and self.feeder._producer.flush(120) == 0

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


def first_arrivals_in_order(records: list[Any]) -> dict[str, list[int]]:
    """Per key, the sequence numbers in the order they first appeared."""
    per_key: dict[str, dict[int, None]] = {}
    for record in records:
        per_key.setdefault(record.key, {}).setdefault(record.seq, None)
    return {key: list(seqs) for key, seqs in per_key.items()}
