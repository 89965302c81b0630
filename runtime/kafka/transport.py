"""``KafkaTransport``: the runtime's Transport over Kafka for one process of a deployment.

The System tells the transport which events leave the process (``outgoing``:
emitted here, consumed elsewhere) and which arrive (``incoming``: consumed here,
emitted elsewhere or fed from outside). Outgoing events are produced to their
topics; incoming topics are consumed by the group ``<module>.<process>``, shared
by every replica of the process.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable

from ..envelope import Envelope
from ..errors import SystemStoppedError
from ..topology import Topology
from .admin import ensure_topics
from .calls import CallHost, RemoteCalls
from .codec import Codec
from .config import KafkaSettings, deadletter_topic, group_id, topic_name, topic_partitions
from .consumer import EventConsumer
from .producer import ErrorCallback, EventProducer, Route
from .transactions import TransactionalProducer

logger = logging.getLogger("streamer.kafka")


def _log_error(envelope: Envelope | None, error: Exception) -> None:
    what = f"event {envelope.name} (id {envelope.id})" if envelope is not None else "Kafka"
    logger.error("%s: %s", what, error)


class KafkaTransport:
    def __init__(
        self,
        topology: Topology,
        process: str,
        settings: KafkaSettings,
        *,
        on_error: ErrorCallback | None = None,
    ) -> None:
        self.topology = topology
        self.process = process
        self.settings = settings
        self.on_error: ErrorCallback = on_error or _log_error
        """Where asynchronous failures go (delivery reports, consumer faults);
        the System may replace it to route them to supervision or dead letters."""
        self.group = group_id(topology, process)
        self.deadletter_topic = deadletter_topic(topology)
        self.codec = Codec({spec.name: spec.type for spec in topology.events})
        self.exactly_once = self._exactly_once()
        self.calls = RemoteCalls(topology, process, settings, self.codec, self._report)
        self._calls_attached = False
        self._host: CallHost | None = None
        self.failure: Exception | None = None
        """Set when the consumer stopped on an error it cannot recover from (e.g. a
        fenced transactional producer): the process should exit and be restarted."""
        self._producer: EventProducer | None = None
        self._consumer: EventConsumer | None = None
        self._started = threading.Event()

    def attach(self, host: CallHost) -> None:
        """Join the local system (before start): carry its service calls to and from
        other processes, and turn delivery failures into its dead letters."""
        self.calls.attach(host)
        self._calls_attached = True
        self._host = host

    def start(
        self,
        outgoing: frozenset[str],
        incoming: frozenset[str],
        deliver: Callable[[Envelope, Callable[[], None]], None],
    ) -> None:
        try:
            self._start(outgoing, incoming, deliver)
        finally:
            self._started.set()  # wakes early senders, also when starting failed

    def _start(
        self,
        outgoing: frozenset[str],
        incoming: frozenset[str],
        deliver: Callable[[Envelope, Callable[[], None]], None],
    ) -> None:
        partitions = {
            topic_name(self.topology, name): topic_partitions(
                self.topology, name, self.settings.default_partitions
            )
            for name in outgoing | incoming
        }
        partitions[self.deadletter_topic] = self.settings.default_partitions
        if self._calls_attached:
            partitions.update(self.calls.topics())
        ensure_topics(self.settings, partitions, timeout=self.settings.connect_timeout)

        routes = {
            name: Route(topic_name(self.topology, name), self.topology.event(name).key)
            for name in outgoing
        }
        requests = {topic: self.calls.serve for topic in self.calls.served} if self._calls_attached else {}
        consumes = bool(incoming or requests)
        if self.exactly_once and bool(incoming):
            producer: EventProducer = TransactionalProducer(
                self.settings, self.codec, routes, self._report,
                transactional_id=f"{self.group}.{self._instance()}",
            )
        else:
            # Without a consumer no offset waits for what this process sends:
            # librdkafka then reports failures only.
            producer = EventProducer(self.settings, self.codec, routes, self._report, track_deliveries=consumes)
        self._producer = producer
        if self._calls_attached:
            self.calls.start(producer)
        if consumes:
            self._consumer = EventConsumer(
                self.settings,
                group=self.group,
                topics={topic_name(self.topology, name) for name in incoming},
                incoming=incoming,
                codec=self.codec,
                deliver=deliver,
                producer=producer,
                deadletter_topic=self.deadletter_topic,
                on_error=self._report,
                transactions=producer if isinstance(producer, TransactionalProducer) else None,
                requests=requests,
                expected=_one_event_per_topic(self.topology, incoming),
            )
            self._consumer.start()

    def send(self, envelope: Envelope) -> None:
        producer = self._producer
        if producer is None:
            # An actor's on_start may emit while start() still sets up topics.
            if not self._started.wait(self.settings.connect_timeout) or self._producer is None:
                raise SystemStoppedError(f"cannot send {envelope.name}: the Kafka transport is not running")
            producer = self._producer
        producer.send(envelope)

    def stop(self, timeout: float) -> None:
        """Drain and commit the consumer, then flush (and commit) what was produced."""
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            consumer.stop(timeout)
        self.calls.stop()
        producer, self._producer = self._producer, None
        if producer is not None:
            remaining = producer.close(timeout)
            if remaining:
                self._report(None, RuntimeError(f"{remaining} records not delivered to Kafka before stop"))

    def _report(self, envelope: Envelope | None, error: Exception) -> None:
        consumer = self._consumer
        if consumer is not None and consumer.failure is error:
            self.failure = error
        if self._host is not None and envelope is not None:
            self._host.dead_letter("kafka", f"not delivered to Kafka: {error}", error, envelope)
        self.on_error(envelope, error)

    def _exactly_once(self) -> bool:
        if self.settings.exactly_once is not None:
            return self.settings.exactly_once
        return any(spec.exactly_once for spec in self.topology.processes if spec.name == self.process)

    def _instance(self) -> str:
        """A stable id given by the operator, else one unique to this OS process."""
        if self.settings.instance:
            return self.settings.instance
        return f"{socket.gethostname()}-{os.getpid()}"


def _one_event_per_topic(topology: Topology, names: frozenset[str]) -> dict[str, str]:
    """Topic -> event, for the topics that carry a single event of ``names``."""
    by_topic: dict[str, set[str]] = {}
    for name in names:
        by_topic.setdefault(topic_name(topology, name), set()).add(name)
    return {topic: next(iter(events)) for topic, events in by_topic.items() if len(events) == 1}
