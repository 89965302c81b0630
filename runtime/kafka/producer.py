"""Sends events to their topics: idempotent, keyed, every delivery report checked.

``send`` refuses an event whose record would exceed the producer's limit
(``message.max.bytes``) with ``EventTooLargeError`` right away, so the emitting
handler fails visibly instead of the event vanishing. Failures known only later
(delivery reports) go to the ``on_error`` callback, which the transport routes
to the system's supervision or dead letters.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from ..envelope import Envelope
from ..errors import StreamerError
from .codec import Codec, HeaderList
from .config import KafkaSettings, producer_config
from .offsets import DeliveryWatermark

_REPORT_INTERVAL = 0.02
"""Seconds between two rounds of serving delivery reports by the poller thread."""
_POLL_EVERY = 64
"""Sends between two rounds of serving delivery reports by the sending thread."""
_HEADROOM = 1024
"""Bytes kept free under ``message.max.bytes`` for the record batch framing."""


class EventTooLargeError(StreamerError, ValueError):
    """An event's encoded record is larger than the producer may send."""


class DeliveryError(StreamerError):
    """Kafka did not accept a record (after librdkafka's own retries)."""

    def __init__(self, topic: str, error: KafkaError) -> None:
        super().__init__(f"delivery to topic {topic!r} failed: {error.str()} ({error.name()})")
        self.topic = topic
        self.kafka_error = error
        self.fatal = error.fatal()


ErrorCallback = Callable[[Envelope | None, Exception], None]
DeliveryCallback = Callable[[KafkaError | None, Message], None]


@dataclass(frozen=True)
class Route:
    """Where one event type goes: its topic, and the field whose value keys the record."""

    topic: str
    key_field: str | None


def record_key(envelope: Envelope, key_field: str | None) -> bytes:
    """The event's key field, else its trace id: records of one key stay in order."""
    if key_field is not None:
        value = getattr(envelope.event, key_field)
        if isinstance(value, bytes):
            return value
        return str(value).encode()
    return str(envelope.trace_id).encode()


class EventProducer:
    """One librdkafka producer with a poller thread serving delivery reports."""

    def __init__(
        self,
        settings: KafkaSettings,
        codec: Codec,
        routes: Mapping[str, Route],
        on_error: ErrorCallback,
        *,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        config = producer_config(settings)
        config.update(extra or {})
        self.max_bytes = int(config["message.max.bytes"]) - _HEADROOM
        self._producer = Producer(config)
        self._codec = codec
        self._routes = dict(routes)
        self._on_error = on_error
        self.watermark = DeliveryWatermark()
        self._unpolled = _POLL_EVERY
        """Sends left until the sender serves delivery reports (racy across
        threads on purpose: it only sets a cadence)."""
        self._stopping = threading.Event()
        self._poller = threading.Thread(target=self._poll_loop, name="kafka-producer-poll", daemon=True)
        self._poller.start()

    @property
    def client(self) -> Producer:
        return self._producer

    def send(self, envelope: Envelope) -> None:
        route = self._routes.get(envelope.name)
        if route is None:
            raise KeyError(f"event {envelope.name!r} has no Kafka topic in this process")
        value, headers = self._codec.encode(envelope)
        key = record_key(envelope, route.key_field)
        self.produce(route.topic, value, key, headers, _unused, event=envelope.name, envelope=envelope)

    def produce(
        self,
        topic: str,
        value: bytes | None,
        key: bytes | None,
        headers: HeaderList,
        on_delivery: DeliveryCallback,
        *,
        what: str = "record",
        event: str | None = None,
        envelope: Envelope | None = None,
    ) -> None:
        """Produce one record, waiting while librdkafka's queue is full (backpressure).

        ``event`` names the event a record carries (formatted into ``what`` only on
        error). With ``envelope``, a failed delivery goes to ``on_error`` with it and
        ``on_delivery`` is not called: one small closure per record, no more."""
        size = len(value or b"") + len(key or b"")
        if size + _HEADROOM > self.max_bytes:  # only near the limit: count headers too
            size += sum(len(k) + len(v or b"") for k, v in headers)
        if size > self.max_bytes:
            what = what if event is None else f"event {event!r}"
            raise EventTooLargeError(
                f"{what} for topic {topic!r} encodes to {size} bytes, above the producer limit "
                f"of {self.max_bytes} bytes; raise message.max.bytes (STREAMER_KAFKA_MESSAGE_MAX_BYTES) "
                "on both the producer and the broker, or send a smaller event"
            )
        reported = self.watermark.track()
        if envelope is not None:
            on_error = self._on_error

            def on_report(error: KafkaError | None, message: Message) -> None:
                try:
                    if error is not None:
                        on_error(envelope, DeliveryError(topic, error))
                finally:
                    reported()

        else:

            def on_report(error: KafkaError | None, message: Message) -> None:
                try:
                    on_delivery(error, message)
                finally:
                    reported()

        while True:
            try:
                self._producer.produce(topic, value, key, headers=headers, on_delivery=on_report)
                break
            except BufferError:
                self._producer.poll(0.05)
            except KafkaException as error:
                reported()
                if error.args[0].code() == KafkaError.MSG_SIZE_TOO_LARGE:
                    what = what if event is None else f"event {event!r}"
                    raise EventTooLargeError(f"{what} for topic {topic!r}: {error.args[0].str()}") from error
                raise
            except BaseException:
                reported()
                raise
        # Serve delivery reports here, in batches, while sending: the sender runs
        # the callbacks without handing the GIL to the poller thread (which
        # only covers idle periods).
        self._unpolled -= 1
        if self._unpolled <= 0:
            self._unpolled = _POLL_EVERY
            self._producer.poll(0)

    def flush(self, timeout: float) -> int:
        """Wait for outstanding deliveries; the number still undelivered."""
        remaining: int = self._producer.flush(timeout)
        return remaining

    def close(self, timeout: float) -> int:
        remaining = self.flush(timeout)
        self._stopping.set()
        self._poller.join(timeout=5)
        return remaining

    def _poll_loop(self) -> None:
        # Serve delivery reports in batches every few milliseconds: waking on each
        # report (poll with a timeout) would fight the sending threads for the GIL.
        # Busy senders serve them as well (see ``produce``).
        while not self._stopping.wait(_REPORT_INTERVAL):
            self._producer.poll(0)


def _unused(error: KafkaError | None, message: Message) -> None:
    """``send`` reports failures with the envelope instead (see ``produce``)."""
