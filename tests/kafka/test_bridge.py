"""The bridge against a real broker, without the actor runtime: two transports,
as two processes of one deployment would hold them, exchanging events."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import msgspec
import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from streamer.envelope import Envelope, new_envelope
from streamer.kafka.codec import HEADER_NAME
from streamer.kafka.config import KafkaSettings, load_settings
from streamer.kafka.deadletter import HEADER_OFFSET, HEADER_PARTITION, HEADER_REASON, HEADER_TOPIC
from streamer.kafka.producer import DeliveryError, EventTooLargeError
from streamer.kafka.transport import KafkaTransport
from streamer.topology import EventSpec, Topology, TopicSpec

from kafka_events import Blob, Everything, Tx
from kafka_helpers import Collector, header, read_topic
from test_codec import everything

MIB = 1024 * 1024


def topology(module: str, *topics: TopicSpec) -> Topology:
    return Topology(
        module=module,
        events=(
            EventSpec("Everything", Everything, key="key"),
            EventSpec("Tx", Tx),
            EventSpec("Blob", Blob, key="id"),
        ),
        actors=(),
        topics=topics,
    )


class Pair:
    """A sending and a receiving transport over one topology."""

    def __init__(self, topo: Topology, settings: KafkaSettings, events: frozenset[str]) -> None:
        self.errors: list[tuple[Envelope | None, Exception]] = []
        self.received = Collector()
        self.sender = KafkaTransport(topo, "sender", settings, on_error=self._error)
        self.receiver = KafkaTransport(topo, "receiver", settings, on_error=self._error)
        self.receiver.start(frozenset(), events, self.received)
        self.sender.start(events, frozenset(), _nothing)

    def _error(self, envelope: Envelope | None, error: Exception) -> None:
        self.errors.append((envelope, error))

    def send(self, name: str, event: msgspec.Struct) -> Envelope:
        envelope = new_envelope(name, event, "test", time.time())
        self.sender.send(envelope)
        return envelope

    def stop(self) -> None:
        self.sender.stop(10)
        self.receiver.stop(10)


def _nothing(envelope: Envelope, done: object) -> None:
    raise AssertionError("the sender receives nothing")


@pytest.fixture
def settings(kafka_bootstrap: str) -> KafkaSettings:
    return load_settings(kafka_bootstrap, environ={}, default_partitions=3)


@pytest.fixture
def pair(unique_name: str, settings: KafkaSettings) -> Iterator[Pair]:
    both = Pair(topology(unique_name), settings, frozenset({"Everything", "Tx", "Blob"}))
    yield both
    both.stop()


def test_every_field_type_round_trips(pair: Pair) -> None:
    sent = pair.send("Everything", everything())
    [received] = pair.received.wait_for(1)
    assert received == sent
    assert received.event == everything()
    assert not pair.errors


def test_one_mib_event_round_trips_whole(pair: Pair) -> None:
    payload = bytes(range(256)) * (4 * 1024)  # exactly 1 MiB
    assert len(payload) == MIB
    sent = pair.send("Blob", Blob(id="big", payload=payload))
    [received] = pair.received.wait_for(1)
    assert received.event.payload == payload
    assert received == sent


def test_too_large_event_is_refused_at_send_and_nothing_is_lost(pair: Pair) -> None:
    limit = pair.sender.settings.max_event_bytes
    with pytest.raises(EventTooLargeError, match=r"above the producer limit") as caught:
        pair.send("Blob", Blob(id="huge", payload=b"x" * (limit + 1)))
    assert "message.max.bytes" in str(caught.value)
    after = pair.send("Blob", Blob(id="after", payload=b"ok"))
    [received] = pair.received.wait_for(1)
    assert received == after
    assert not pair.errors


def test_keyed_events_keep_their_order_per_key(pair: Pair) -> None:
    sent = [
        pair.send("Everything", msgspec.structs.replace(everything(), key=f"k{i % 5}", count=i))
        for i in range(500)
    ]
    received = pair.received.wait_for(500)
    for key in {envelope.event.key for envelope in sent}:
        expected = [e.event.count for e in sent if e.event.key == key]
        assert [e.event.count for e in received if e.event.key == key] == expected


def test_reference_scenario_9_on_the_mapped_topic(unique_name: str, settings: KafkaSettings, kafka_bootstrap: str) -> None:
    mapped = f"{unique_name}.mapped-tx"
    both = Pair(topology(unique_name, TopicSpec("Tx", mapped, partitions=2)), settings, frozenset({"Tx"}))
    try:
        data = bytes(range(256))
        small = both.send("Tx", Tx(name="tx", height=21, data=data))
        big = both.send("Tx", Tx(name="tx", height=22, data=b"\x5a" * MIB))
        received = both.received.wait_for(2)
        assert sorted(received, key=lambda e: e.event.height) == [small, big]
        assert small.event == Tx(name="tx", height=21, data=data)
        assert len(big.event.data) == MIB
        on_topic = read_topic(kafka_bootstrap, mapped, 2)
        assert {m.headers() for m in on_topic} == {None}  # version 2: the value carries the envelope
        assert {msgspec.msgpack.decode(m.value()[1:])[0] for m in on_topic} == {"Tx"}
        assert not both.errors
    finally:
        both.stop()


def test_malformed_records_go_to_dead_letters_and_valid_ones_are_handled(
    unique_name: str, settings: KafkaSettings, kafka_bootstrap: str
) -> None:
    topo = topology(unique_name)
    receiver_errors: list[Exception] = []
    received = Collector()
    receiver = KafkaTransport(topo, "receiver", settings, on_error=lambda e, error: receiver_errors.append(error))
    receiver.start(frozenset(), frozenset({"Tx"}), received)
    try:
        topic = f"{unique_name}.Tx"
        raw = Producer({"bootstrap.servers": kafka_bootstrap, "linger.ms": 5})
        sender = KafkaTransport(topo, "sender", settings)
        sender.start(frozenset({"Tx"}), frozenset(), _nothing)
        valid_heights: list[int] = []
        bad_kinds = [
            (b"\x01\xc1not msgpack", [(HEADER_NAME, b"Tx")]),
            (b"\x01" + msgspec.msgpack.encode({"name": 5}), [(HEADER_NAME, b"Tx")]),
            (b"\x07whatever", [(HEADER_NAME, b"Tx")]),
            (b"", [(HEADER_NAME, b"Tx")]),
            (b"\x01\x80", [(HEADER_NAME, b"NoSuchEvent")]),
            (b"plain text", []),
            (b"\x02" + msgspec.msgpack.encode(["Tx", "not an id", "s", 1, None, 0.0, {}]), []),
            (b"\x02" + msgspec.msgpack.encode(["Tx", 1, "s", 1, None, 0.0, {"name": 5}]), [(HEADER_NAME, b"Tx")]),
        ]
        for i in range(3000):
            if i % 3 == 1:
                value, headers = bad_kinds[(i // 3) % len(bad_kinds)]
                raw.produce(topic, value, key=b"%d" % i, headers=headers + [("bad", b"%d" % i)])
            else:
                sender.send(new_envelope("Tx", Tx(name="tx", height=i, data=b""), "test", 0.0))
                valid_heights.append(i)
        assert raw.flush(30) == 0
        sender.stop(10)
        handled = received.wait_for(len(valid_heights))
        assert sorted(e.event.height for e in handled) == valid_heights
        dead = read_topic(kafka_bootstrap, f"{unique_name}.deadletter", 1000, idle=1.0)
        assert len(dead) == 1000
        assert sorted(int(header(m, "bad") or -1) for m in dead) == list(range(1, 3000, 3))
        for message in dead:
            assert header(message, HEADER_TOPIC) == topic
            assert header(message, HEADER_REASON) in {
                "malformed-value", "invalid-event", "wire-version", "empty-value", "unknown-event", "missing-header",
                "bad-envelope",
            }
            assert int(header(message, HEADER_PARTITION) or -1) >= 0
            assert int(header(message, HEADER_OFFSET) or -1) >= 0
            assert header(message, "stm.dlq.error")
        assert not receiver_errors
    finally:
        receiver.stop(10)


def test_broker_rejection_reaches_the_error_callback(
    unique_name: str, settings: KafkaSettings, kafka_bootstrap: str
) -> None:
    topic = f"{unique_name}.Blob"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    future = admin.create_topics([NewTopic(topic, 1, 1, config={"max.message.bytes": "2000"})])[topic]
    future.result(30)
    failed = threading.Event()
    errors: list[tuple[Envelope | None, Exception]] = []

    def on_error(envelope: Envelope | None, error: Exception) -> None:
        errors.append((envelope, error))
        failed.set()

    sender = KafkaTransport(topology(unique_name), "sender", settings, on_error=on_error)
    sender.start(frozenset({"Blob"}), frozenset(), _nothing)
    try:
        sent = new_envelope("Blob", Blob(id="b", payload=b"y" * 10_000), "test", 0.0)
        sender.send(sent)
        assert failed.wait(30)
        [(envelope, error)] = errors
        assert envelope == sent
        assert isinstance(error, DeliveryError)
        assert "MSG_SIZE_TOO_LARGE" in str(error)
    finally:
        sender.stop(10)
