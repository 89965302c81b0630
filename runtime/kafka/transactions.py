"""Exactly-once mode: consume, handle and produce inside one Kafka transaction per batch.

Every record this process produces (events and dead letters) joins the open
transaction; the consumer commits it together with the batch's input offsets
(``send_offsets_to_transaction``), so after a crash the batch is either fully
visible downstream with its offsets committed, or aborted and consumed again.
Downstream consumers read with ``isolation.level=read_committed``.

The transactional id is ``<group>.<instance>``: a restarted replica with the same
instance fences its crashed predecessor and aborts its open transaction at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

from ..envelope import Envelope
from .codec import Codec
from .config import KafkaSettings
from .producer import ErrorCallback, EventProducer, Route

logger = logging.getLogger("streamer.kafka")

_API_TIMEOUT = 30.0


class TransactionAborted(RuntimeError):
    """The transaction was aborted; the records of its batch must be consumed again."""


class TransactionFailed(RuntimeError):
    """A fatal transactional error (e.g. fenced by a newer instance): the producer is unusable."""


class TransactionalProducer(EventProducer):
    def __init__(
        self,
        settings: KafkaSettings,
        codec: Codec,
        routes: Mapping[str, Route],
        on_error: ErrorCallback,
        *,
        transactional_id: str,
    ) -> None:
        super().__init__(
            settings, codec, routes, on_error,
            extra={
                "transactional.id": transactional_id,
                "transaction.timeout.ms": settings.transaction_timeout_ms,
            },
        )
        self.transactional_id = transactional_id
        self._lock = threading.RLock()
        self._open = False
        self.client.init_transactions(_API_TIMEOUT)

    def send(self, envelope: Envelope) -> None:
        with self._lock:
            self._begin()
            super().send(envelope)

    def _produce(self, *args: Any, **kwargs: Any) -> None:
        # Every record, events and dead letters alike, joins the open transaction.
        with self._lock:
            self._begin()
            super()._produce(*args, **kwargs)

    def commit(self, offsets: list[TopicPartition], consumer: Consumer | None) -> None:
        """Commit the open transaction with ``offsets`` as the consumer's progress."""
        with self._lock:
            if not offsets and not self._open:
                return
            self._begin()
            try:
                if offsets and consumer is not None:
                    self._retrying(
                        lambda: self.client.send_offsets_to_transaction(
                            offsets, consumer.consumer_group_metadata(), _API_TIMEOUT
                        )
                    )
                self._retrying(lambda: self.client.commit_transaction(_API_TIMEOUT))
            except KafkaException as error:
                kafka_error: KafkaError = error.args[0]
                if kafka_error.txn_requires_abort():
                    logger.warning("transaction %s aborted: %s", self.transactional_id, kafka_error.str())
                    self.abort()
                    raise TransactionAborted(kafka_error.str()) from error
                raise TransactionFailed(f"transaction {self.transactional_id}: {kafka_error.str()}") from error
            finally:
                self._open = False

    def abort(self) -> None:
        with self._lock:
            if self._open:
                try:
                    self.client.abort_transaction(_API_TIMEOUT)
                finally:
                    self._open = False

    def close(self, timeout: float) -> int:
        with self._lock:
            try:
                self.commit([], None)
            except (TransactionAborted, TransactionFailed) as error:
                logger.warning("final transaction of %s: %s", self.transactional_id, error)
        return super().close(timeout)

    def _begin(self) -> None:
        if not self._open:
            self.client.begin_transaction()
            self._open = True

    @staticmethod
    def _retrying(call: Callable[[], object]) -> None:
        deadline = time.monotonic() + _API_TIMEOUT
        while True:
            try:
                call()
                return
            except KafkaException as error:
                if not error.args[0].retriable() or time.monotonic() > deadline:
                    raise
