"""The bridge under the real runtime: two Systems (two processes of one deployment)
in this test process, joined only by Kafka."""

from __future__ import annotations

import threading
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
from streamer.deadletter import DEAD_LETTER_STREAM
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


class DeadLetters:
    """Collects a system's dead letters as they are published on ``$deadletter``."""

    def __init__(self, system: System) -> None:
        self.letters: list[Any] = []
        self._changed = threading.Condition()
        system.subscribe(DEAD_LETTER_STREAM, self._add)

    def _add(self, letter: Any) -> None:
        with self._changed:
            self.letters.append(letter)
            self._changed.notify_all()

    def wait_for(self, count: int, timeout: float = 30) -> list[Any]:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.letters) >= count, timeout), (
                f"{len(self.letters)} of {count} dead letters"
            )
            return list(self.letters)


@pytest.fixture
def systems(kafka_bootstrap: str, unique_name: str) -> Iterator[tuple[System, DeadLetters]]:
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
    dead = DeadLetters(shop)
    store.start()
    shop.start()
    yield shop, dead
    shop.stop(20)
    store.stop(20)


def test_events_cross_between_systems(systems: tuple[System, DeadLetters]) -> None:
    shop, dead = systems
    for number in range(200):
        shop.publish(Order(id=f"o{number % 7}", extra=number))
    stored = wait_stored(200)
    assert sorted(len(s.padding) for s in stored) == list(range(200))
    for key in {f"o{n}" for n in range(7)}:
        sizes = [len(s.padding) for s in stored if s.id == key]
        assert sizes == sorted(sizes)  # per-key order across the processes
    assert not dead.letters


def test_too_large_emit_fails_the_handler_visibly(systems: tuple[System, DeadLetters]) -> None:
    shop, dead = systems
    shop.publish(Order(id="huge", extra=5 * 1024 * 1024))
    shop.publish(Order(id="fine", extra=10))
    assert wait_stored(1)[0] == Shipped(id="fine", padding=b"p" * 10)
    [letter] = dead.wait_for(1)
    assert letter.actor == "Shop"
    assert "EventTooLargeError" in letter.error and "message.max.bytes" in letter.error
    assert letter.envelope.event == Order(id="huge", extra=5 * 1024 * 1024)


def test_rejected_delivery_becomes_a_dead_letter(
    kafka_bootstrap: str, unique_name: str, systems: tuple[System, DeadLetters]
) -> None:
    shop, dead = systems
    topic = f"{unique_name}.Shipped"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    limit = ConfigEntry("max.message.bytes", "2000", incremental_operation=AlterConfigOpType.SET)
    resource = ConfigResource(ResourceType.TOPIC, topic, incremental_configs=[limit])
    for future in admin.incremental_alter_configs([resource]).values():
        future.result(30)
    shop.publish(Order(id="big", extra=10_000))
    letters = dead.wait_for(1)
    assert letters[0].actor == "kafka"
    assert "not delivered to Kafka" in letters[0].reason
    assert "MSG_SIZE_TOO_LARGE" in letters[0].reason
    assert letters[0].envelope.event == Shipped(id="big", padding=b"p" * 10_000)


class Starter(Actor):
    NAME = "Shop"

    def on_start(self, ctx: Any) -> None:
        ctx.emit(Shipped(id="boot", padding=b""))  # before the transport finished starting

    def on_order(self, ctx: Any, order: Order) -> None:
        pass


def test_event_emitted_in_on_start_reaches_the_other_process(kafka_bootstrap: str, unique_name: str) -> None:
    STORED.clear()
    topo = topology(unique_name)
    settings = load_settings(kafka_bootstrap, environ={}, default_partitions=2)
    store = System(topo, {"Shop": Starter, "Store": Store}, process="store",
                   transport=KafkaTransport(topo, "store", settings))
    shop = System(topo, {"Shop": Starter, "Store": Store}, process="shop",
                  transport=KafkaTransport(topo, "shop", settings))
    store.start()
    shop.start()
    try:
        assert wait_stored(1) == [Shipped(id="boot", padding=b"")]
        assert not shop.dead_letters
    finally:
        shop.stop(20)
        store.stop(20)
