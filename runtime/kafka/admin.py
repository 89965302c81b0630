"""Creates the topics a process needs, with the declared partition counts, when missing."""

from __future__ import annotations

import time
from collections.abc import Mapping

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from ..errors import StreamerError
from .config import KafkaSettings, admin_config


class TopicError(StreamerError):
    """A topic could not be created or inspected."""


def ensure_topics(settings: KafkaSettings, partitions: Mapping[str, int], timeout: float = 30.0) -> None:
    """Create every topic in ``partitions`` (name -> count) that does not exist yet.

    Existing topics are left as they are (Kafka cannot shrink them); a race with
    another process creating the same topic is fine.
    """
    if not partitions:
        return
    admin = AdminClient(admin_config(settings))
    try:
        existing = set(admin.list_topics(timeout=timeout).topics)
    except KafkaException as error:
        raise TopicError(f"cannot reach Kafka at {settings.bootstrap_servers}: {error}") from error
    missing = [
        NewTopic(name, num_partitions=count, replication_factor=-1)
        for name, count in sorted(partitions.items())
        if name not in existing
    ]
    if missing:
        _create(admin, missing, timeout)
    # Also for topics another process just created: usable only once led.
    _wait_for_leaders(admin, list(partitions), timeout)


def _create(admin: AdminClient, missing: list[NewTopic], timeout: float) -> None:
    futures = admin.create_topics(missing, operation_timeout=timeout, request_timeout=timeout)
    for name, future in futures.items():
        try:
            future.result(timeout=timeout)
        except KafkaException as error:
            if error.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise TopicError(f"cannot create topic {name!r}: {error.args[0].str()}") from error


def _wait_for_leaders(admin: AdminClient, names: list[str], timeout: float) -> None:
    """New topics answer only once every partition has a leader; wait for that."""
    deadline = time.monotonic() + timeout
    pending = set(names)
    while pending:
        metadata = admin.list_topics(timeout=timeout)
        for name in list(pending):
            topic = metadata.topics.get(name)
            if topic is not None and topic.error is None and topic.partitions and all(
                partition.leader >= 0 and partition.error is None for partition in topic.partitions.values()
            ):
                pending.discard(name)
        if pending and time.monotonic() > deadline:
            raise TopicError(f"topics without leaders after {timeout:g}s: {', '.join(sorted(pending))}")
        if pending:
            time.sleep(0.05)  # metadata propagation in the cluster: nothing to wait on
