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
from .delivery import DeliveryWatermark

_REPORT_INTERVAL = 0.02
"""Seconds between two rounds of serving delivery reports by the poller thread."""
_POLL_EVERY = 64
"""Sends between two rounds of serving delivery reports by the sending thread."""
_ROOM_WAIT = 0.002
"""Seconds to serve delivery reports before retrying a record librdkafka's full queue refused."""
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
        track_deliveries: bool = True,
    ) -> None:
        """``track_deliveries=False`` for a process that consumes nothing: no offset
        waits for its records, so librdkafka reports failures only (each success
        report costs a Python callback per record) and ``watermark`` stays unused."""
        config = producer_config(settings)
        config.update(extra or {})
        if not track_deliveries:
            config["delivery.report.only.error"] = True
        self.max_bytes = int(config["message.max.bytes"]) - _HEADROOM
        self._producer = Producer(config)
        self._codec = codec
        self._routes = dict(routes)
        self._on_error = on_error
        self.watermark = DeliveryWatermark(on_failure=self._failed)
        self._track: Callable[[], Callable[..., None]] = (
            self.watermark.track if track_deliveries else _constant(self._report_failure)
        )
        """Registers a record about to be sent; returns its delivery callback."""
        self._encode = codec.encode
        self._client_produce = self._producer.produce
        self._unpolled = _POLL_EVERY
        """Sends left until the sender serves delivery reports (racy across
        threads on purpose: it only sets a cadence)."""
        self._sender_polls = 0
        """Rounds of delivery reports served by senders (the poller idles while it grows)."""
        self._stopping = threading.Event()
        self._poller = threading.Thread(target=self._poll_loop, name="kafka-producer-poll", daemon=True)
        self._poller.start()

    @property
    def client(self) -> Producer:
        return self._producer

    def send(self, envelope: Envelope) -> None:
        """Produce one event to its topic: the hot path of every outgoing event,
        so ``record_key`` and ``_produce`` are inlined here."""
        route = self._routes.get(envelope.name)
        if route is None:
            raise KeyError(f"event {envelope.name!r} has no Kafka topic in this process")
        value = self._encode(envelope)
        key_field = route.key_field
        if key_field is None:
            key = str(envelope.trace_id).encode()
        else:
            field = getattr(envelope.event, key_field)
            key = field if field.__class__ is bytes else str(field).encode()
        if len(value) + len(key) + _HEADROOM > self.max_bytes:
            self._check_size(route.topic, value, key, None, f"event {envelope.name!r}")
        # One callback shared by the records of a delivery epoch: a failed
        # report finds its envelope again by decoding the record (_failed).
        report = self._track()
        try:
            self._client_produce(route.topic, value, key, on_delivery=report)
        except BufferError:
            self._produce(route.topic, value, key, None, report, envelope.name)  # waits for room
            return
        except BaseException as error:
            self._refused(error, route.topic, envelope.name, report, "record")
        self._unpolled -= 1
        if self._unpolled <= 0:
            self._serve_reports()

    def produce(
        self,
        topic: str,
        value: bytes | None,
        key: bytes | None,
        headers: HeaderList | None,
        on_delivery: DeliveryCallback,
        *,
        what: str = "record",
    ) -> None:
        """Produce one record that is not an event of this system (dead letters,
        service calls), waiting while librdkafka's queue is full (backpressure);
        ``on_delivery`` gets its report."""
        if len(value or b"") + len(key or b"") + _HEADROOM > self.max_bytes:
            self._check_size(topic, value, key, headers, what)
        reported = self._track()

        def on_report(error: KafkaError | None, message: Message) -> None:
            try:
                on_delivery(error, message)
            finally:
                reported()  # without the error: on_delivery handles it

        self._produce(topic, value, key, headers, on_report, None, reported, what)

    def _produce(
        self,
        topic: str,
        value: bytes | None,
        key: bytes | None,
        headers: HeaderList | None,
        on_report: Callable[..., None],
        event: str | None,
        reported: Callable[..., None] | None = None,
        what: str = "record",
    ) -> None:
        """Hand one tracked record to librdkafka, serving delivery reports while its
        queue is full (``reported``, else ``on_report``, is called with no
        arguments if the record never gets there). ``event`` names the event a
        record carries, for errors."""
        while True:
            try:
                self._producer.produce(topic, value, key, headers=headers, on_delivery=on_report)
                break
            except BufferError:
                self._sender_polls += 1
                # Short: without success reports (untracked) nothing ends the wait early.
                self._producer.poll(_ROOM_WAIT)
            except BaseException as error:
                self._refused(error, topic, event, reported or on_report, what)
        self._unpolled -= 1
        if self._unpolled <= 0:
            self._serve_reports()

    def _serve_reports(self) -> None:
        """Serve delivery reports here, in batches, while sending: the sender runs
        the callbacks without handing the GIL to the poller thread (which only
        covers idle periods)."""
        self._unpolled = _POLL_EVERY
        self._sender_polls += 1
        self._producer.poll(0)

    @staticmethod
    def _refused(
        error: BaseException, topic: str, event: str | None, reported: Callable[..., None], what: str
    ) -> None:
        """librdkafka refused a record: it counts as reported; re-raise, clearer if too large."""
        reported()
        if isinstance(error, KafkaException) and error.args[0].code() == KafkaError.MSG_SIZE_TOO_LARGE:
            what = what if event is None else f"event {event!r}"
            raise EventTooLargeError(f"{what} for topic {topic!r}: {error.args[0].str()}") from error
        raise error

    def _check_size(
        self, topic: str, value: bytes | None, key: bytes | None, headers: HeaderList | None, what: str
    ) -> None:
        """Near the limit: count the headers too, and refuse what librdkafka would."""
        size = len(value or b"") + len(key or b"") + sum(len(k) + len(v or b"") for k, v in headers or ())
        if size > self.max_bytes:
            raise EventTooLargeError(
                f"{what} for topic {topic!r} encodes to {size} bytes, above the producer limit "
                f"of {self.max_bytes} bytes; raise message.max.bytes (STREAMER_KAFKA_MESSAGE_MAX_BYTES) "
                "on both the producer and the broker, or send a smaller event"
            )

    def _report_failure(self, error: KafkaError | None = None, message: Message | None = None) -> None:
        """The delivery callback of untracked sends: librdkafka calls it for failures
        only (and ``send`` with no arguments for a record it never took)."""
        if error is not None and message is not None:
            self._failed(error, message)

    def _failed(self, error: KafkaError, message: Message) -> None:
        """A delivery report with an error for an event sent by ``send``."""
        try:
            envelope: Envelope | None = self._codec.decode(message.value(), message.headers)
        except Exception:  # our own record; still report the failure without it
            envelope = None
        self._on_error(envelope, DeliveryError(message.topic() or "?", error))

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
        # Busy senders serve them themselves (see ``_produce``): then stay out of
        # their way, as running the callbacks here contends for the watermark's lock.
        seen = -1
        while not self._stopping.wait(_REPORT_INTERVAL):
            if self._sender_polls == seen:
                self._producer.poll(0)
            seen = self._sender_polls


def _constant(callback: Callable[..., None]) -> Callable[[], Callable[..., None]]:
    """A ``track`` that counts nothing and always hands out ``callback``."""
    return lambda: callback
