"""The bounded mailbox: order, backpressure, shedding policies, lanes, latest slots, close."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from streamer.errors import QueueFullError
from streamer.mailbox import Lane, LaneItem, LatestSlot, Mailbox


class Note:
    def __init__(self, value: int, name: str = "n") -> None:
        self.name = name
        self.value = value

    def __repr__(self) -> str:
        return f"Note({self.value})"


def values(items: list[Any]) -> list[int]:
    return [item.item.value if isinstance(item, LaneItem) else item.value for item in items]


def test_take_returns_items_in_order_in_batches() -> None:
    box = Mailbox("m", 100, "block")
    for value in range(10):
        assert box.put(Note(value))
    assert values(box.take(limit=4)) == [0, 1, 2, 3]
    assert values(box.take()) == list(range(4, 10))
    assert box.taken == 10


def test_consumer_wakes_when_an_item_arrives() -> None:
    box = Mailbox("m", 10, "block")
    got: list[Any] = []
    taken = threading.Event()

    def consume() -> None:
        got.extend(box.take())
        taken.set()

    consumer = threading.Thread(target=consume)
    consumer.start()
    box.put(Note(1))
    assert taken.wait(5)
    consumer.join(5)
    assert values(got) == [1]


def test_block_waits_for_room_and_draining_releases_it() -> None:
    box = Mailbox("m", 1, "block")
    box.put(Note(0))
    finished = threading.Event()
    producer = threading.Thread(target=lambda: (box.put(Note(1)), finished.set()))
    producer.start()
    assert not finished.wait(0.1)
    assert values(box.take()) == [0]
    assert finished.wait(5)
    producer.join(5)
    box.put  # full again with Note(1)
    late = threading.Thread(target=lambda: box.put(Note(2)))
    late.start()
    box.set_draining()
    late.join(5)
    assert not late.is_alive()
    assert values(box.take()) == [1, 2]


def test_shedding_policies_and_counts() -> None:
    shed: list[tuple[int, str]] = []
    newest = Mailbox("m", 2, "drop_newest", lambda item, why: shed.append((item.value, why)))
    for value in range(4):
        newest.put(Note(value))
    assert values(newest.take()) == [0, 1] and newest.shed == 2
    assert [value for value, _ in shed] == [2, 3]

    oldest = Mailbox("m", 2, "drop_oldest")
    for value in range(4):
        oldest.put(Note(value))
    assert values(oldest.take()) == [2, 3] and oldest.shed == 2

    error = Mailbox("actor X", 1, "error")
    error.put(Note(0))
    with pytest.raises(QueueFullError, match="actor X"):
        error.put(Note(1))


def test_control_items_bypass_capacity_and_are_never_shed() -> None:
    box = Mailbox("m", 1, "drop_oldest")
    for value in (98, 99):
        assert box.put_control(Note(value, name="$task"))
    box.put(Note(1))  # the tasks take no room
    box.put(Note(2))  # sheds 1, not a task
    assert values(box.take()) == [98, 99]
    assert values(box.take()) == [2]
    assert box.shed == 1 and box.taken == 3

    strict = Mailbox("actor X", 1, "error")
    strict.put_control(Note(0, name="$task"))
    strict.put(Note(1))  # no QueueFullError: the task does not count


def test_lane_bounds_one_subscription_inside_a_bigger_mailbox() -> None:
    box = Mailbox("m", 100, "block")
    lane = Lane("S -> X", 2, "drop_oldest", box)
    for value in range(5):
        box.put_lane(lane, Note(value))
    box.put(Note(100))
    items = box.take()
    assert values(items) == [3, 4, 100]
    assert box.shed == 3 and lane.count == 2
    for item in items[:2]:
        box.lane_taken(lane)
    assert lane.count == 0


def test_latest_slot_keeps_newest_and_suppresses_duplicates() -> None:
    discarded: list[str] = []
    box = Mailbox("m", 10, "block", lambda item, why: discarded.append(why))
    slot = LatestSlot("S -> X", box)
    assert box.put_latest(slot, Note(1), 1)
    assert box.put_latest(slot, Note(2), 2)  # replaces the queued 1
    assert not box.put_latest(slot, Note(2), 2)  # duplicate of the latest
    [queued] = box.take()
    assert queued is slot
    assert box.latest_taken(slot).value == 2
    assert not box.put_latest(slot, Note(2), 2)  # still equal to the previous value
    assert box.put_latest(slot, Note(3), 3)
    assert slot.suppressed == 2 and slot.replaced == 1
    assert discarded == ["superseded by a newer latest value", "duplicate of the latest value"] + [
        "duplicate of the latest value"
    ]


def test_close_returns_leftovers_and_refuses_more() -> None:
    box = Mailbox("m", 10, "block")
    box.put(Note(1))
    assert values(box.close()) == [1]
    assert not box.put(Note(2))
    assert not box.put_control(Note(3))
    assert box.take() == []
