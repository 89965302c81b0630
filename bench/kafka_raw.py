"""The Kafka baseline: a raw confluent-kafka producer loop and consumer loop.

Both use the bridge's own client settings (``streamer.kafka.config``), so the
comparison measures the bridge, not a different configuration. Values are 100
bytes: the sequence number and the send time (ns since the epoch), then padding.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from typing import Any, cast

from bench.pacing import LatencyLog, pace

VALUE_BYTES = 100
WARMUP_SEQ = -1
"""Sent and flushed before timing starts; consumers skip it."""
_HEAD = struct.Struct("<qq")
_PADDING = b"x" * (VALUE_BYTES - _HEAD.size)


def raw_value(seq: int, sent_ns: int) -> bytes:
    return _HEAD.pack(seq, sent_ns) + _PADDING


def _decode(message: Any) -> tuple[int, int]:
    """(sequence, send time in ns) from a record value."""
    seq, sent_ns = _HEAD.unpack_from(cast(bytes, message.value()))
    return int(seq), int(sent_ns)


def _settings(bootstrap: str) -> Any:
    from streamer.kafka.config import load_settings

    return load_settings(bootstrap, environ={})


def produce(bootstrap: str, topic: str, count: int, rate: float | None,
            warm: Callable[[], None]) -> dict[str, int]:
    """Send ``count`` records; ``warm`` returns when the harness says go."""
    from confluent_kafka import Producer
    from streamer.kafka.config import producer_config

    producer = Producer(producer_config(_settings(bootstrap)))
    failures = 0

    def delivered(error: Any, message: Any) -> None:
        nonlocal failures
        if error is not None:
            failures += 1

    # Connect and obtain the idempotent producer id before the clock starts.
    producer.produce(topic, raw_value(WARMUP_SEQ, time.time_ns()), b"warmup", on_delivery=delivered)
    producer.flush(30)
    warm()
    send = producer.produce
    poll = producer.poll
    start_ns = time.time_ns()
    for seq in pace(count, rate, start_ns):
        while True:
            try:
                send(topic, raw_value(seq, time.time_ns()), str(seq % 1024).encode(),
                     on_delivery=delivered)
                break
            except BufferError:  # local queue full: serve delivery reports, then retry
                poll(0.01)
        poll(0)
    end_ns = time.time_ns()
    producer.flush(60)
    if failures:
        raise RuntimeError(f"{failures} records failed delivery")
    return {"start_ns": start_ns, "end_ns": end_ns, "flushed_ns": time.time_ns()}


def consume(bootstrap: str, topic: str, group: str, count: int, ready: Callable[[], None],
            exactly_once: bool = False) -> dict[str, Any]:
    from confluent_kafka import Consumer, TopicPartition
    from streamer.kafka.config import consumer_config

    settings = _settings(bootstrap)
    consumer = Consumer(consumer_config(settings, group))
    consumer.subscribe([topic])
    log = LatencyLog(count)
    try:
        warmed = False
        while not warmed:  # the producer's warm-up record proves we fetch at the head
            for message in consumer.consume(100, 0.1):
                if message.error() is None:
                    warmed = warmed or _decode(message)[0] == WARMUP_SEQ
        ready()
        while log.received < count:
            batch = consumer.consume(settings.batch_size, 0.1)  # as the bridge polls
            now_ns = time.time_ns()
            ends: dict[int, Any] = {}
            for message in batch:
                if message.error() is not None:
                    continue
                seq, sent_ns = _decode(message)
                if seq != WARMUP_SEQ:
                    log.record(sent_ns, now_ns)
                ends[cast(int, message.partition())] = message
            if ends:
                consumer.store_offsets(
                    offsets=[TopicPartition(topic, p, m.offset() + 1) for p, m in ends.items()]
                )
    finally:
        consumer.close()
    return log.summary()
