"""Kafka bridge: carries events between the processes of a deployment (confluent-kafka).

Importing this package starts nothing. ``KafkaTransport`` is the runtime's
``Transport`` over Kafka; ``streamer.kafka.entry.run_process`` runs one process
of a deployment (what ``python -m <package> --process NAME`` does);
``streamer.kafka.devbroker.DevBroker`` is a local Apache Kafka for development
and tests (not imported here, so ``python -m streamer.kafka.devbroker`` runs
cleanly). See docs/kafka.md.
"""

from .codec import DecodeError
from .config import ConfigError, KafkaSettings, load_settings
from .producer import DeliveryError, EventTooLargeError
from .transport import KafkaTransport

__all__ = [
    "ConfigError",
    "DecodeError",
    "DeliveryError",
    "EventTooLargeError",
    "KafkaSettings",
    "KafkaTransport",
    "load_settings",
]
