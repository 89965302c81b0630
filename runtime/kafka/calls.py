"""Service calls between processes: requests and replies as Kafka records.

A call to an actor that runs in another process is produced to
``<module>.<Actor>.requests`` (keyed by trace id) with headers naming the
method, the caller's correlation number, the caller instance and the topic to
answer on, ``<module>.<process>.replies``. The callee's consumer group reads the
requests of its local actors, runs the service with the callee's own timeout
and produces the reply (or the error text). Each caller instance reads its
process's reply topic from the end and takes only replies addressed to it; the
caller's own timeout still applies, so a lost request or reply ends as
``ServiceTimeout`` and nothing waits forever.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition

from ..envelope import Envelope
from ..errors import ServiceError, ServiceTimeout
from ..services import Reply, ServiceCall, ServiceRegistry
from ..topology import Topology
from .codec import HEADER_NAME, Codec, DecodeError, HeaderList, header_map
from .config import KafkaSettings, base_config
from .producer import ErrorCallback, EventProducer

logger = logging.getLogger("streamer.kafka")

_NOT_READY = {
    KafkaError.NOT_LEADER_FOR_PARTITION,
    KafkaError.LEADER_NOT_AVAILABLE,
    KafkaError.UNKNOWN_TOPIC_OR_PART,
}

HEADER_METHOD = "stm.call.method"
HEADER_CORRELATION = "stm.call.correlation"
HEADER_CALLER = "stm.call.caller"
HEADER_REPLY_TO = "stm.call.reply_to"
HEADER_TIMEOUT = "stm.call.timeout"
HEADER_ERROR = "stm.call.error"
HEADER_ERROR_KIND = "stm.call.error_kind"


class CallHost(Protocol):
    """What the bridge needs of the local system (``streamer.host.Assembly``)."""

    services: ServiceRegistry
    remote_request: Callable[[ServiceCall, str], bool] | None

    def post(self, actor: str, item: Any, worker: int = 0) -> bool: ...

    def dead_letter(
        self, actor: str, reason: str, error: BaseException | str | None, envelope: Envelope | None
    ) -> None: ...


def request_topic(topology: Topology, actor: str) -> str:
    return f"{topology.module}.{actor}.requests"


def reply_topic(topology: Topology, process: str) -> str:
    return f"{topology.module}.{process}.replies"


class RemoteCalls:
    def __init__(
        self,
        topology: Topology,
        process: str,
        settings: KafkaSettings,
        codec: Codec,
        on_error: ErrorCallback,
    ) -> None:
        self.topology = topology
        self.settings = settings
        self.codec = codec
        self.on_error = on_error
        self.caller = uuid.uuid4().hex
        """Tells this instance's replies apart from its fellow replicas'."""
        placement = next((p for p in topology.processes if p.name == process), None)
        self.local = frozenset(placement.actors if placement else ())
        self.reply_topic = reply_topic(topology, process)
        self.served = {
            request_topic(topology, spec.name): spec.name
            for spec in topology.actors
            if spec.name in self.local and spec.services
        }
        """Request topics of local actors offering services -> actor."""
        self.calls_out = any(spec.services for spec in topology.actors if spec.name not in self.local)
        """Some actor elsewhere offers services: this process may call it (from a
        handler or through ``System.call``), so it reads its reply topic."""
        self._host: CallHost | None = None
        self._producer: EventProducer | None = None
        self._replies: Consumer | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def topics(self) -> dict[str, int]:
        """Topics to create: requests of every actor offering services, our replies."""
        wanted = {
            request_topic(self.topology, spec.name): self.settings.default_partitions
            for spec in self.topology.actors
            if spec.services
        }
        if self.calls_out:
            wanted[self.reply_topic] = 1
        return wanted

    def attach(self, host: CallHost) -> None:
        """Route the host's calls to non-local actors through Kafka."""
        self._host = host
        host.remote_request = self.send_request

    def start(self, producer: EventProducer) -> None:
        self._producer = producer
        if not self.calls_out:
            return
        config = base_config(self.settings)
        config.pop("message.max.bytes", None)
        config.update({"group.id": f"{self.reply_topic}.{self.caller}", "enable.auto.commit": False})
        replies = Consumer(config)
        # Start at the current end, before any request goes out: no reply is missed.
        partitions = replies.list_topics(self.reply_topic, timeout=30).topics[self.reply_topic].partitions
        replies.assign([TopicPartition(self.reply_topic, p, _end_offset(replies, self.reply_topic, p)) for p in partitions])
        self._replies = replies
        self._thread = threading.Thread(target=self._read_replies, name="kafka-replies", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(10)

    # --- caller side --------------------------------------------------------------

    def send_request(self, call: ServiceCall, actor: str) -> bool:
        """``Assembly.remote_request``: False when the actor is not reachable this way."""
        producer = self._producer
        spec = next((a for a in self.topology.actors if a.name == actor), None)
        if producer is None or spec is None or not spec.services:
            return False
        service = next((s for s in spec.services if s.method == call.method), None)
        if service is None:
            return False
        envelope = call.envelope
        headers: HeaderList = self.codec.encode_headers(envelope) + [
            (HEADER_METHOD, call.method.encode()),
            (HEADER_CORRELATION, b"%d" % call.correlation),
            (HEADER_CALLER, self.caller.encode()),
            (HEADER_REPLY_TO, self.reply_topic.encode()),
            (HEADER_TIMEOUT, repr(service.timeout).encode()),
        ]

        def delivered(error: KafkaError | None, _: Message) -> None:
            if error is not None and self._host is not None:
                self._host.services.resolve(
                    call.correlation, Reply(error=ServiceError(f"{actor}.{call.method}: {error.str()}"))
                )

        producer.produce(
            request_topic(self.topology, actor),
            self.codec.encode_value(envelope.event),
            b"%d" % envelope.trace_id,
            headers,
            delivered,
            what=f"request {actor}.{call.method}",
        )
        return True

    def _read_replies(self) -> None:
        replies = self._replies
        assert replies is not None
        try:
            while not self._stopping.is_set():
                for message in replies.consume(100, 0.2):
                    if message.error() is None:
                        self._take_reply(message)
        except KafkaException as error:
            self.on_error(None, error)
        finally:
            replies.close()

    def _take_reply(self, message: Message) -> None:
        fields = header_map(message.headers())
        if fields.get(HEADER_CALLER) != self.caller or self._host is None:
            return
        try:
            correlation = int(fields[HEADER_CORRELATION])
            if HEADER_ERROR in fields:
                kind = ServiceTimeout if fields.get(HEADER_ERROR_KIND) == "timeout" else ServiceError
                reply: Reply[Any] = Reply(error=kind(fields[HEADER_ERROR]))
            else:
                reply = Reply(self.codec.decode_event(fields[HEADER_NAME], message.value()))
        except (KeyError, ValueError) as error:  # DecodeError is a ValueError
            logger.warning("unusable reply on %s@%s: %s", self.reply_topic, message.offset(), error)
            return
        self._host.services.resolve(correlation, reply)

    # --- callee side --------------------------------------------------------------

    def serve(self, message: Message, done: Callable[[], None]) -> None:
        """A request record for a local actor: run the service, answer on reply_to.

        Raises ``DecodeError`` for a record that is not a valid request (the
        consumer dead-letters it)."""
        host, producer = self._host, self._producer
        actor = self.served.get(message.topic() or "")
        fields = header_map(message.headers())
        try:
            method = fields[HEADER_METHOD]
            correlation = int(fields[HEADER_CORRELATION])
            caller, reply_to = fields[HEADER_CALLER], fields[HEADER_REPLY_TO]
            timeout = float(fields[HEADER_TIMEOUT])
        except (KeyError, ValueError) as error:
            raise DecodeError("bad-request", f"service request without valid call headers: {error}") from error
        envelope = self.codec.decode(message.value(), message.headers())
        if host is None or producer is None or actor is None:
            raise DecodeError("bad-request", f"no local actor serves {message.topic()}")
        spec = next(a for a in self.topology.actors if a.name == actor)
        service = next((s for s in spec.services if s.method == method), None)
        reply_name = service.reply if service else ""

        def answer(reply: Reply[Any]) -> None:
            headers: HeaderList = [
                (HEADER_CORRELATION, b"%d" % correlation),
                (HEADER_CALLER, caller.encode()),
                (HEADER_NAME, reply_name.encode()),
            ]
            value: bytes | None = None
            if reply.ok and reply.value is not None:
                value = self.codec.encode_value(reply.value)
            else:
                headers.append((HEADER_ERROR, str(reply.error).encode(errors="replace")))
                kind = "timeout" if isinstance(reply.error, ServiceTimeout) else "error"
                headers.append((HEADER_ERROR_KIND, kind.encode()))
            try:
                producer.produce(reply_to, value, None, headers, _log_failed_reply, what="service reply")
            except Exception as error:  # the caller times out; say why here
                self.on_error(envelope, error)

        label = f"{actor}.{method}"
        local = host.services.open(label, timeout, answer)
        if not host.post(actor, ServiceCall(method, envelope, local)):
            host.services.resolve(local, Reply(error=ServiceError(f"{label}: actor is not running")))
        done()


def _end_offset(consumer: Consumer, topic: str, partition: int, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while True:
        try:
            _, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=timeout)
            return int(high)
        except KafkaException as error:
            code = error.args[0].code()
            transient = error.args[0].retriable() or code in _NOT_READY
            if not transient or time.monotonic() > deadline:
                raise
            time.sleep(0.1)  # leadership moving in the cluster: nothing to wait on


def _log_failed_reply(error: KafkaError | None, message: Message) -> None:
    if error is not None:
        logger.warning("service reply to %s not delivered: %s", message.topic(), error.str())
