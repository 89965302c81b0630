from __future__ import annotations

from pathlib import Path

import pytest

from streamer.kafka.config import (
    ConfigError,
    consumer_config,
    deadletter_topic,
    group_id,
    load_settings,
    producer_config,
    topic_name,
    topic_partitions,
)
from streamer.topology import EventSpec, Topology, TopicSpec

from kafka_events import Blob, Tx

TOPOLOGY = Topology(
    module="shop.orders",
    events=(EventSpec("Tx", Tx), EventSpec("Blob", Blob, key="id")),
    actors=(),
    topics=(TopicSpec("Blob", "blobs.v1", partitions=12),),
)


def test_topic_names_derive_from_module_unless_overridden() -> None:
    assert topic_name(TOPOLOGY, "Tx") == "shop.orders.Tx"
    assert topic_name(TOPOLOGY, "Blob") == "blobs.v1"
    assert topic_partitions(TOPOLOGY, "Blob") == 12
    assert topic_partitions(TOPOLOGY, "Tx", default=3) == 3
    assert group_id(TOPOLOGY, "workers") == "shop.orders.workers"
    assert deadletter_topic(TOPOLOGY) == "shop.orders.deadletter"


def test_precedence_file_then_environment_then_arguments(tmp_path: Path) -> None:
    file = tmp_path / "client.properties"
    file.write_text(
        "# comment\nbootstrap.servers=file:9092\nsecurity.protocol=SSL\n"
        "sasl.mechanisms=PLAIN\nstreamer.instance=7\n"
    )
    environ = {
        "STREAMER_KAFKA_CONFIG": str(file),
        "STREAMER_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "STREAMER_KAFKA_SSL_CA_LOCATION": "/ca.pem",
        "OTHER": "ignored",
    }
    settings = load_settings(environ=environ)
    assert settings.bootstrap_servers == "file:9092"
    assert settings.instance == "7"
    assert settings.client == {
        "security.protocol": "SASL_SSL", "sasl.mechanisms": "PLAIN", "ssl.ca.location": "/ca.pem",
    }
    environ["STREAMER_KAFKA_BOOTSTRAP"] = "env:9092"
    assert load_settings(environ=environ).bootstrap_servers == "env:9092"
    chosen = load_settings("arg:9092", environ=environ, client={"security.protocol": "PLAINTEXT"})
    assert chosen.bootstrap_servers == "arg:9092"
    assert chosen.client["security.protocol"] == "PLAINTEXT"


def test_client_settings_reach_every_client() -> None:
    settings = load_settings("b:1", environ={"STREAMER_KAFKA_SASL_USERNAME": "u"})
    assert producer_config(settings)["sasl.username"] == "u"
    consumer = consumer_config(settings, "g")
    assert consumer["sasl.username"] == "u"
    assert consumer["isolation.level"] == "read_committed"
    assert consumer["enable.auto.offset.store"] is False
    assert consumer["partition.assignment.strategy"] == "range"
    assert producer_config(settings)["enable.idempotence"] is True


def test_missing_bootstrap_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="STREAMER_KAFKA_BOOTSTRAP"):
        load_settings(environ={})


def test_malformed_file_names_the_line(tmp_path: Path) -> None:
    file = tmp_path / "bad.properties"
    file.write_text("bootstrap.servers=x\nnonsense\n")
    with pytest.raises(ConfigError, match=r"bad.properties:2"):
        load_settings(config_file=file, environ={})


def test_bad_flag_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="true or false"):
        load_settings("b:1", environ={"STREAMER_KAFKA_EXACTLY_ONCE": "maybe"})
    assert load_settings("b:1", environ={"STREAMER_KAFKA_EXACTLY_ONCE": "yes"}).exactly_once is True
