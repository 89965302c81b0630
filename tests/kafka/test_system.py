"""The bridge under the real runtime: two Systems (two processes of one deployment)
in this test process, joined only by Kafka."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from confluent_kafka.admin import (  # type: ignore[attr-defined]
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    ResourceType,
)

from streamer.actor import Actor
from streamer.event import Event
from streamer.kafka.config import load_settings
from streamer.kafka.entry import attach_system
from streamer.kafka.transport import KafkaTransport
from streamer.system import System
from streamer.topology import ActorSpec, EventSpec, Input, ProcessSpec, Topology


class Order(Event, frozen=True, kw_only=True):
    id: str
    extra: int


class Shipped(Event, frozen=True, kw_only=True):
    id: str
    padding: bytes


def topology(module: str) -> Topology:
    return Topology(
        module=module,
        events=(EventSpec("Order", Order, key="id", external=True), EventSpec("Shipped", Shipped, key="id")),
        actors=(
            ActorSpec("Shop", inputs=(Input("Order", "on_order"),), emits=("Shipped",)),
            ActorSpec("Store", inputs=(Input("Shipped", "on_shipped"),)),
        ),
        processes=(ProcessSpec("shop", ("Shop",)), ProcessSpec("store", ("Store",))),
    )


class Shop(Actor):
    NAME = "Shop"

    def on_order(self, ctx: Any, order: Order) -> None:
        ctx.emit(Shipped(id=order.id, padding=b"p" * order.extra))


STORED: list[Shipped] = []
STORED_CHANGED = threading.Condition()


class Store(Actor):
    NAME = "Store"

    def on_shipped(self, ctx: Any, shipped: Shipped) -> None:
        with STORED_CHANGED:
            STORED.append(shipped)
            STORED_CHANGED.notify_all()


def wait_stored(count: int, timeout: float = 60) -> list[Shipped]:
    with STORED_CHANGED:
        assert STORED_CHANGED.wait_for(lambda: len(STORED) >= count, timeout), f"{len(STORED)} of {count} stored"
        return list(STORED)


def wait_dead_letters(system: System, count: int, timeout: float = 30) -> list[Any]:
    deadline = time.monotonic() + timeout
    while len(system.dead_letters) < count:
        assert time.monotonic() < deadline, f"{len(system.dead_letters)} of {count} dead letters"
        time.sleep(0.02)  # dead letters have no change notification to wait on
    return system.dead_letters


@pytest.fixture
def systems(kafka_bootstrap: str, unique_name: str) -> Iterator[tuple[System, System]]:
    STORED.clear()
    topo = topology(unique_name)
    settings = load_settings(kafka_bootstrap, environ={}, default_partitions=2)
    made = []
    for process in ("store", "shop"):
        transport = KafkaTransport(topo, process, settings)
        system = System(topo, {"Shop": Shop, "Store": Store}, process=process, transport=transport)
        attach_system(transport, system)
        made.append(system)
    store, shop = made
    store.start()
    shop.start()
    yield shop, store
    shop.stop(20)
    store.stop(20)


def test_events_cross_between_systems(systems: tuple[System, System]) -> None:
    shop, _ = systems
    for number in range(200):
        shop.publish(Order(id=f"o{number % 7}", extra=number))
    stored = wait_stored(200)
    assert sorted(len(s.padding) for s in stored) == list(range(200))
    for key in {f"o{n}" for n in range(7)}:
        sizes = [len(s.padding) for s in stored if s.id == key]
        assert sizes == sorted(sizes)  # per-key order across the processes
    assert not shop.dead_letters


def test_too_large_emit_fails_the_handler_visibly(systems: tuple[System, System]) -> None:
    shop, _ = systems
    shop.publish(Order(id="huge", extra=5 * 1024 * 1024))
    shop.publish(Order(id="fine", extra=10))
    assert wait_stored(1)[0] == Shipped(id="fine", padding=b"p" * 10)
    [letter] = wait_dead_letters(shop, 1)
    assert letter.actor == "Shop"
    assert "EventTooLargeError" in letter.error and "message.max.bytes" in letter.error
    assert letter.envelope.event == Order(id="huge", extra=5 * 1024 * 1024)


def test_rejected_delivery_becomes_a_dead_letter(
    kafka_bootstrap: str, unique_name: str, systems: tuple[System, System]
) -> None:
    shop, _ = systems
    topic = f"{unique_name}.Shipped"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    limit = ConfigEntry("max.message.bytes", "2000", incremental_operation=AlterConfigOpType.SET)
    resource = ConfigResource(ResourceType.TOPIC, topic, incremental_configs=[limit])
    for future in admin.incremental_alter_configs([resource]).values():
        future.result(30)
    shop.publish(Order(id="big", extra=10_000))
    letters = wait_dead_letters(shop, 1)
    assert letters[0].actor == "kafka"
    assert "not delivered to Kafka" in letters[0].reason
    assert "MSG_SIZE_TOO_LARGE" in letters[0].reason
    assert letters[0].envelope.event == Shipped(id="big", padding=b"p" * 10_000)
