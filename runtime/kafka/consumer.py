"""Feeds events from Kafka into the local broker, storing offsets only once handled.

One thread polls in batches and hands each decoded event to ``deliver`` (which
blocks while the local mailboxes are full: backpressure reaches Kafka). An
offset is stored when the local subscribers are done with that record and with
every earlier one of its partition; librdkafka commits stored offsets
periodically, and on rebalance and shutdown we commit synchronously. A record
that does not decode goes to the dead-letter topic and the loop carries on.

In exactly-once mode (``transactions`` given) the batches polled within a commit
interval form one transaction: the events the handlers emit and the batches'
input offsets commit together, or the transaction aborts and the batches are
consumed again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Collection, Mapping
from typing import Protocol

from confluent_kafka import (
    OFFSET_BEGINNING,
    OFFSET_INVALID,
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    TopicPartition,
)

from ..envelope import Envelope
from ..errors import StreamerError, SystemStoppedError
from .codec import Codec, DecodeError
from .config import KafkaSettings, consumer_config
from .deadletter import deadletter_headers
from .offsets import OffsetTracker, TopicPartitionKey
from .producer import ErrorCallback, EventProducer
from .transactions import TransactionAborted

logger = logging.getLogger("streamer.kafka")

_COMMIT_INTERVAL = 0.1
"""Exactly-once mode: seconds a transaction stays open while records keep coming.
A commit costs broker round trips and a pause while the open batches drain, so
one commit serves every batch polled meanwhile (Kafka Streams' default too)."""

Deliver = Callable[[Envelope, Callable[[], None]], None]
Serve = Callable[[Message, Callable[[], None]], None]


class Transactions(Protocol):
    """What the consumer needs of the transactional producer (see transactions.py)."""

    def commit(self, offsets: list[TopicPartition], consumer: Consumer) -> None: ...

    def abort(self) -> None: ...


class EventConsumer:
    def __init__(
        self,
        settings: KafkaSettings,
        *,
        group: str,
        topics: Collection[str],
        incoming: Collection[str],
        codec: Codec,
        deliver: Deliver,
        producer: EventProducer,
        deadletter_topic: str,
        on_error: ErrorCallback,
        transactions: Transactions | None = None,
        requests: Mapping[str, Serve] | None = None,
        expected: Mapping[str, str] | None = None,
        revoke_timeout: float = 30.0,
    ) -> None:
        self.group = group
        self._requests = dict(requests or {})
        """Topics carrying service requests for local actors -> what serves them."""
        self._topics = sorted({*topics, *self._requests})
        self._incoming = frozenset(incoming)
        self._expected = dict(expected or {})
        """Topic -> the one event it carries (decoded in one pass)."""
        self._codec = codec
        self._deliver = deliver
        self._producer = producer
        self._deadletter_topic = deadletter_topic
        self._on_error = on_error
        self._transactions = transactions
        self._revoke_timeout = revoke_timeout
        self._batch_size = settings.batch_size
        self._commit_interval = _COMMIT_INTERVAL
        self._open_positions: dict[TopicPartitionKey, int] = {}
        """Exactly-once mode: next offset per partition read in the open transaction."""
        self._open_since: float | None = None
        self._rewind_pending = False
        self._tracker = OffsetTracker()
        self._awaiting_delivery: deque[tuple[int, list[tuple[str, int, int]]]] = deque()
        """Offsets whose records are handled, with the producer's count at that
        moment: stored once everything produced until then is delivered."""
        self._stopping = threading.Event()
        self._drain_timeout = 10.0
        config = consumer_config(settings, group)
        if transactions is not None:
            config["enable.auto.commit"] = False  # offsets commit inside the transactions
        if settings.instance:
            # Static membership: a restarted replica takes its partitions back at
            # once instead of waiting for the dead one's session to time out.
            config.setdefault("group.instance.id", f"{group}.{settings.instance}")
        self._consumer = Consumer(config)
        self._thread = threading.Thread(target=self._run, name=f"kafka-consumer-{group}", daemon=True)
        self.failure: BaseException | None = None

    def start(self) -> None:
        self._consumer.subscribe(
            self._topics, on_assign=self._on_assign, on_revoke=self._on_revoke, on_lost=self._on_lost
        )
        self._thread.start()

    def stop(self, timeout: float) -> None:
        """Stop polling, wait (bounded) for handled records, commit, leave the group."""
        self._drain_timeout = max(timeout, 0.0)
        self._stopping.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout + 30.0)

    # --- the polling thread ---------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                messages = self._consumer.consume(self._batch_size, 0.1)
                if self._transactions is None:
                    self._hand_over(messages)
                    self._store_ready()
                else:
                    if self._rewind_pending:  # after an abort inside a rebalance callback
                        self._rewind_pending = False
                        self._rewind()
                        continue  # the batch came from before the rewind
                    self._run_transaction(messages)
        except SystemStoppedError:
            logger.info("consumer %s: the local system stopped; leaving", self.group)
        except Exception as error:  # reported, never silently lost
            self.failure = error
            logger.error("consumer %s stopped: %s", self.group, error)
            self._on_error(None, error)
        finally:
            self._shutdown()

    def _hand_over(self, messages: list[Message]) -> None:
        """Handle a polled batch; its offset chunks are sealed even if it stops midway."""
        try:
            for message in messages:
                self._handle(message)
        finally:
            self._tracker.seal()

    def _handle(self, message: Message) -> None:
        error = message.error()
        if error is not None:
            if error.fatal():
                raise KafkaException(error)
            logger.warning("consumer %s: %s", self.group, error.str())
            return
        topic, partition, offset = message.topic(), message.partition(), message.offset()
        assert topic is not None and partition is not None and offset is not None
        done = self._tracker.track(topic, partition, offset)
        serve = self._requests.get(topic) if self._requests else None
        if serve is not None:
            try:
                serve(message, done)
            except DecodeError as bad_request:
                self._deadletter(message, bad_request.reason, str(bad_request), done)
            return
        try:
            expected = self._expected.get(topic)
            if expected is not None:
                envelope = self._codec.decode_expected(message.value(), expected, message.headers)
            else:
                envelope = self._codec.decode(message.value(), message.headers)  # v1 only reads headers
        except DecodeError as decode_error:
            self._deadletter(message, decode_error.reason, str(decode_error), done)
            return
        if envelope.name not in self._incoming:
            self._deadletter(
                message, "unexpected-event", f"event {envelope.name!r} has no consumer in this process", done
            )
            return
        try:
            self._deliver(envelope, done)
        except SystemStoppedError:
            self._tracker.abandon(topic, partition, offset)
            raise
        except StreamerError as refused:  # fits no local stream: a deployment mismatch
            self._deadletter(message, "refused", f"{type(refused).__name__}: {refused}", done)

    def _deadletter(self, message: Message, reason: str, error: str, done: Callable[[], None]) -> None:
        logger.warning(
            "dead letter from %s[%s]@%s: %s", message.topic(), message.partition(), message.offset(), error
        )
        headers = deadletter_headers(message, reason, error, self.group)
        if self._transactions is not None:
            # Part of the batch's transaction: committed atomically with the offsets.
            self._producer.produce(self._deadletter_topic, message.value(), message.key(), headers, _ignore)
            done()
            return

        def delivered(kafka_error: KafkaError | None, _: Message) -> None:
            if kafka_error is None:
                done()  # only now may the bad record's offset be stored
            else:
                self._on_error(None, KafkaException(kafka_error))

        self._producer.produce(self._deadletter_topic, message.value(), message.key(), headers, delivered)

    def _store_ready(self, wait: float = 0.0) -> None:
        """Store the offsets of handled records whose emitted events are delivered."""
        ready = self._tracker.take_ready()
        watermark = self._producer.watermark
        if ready:
            self._awaiting_delivery.append((watermark.mark(), ready))
        if wait > 0 and self._awaiting_delivery:
            watermark.wait(self._awaiting_delivery[-1][0], wait)
        latest: dict[tuple[str, int], int] = {}
        while self._awaiting_delivery and watermark.reached(self._awaiting_delivery[0][0]):
            for topic, partition, offset in self._awaiting_delivery.popleft()[1]:
                latest[(topic, partition)] = offset
        for (topic, partition), offset in latest.items():
            try:
                self._consumer.store_offsets(offsets=[TopicPartition(topic, partition, offset)])
            except KafkaException as error:
                # Revoked meanwhile: its new owner reads the rest again.
                logger.debug("store_offsets: %s", error)

    def _run_transaction(self, messages: list[Message]) -> None:
        """Hand a batch over inside the open transaction; commit it once it has been
        open for the commit interval, or when no records come (events emitted
        outside any batch, by timers or calls, wait in it until then)."""
        if messages:
            positions = self._open_positions
            if self._open_since is None:
                self._open_since = time.monotonic()
            for message in messages:
                if message.error() is None:
                    positions[(message.topic() or "", message.partition() or 0)] = (message.offset() or 0) + 1
            self._hand_over(messages)
            if time.monotonic() - self._open_since < self._commit_interval:
                return  # poll on while the workers handle: one commit serves many batches
        self._finish_transaction()

    def _finish_transaction(self) -> None:
        """Wait until the open transaction's records are handled, then commit it with
        their offsets (or abort it and consume them again)."""
        assert self._transactions is not None
        positions, self._open_positions, self._open_since = self._open_positions, {}, None
        keys = list(positions)
        if keys and not self._tracker.wait_idle(keys, self._revoke_timeout):
            logger.warning("consumer %s: batch not handled in time; aborting its transaction", self.group)
            self._transactions.abort()
            self._rewind()
            return
        if self._commit_transaction([TopicPartition(t, p, o) for (t, p), o in positions.items()]):
            self._tracker.drop(keys)

    def _commit_transaction(self, offsets: list[TopicPartition]) -> bool:
        assert self._transactions is not None
        try:
            self._transactions.commit(offsets, self._consumer)
            return True
        except TransactionAborted:
            self._rewind()
            return False

    def _rewind(self) -> None:
        """Go back to the committed offsets of every assigned partition (after an abort)."""
        assignment = self._consumer.assignment()
        self._tracker.drop((tp.topic, tp.partition) for tp in assignment)
        for committed in self._consumer.committed(assignment, timeout=30):
            offset = committed.offset if committed.offset != OFFSET_INVALID else OFFSET_BEGINNING
            self._consumer.seek(TopicPartition(committed.topic, committed.partition, offset))

    def _shutdown(self) -> None:
        try:
            self._tracker.wait_idle(None, self._drain_timeout)
            if self._transactions is None:
                self._store_ready(wait=self._drain_timeout)
                self._commit_sync()
            else:
                # Stopped inside a batch: commit the part the system finished, with
                # its offsets, so what it emitted is not emitted again after restart.
                ready = self._tracker.take_ready()
                self._open_positions, self._open_since = {}, None
                self._transactions.commit([TopicPartition(t, p, o) for t, p, o in ready], self._consumer)
            self._consumer.close()  # leaves the group; revocation commits once more
        except (KafkaException, RuntimeError) as error:  # TransactionAborted/Failed included
            logger.warning("consumer %s: close: %s", self.group, error)

    def _commit_sync(self) -> None:
        """Commit the stored offsets now (the periodic auto-commit may not have yet)."""
        try:
            self._consumer.commit(asynchronous=False)
        except KafkaException as error:
            if error.args[0].code() != KafkaError._NO_OFFSET:
                logger.warning("consumer %s: commit: %s", self.group, error.args[0].str())

    # --- rebalance callbacks (run inside consume(), on the polling thread) -------------

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        logger.info("consumer %s: assigned %s", self.group, _describe(partitions))

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        keys = [(tp.topic, tp.partition) for tp in partitions]
        logger.info("consumer %s: revoked %s", self.group, _describe(partitions))
        if self._transactions is not None and self._open_positions:
            self._finish_transaction()  # while the partitions are still ours to commit
        if self._transactions is None:
            # Let in-flight records finish so their successors' new owner starts after them.
            self._tracker.wait_idle(keys, self._revoke_timeout)
            self._store_ready(wait=self._revoke_timeout)
            self._commit_sync()
        self._tracker.drop(keys)

    def _on_lost(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        logger.warning("consumer %s: lost %s", self.group, _describe(partitions))
        if self._transactions is not None and self._open_positions:
            # Their offsets can no longer commit: what the open transaction holds
            # for them must not become visible while their new owner redoes it.
            self._transactions.abort()
            self._open_positions, self._open_since = {}, None
            self._rewind_pending = True
        self._tracker.drop((tp.topic, tp.partition) for tp in partitions)


def _ignore(error: KafkaError | None, message: Message) -> None:
    """Transactional records fail through the commit, not their delivery report."""


def _describe(partitions: list[TopicPartition]) -> str:
    return ", ".join(f"{tp.topic}[{tp.partition}]" for tp in partitions) or "nothing"
