"""Our side of the Kafka cases: a System in each process, joined by the Kafka bridge.

Process ``source`` publishes ``Blob`` events from outside; process ``sink``
hosts the ``Sink`` actor, whose handler records latency and counts. The event's
fields are sized so the event encodes to 100 bytes, like the raw loop's whole value
(the record value also carries the envelope: about 137 bytes in all).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from bench.harness import Unavailable
from bench.pacing import LatencyLog, pace
from bench.kafka_raw import VALUE_BYTES, WARMUP_SEQ
from streamer.event import Event

PARTITIONS = 6
TIMEOUT = 120.0


class Blob(Event, frozen=True, kw_only=True):
    key: int
    seq: int
    sent_ns: int
    payload: bytes


def _payload_bytes() -> int:
    """Padding that makes the event encode to exactly 100 bytes, like the raw loop's
    whole value. The record value (wire version 2) also carries the envelope:
    about 137 bytes, so the comparison is, if anything, unfair to the bridge."""
    import msgspec

    probe = Blob(key=1023, seq=100_000, sent_ns=time.time_ns(), payload=b"")
    return VALUE_BYTES - 1 - len(msgspec.msgpack.encode(probe))


PAYLOAD = b"x" * _payload_bytes()


def require_bridge() -> None:
    try:
        import streamer
        from streamer.kafka.transport import KafkaTransport  # noqa: F401
    except ImportError as error:
        raise Unavailable(f"Kafka bridge not importable: {error}") from error
    if not hasattr(streamer, "System"):
        raise Unavailable("runtime has no System yet")


def topology(topic: str, exactly_once: bool) -> Any:
    from streamer import topology as t

    return t.Topology(
        module="bench_kafka",
        events=(t.EventSpec("Blob", Blob, key="key", external=True),),
        actors=(t.ActorSpec(name="Sink", inputs=(t.Input("Blob", "on_blob"),)),),
        processes=(
            t.ProcessSpec("source", ()),
            t.ProcessSpec("sink", ("Sink",), exactly_once=exactly_once),
        ),
        topics=(t.TopicSpec("Blob", topic, PARTITIONS),),
    )


def _system(bootstrap: str, topic: str, process: str, exactly_once: bool, sink: type) -> Any:
    import streamer
    from streamer.kafka.config import load_settings
    from streamer.kafka.transport import KafkaTransport

    spec = topology(topic, exactly_once)
    settings = load_settings(bootstrap, environ={})
    transport = KafkaTransport(spec, process, settings)
    return streamer.System(spec, {"Sink": sink}, process=process, transport=transport)


def produce(bootstrap: str, topic: str, count: int, rate: float | None,
            warm: Callable[[], None], exactly_once: bool) -> dict[str, int]:
    import streamer

    class Sink(streamer.Actor):
        def on_blob(self, ctx: Any, blob: Blob) -> None:
            raise RuntimeError("the Sink actor must not run in the source process")

    system = _system(bootstrap, topic, "source", exactly_once, Sink)
    system.start()
    try:
        system.publish(Blob(key=0, seq=WARMUP_SEQ, sent_ns=time.time_ns(), payload=PAYLOAD))
        warm()
        publish = system.publish
        start_ns = time.time_ns()
        for seq in pace(count, rate, start_ns):
            publish(Blob(key=seq % 1024, seq=seq, sent_ns=time.time_ns(), payload=PAYLOAD))
        end_ns = time.time_ns()
    finally:
        system.stop(timeout=TIMEOUT)
    return {"start_ns": start_ns, "end_ns": end_ns, "flushed_ns": time.time_ns()}


def consume(bootstrap: str, topic: str, count: int, ready: Callable[[], None],
            exactly_once: bool) -> dict[str, Any]:
    import streamer

    log = LatencyLog(count)
    warmed = threading.Event()
    done = threading.Event()

    class Sink(streamer.Actor):
        def on_blob(self, ctx: Any, blob: Blob) -> None:
            if blob.seq == WARMUP_SEQ:
                warmed.set()
                return
            log.record(blob.sent_ns)
            if log.received == count:
                done.set()

    system = _system(bootstrap, topic, "sink", exactly_once, Sink)
    system.start()
    try:
        if not warmed.wait(TIMEOUT):
            raise RuntimeError("the warm-up record never arrived")
        ready()
        if not done.wait(TIMEOUT):
            raise RuntimeError(f"only {log.received} of {count} records arrived")
    finally:
        system.stop(timeout=TIMEOUT)
    return log.summary()
