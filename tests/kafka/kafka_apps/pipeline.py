"""A deployment for the multi-process tests: ``workers`` turn each Work into a Done.

Run one process with ``python -m kafka_apps.pipeline --process workers ...``
(the usual ``run_main`` options). The environment names the test's own topics:
``KAFKA_TEST_MODULE`` (topic prefix), ``KAFKA_TEST_PARTITIONS``,
``KAFKA_TEST_REPLICA`` (written into every Done) and ``KAFKA_TEST_DELAY`` (seconds
of simulated work per event).
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from streamer import run_main
from streamer.actor import Actor
from streamer.event import Event
from streamer.topology import ActorSpec, EventSpec, Input, ProcessSpec, TopicSpec, Topology


class Work(Event, frozen=True, kw_only=True):
    key: str
    seq: int


class Done(Event, frozen=True, kw_only=True):
    key: str
    seq: int
    worker: str


def build(module: str, partitions: int = 6) -> Topology:
    return Topology(
        module=module,
        events=(EventSpec("Work", Work, key="key", external=True), EventSpec("Done", Done, key="key")),
        actors=(
            ActorSpec("Worker", inputs=(Input("Work", "on_work"),), emits=("Done",), workers=2),
            ActorSpec("Sink", inputs=(Input("Done", "on_done"),)),
        ),
        processes=(ProcessSpec("workers", ("Worker",), replicas=3), ProcessSpec("sink", ("Sink",))),
        topics=(
            TopicSpec("Work", f"{module}.Work", partitions),
            TopicSpec("Done", f"{module}.Done", partitions),
        ),
    )


REPLICA = os.environ.get("KAFKA_TEST_REPLICA", "0")
DELAY = float(os.environ.get("KAFKA_TEST_DELAY", "0"))


class Worker(Actor):
    NAME = "Worker"

    def on_work(self, ctx: Any, event: Work) -> None:
        if DELAY:
            time.sleep(DELAY)  # simulated work, so a test can act mid-stream
        ctx.emit(Done(key=event.key, seq=event.seq, worker=REPLICA))


class Sink(Actor):
    NAME = "Sink"

    def on_done(self, ctx: Any, event: Done) -> None:
        pass


TOPOLOGY = build(os.environ.get("KAFKA_TEST_MODULE", "kafka_apps.pipeline"), int(os.environ.get("KAFKA_TEST_PARTITIONS", "6")))

if __name__ == "__main__":
    sys.exit(run_main(TOPOLOGY, {"Worker": Worker, "Sink": Sink}, sys.argv[1:]))
