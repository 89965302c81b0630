"""Where the bridge connects and how it names things.

Settings come from, in increasing precedence: a properties file (``key=value``
lines, as Kafka's Java clients use), the environment, and explicit arguments.
Any librdkafka setting passes through: ``security.protocol=SASL_SSL`` in the
file, or ``STREAMER_KAFKA_SECURITY_PROTOCOL=SASL_SSL`` in the environment
(underscores become dots, lower case). Streamer's own settings are prefixed
``streamer.`` in files and listed in ``_OWN_ENV`` for the environment.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..topology import Topology

ENV_PREFIX = "STREAMER_KAFKA_"
DEFAULT_MAX_EVENT_BYTES = 4 * 1024 * 1024
DEFAULT_PARTITIONS = 6

_OWN_ENV = {
    "BOOTSTRAP": "bootstrap_servers",
    "CONFIG": "config_file",
    "INSTANCE": "instance",
    "EXACTLY_ONCE": "exactly_once",
    "PARTITIONS": "default_partitions",
    "BATCH": "batch_size",
    "CONNECT_TIMEOUT": "connect_timeout",
}
_OWN_FILE = {"bootstrap.servers": "bootstrap_servers"} | {
    f"streamer.{name}": name
    for name in ("instance", "exactly_once", "default_partitions", "batch_size", "connect_timeout")
}

logger = logging.getLogger("streamer.kafka")


class ConfigError(ValueError):
    """Kafka settings are missing or malformed."""


@dataclass(frozen=True)
class KafkaSettings:
    bootstrap_servers: str
    client: Mapping[str, str] = field(default_factory=dict)
    """librdkafka settings for every client (security, SASL, SSL, tuning)."""
    instance: str = ""
    """Stable identity of this replica (e.g. 0, 1, 2) used in its transactional
    id, so a restarted replica fences its crashed predecessor and aborts its open
    transaction at once. Empty: unique per OS process (safe, slower recovery)."""
    exactly_once: bool | None = None
    """None: as the topology's process declares."""
    default_partitions: int = DEFAULT_PARTITIONS
    batch_size: int = 500
    transaction_timeout_ms: int = 30_000
    connect_timeout: float = 30.0
    """Seconds a starting process waits for the cluster (topic setup) before failing."""

    @property
    def max_event_bytes(self) -> int:
        """The producer's limit on one record; larger events are refused at ``send``."""
        return int(self.client.get("message.max.bytes", DEFAULT_MAX_EVENT_BYTES))

    def with_client(self, **settings: str) -> KafkaSettings:
        return replace(self, client={**self.client, **settings})


def load_settings(
    bootstrap_servers: str | None = None,
    *,
    config_file: str | Path | None = None,
    client: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
    **own: Any,
) -> KafkaSettings:
    """Merge file, environment and arguments; ``own`` takes KafkaSettings fields."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    librdkafka: dict[str, str] = {}

    path = config_file or environ.get(ENV_PREFIX + "CONFIG")
    if path:
        for key, value in read_properties(Path(path)).items():
            if key in _OWN_FILE:
                values[_OWN_FILE[key]] = value
            else:
                librdkafka[key] = value

    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        suffix = name[len(ENV_PREFIX):]
        if suffix in _OWN_ENV:
            if suffix != "CONFIG":
                values[_OWN_ENV[suffix]] = value
        elif suffix:
            librdkafka[suffix.lower().replace("_", ".")] = value

    librdkafka.update(client or {})
    if bootstrap_servers:
        values["bootstrap_servers"] = bootstrap_servers
    values.update({key: value for key, value in own.items() if value is not None})
    librdkafka.pop("bootstrap.servers", None)

    if not values.get("bootstrap_servers"):
        raise ConfigError(
            "no Kafka bootstrap servers: pass --bootstrap-servers, set STREAMER_KAFKA_BOOTSTRAP, "
            "or put bootstrap.servers in the file named by STREAMER_KAFKA_CONFIG"
        )
    try:
        return KafkaSettings(
            bootstrap_servers=str(values["bootstrap_servers"]),
            client=librdkafka,
            instance=str(values.get("instance", "")),
            exactly_once=_flag(values["exactly_once"]) if "exactly_once" in values else None,
            default_partitions=int(values.get("default_partitions", DEFAULT_PARTITIONS)),
            batch_size=int(values.get("batch_size", 500)),
            connect_timeout=float(values.get("connect_timeout", 30.0)),
        )
    except ValueError as error:
        raise ConfigError(f"bad Kafka setting: {error}") from error


def read_properties(path: Path) -> dict[str, str]:
    try:
        text = path.read_text()
    except OSError as error:
        raise ConfigError(f"cannot read Kafka config file {path}: {error.strerror}") from error
    result: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith(("#", "!")):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise ConfigError(f"{path}:{number}: expected key=value, got {line!r}")
        result[key.strip()] = value.strip()
    return result


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"expected true or false, got {value!r}")


# --- client configurations ----------------------------------------------------------


def base_config(settings: KafkaSettings) -> dict[str, Any]:
    return {"bootstrap.servers": settings.bootstrap_servers, "logger": logger, **settings.client}


def producer_config(settings: KafkaSettings) -> dict[str, Any]:
    config = {
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 5,
        "partitioner": "murmur2_random",  # same partition for a key as Java clients
        "message.max.bytes": DEFAULT_MAX_EVENT_BYTES,
    }
    config.update(base_config(settings))
    return config


def consumer_config(settings: KafkaSettings, group: str) -> dict[str, Any]:
    config: dict[str, Any] = {
        "group.id": group,
        "enable.auto.commit": True,
        "auto.commit.interval.ms": 1000,  # commits what was stored; less to redo after a crash
        "enable.auto.offset.store": False,  # we store an offset only once handled
        "auto.offset.reset": "earliest",
        # range: a replica gets the same partition numbers of every topic it reads,
        # so events of one key from different topics (same partition count, same
        # key hash) meet in the same replica, which keyed joins and collects need.
        "partition.assignment.strategy": "range",
        # Always: a process may read the output of an exactly-once process, whose
        # aborted records must stay invisible; it costs nothing otherwise.
        "isolation.level": "read_committed",
        "enable.partition.eof": False,
    }
    config.update(base_config(settings))
    config.pop("message.max.bytes", None)
    return config


def admin_config(settings: KafkaSettings) -> dict[str, Any]:
    config = base_config(settings)
    config.pop("message.max.bytes", None)
    return config


# --- names ----------------------------------------------------------------------------


def topic_name(topology: Topology, event: str) -> str:
    """``<module>.<Event>`` unless the deploy section names the topic."""
    for spec in topology.topics:
        if spec.event == event:
            return spec.topic
    return f"{topology.module}.{event}"


def topic_partitions(topology: Topology, event: str, default: int = DEFAULT_PARTITIONS) -> int:
    for spec in topology.topics:
        if spec.event == event:
            return spec.partitions
    return default


def group_id(topology: Topology, process: str) -> str:
    """Replicas of a process share one consumer group, hence the partitions."""
    return f"{topology.module}.{process}"


def deadletter_topic(topology: Topology) -> str:
    return f"{topology.module}.deadletter"
