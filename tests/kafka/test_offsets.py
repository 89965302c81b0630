from __future__ import annotations

import threading

from streamer.kafka.delivery import DeliveryWatermark
from streamer.kafka.offsets import OffsetTracker


def test_offset_advances_only_past_a_finished_prefix_of_batches() -> None:
    tracker = OffsetTracker()
    first = [tracker.track("t", 0, offset) for offset in range(10, 12)]
    tracker.seal()
    second = [tracker.track("t", 0, offset) for offset in range(12, 14)]
    tracker.seal()
    second[0]()
    second[1]()
    assert tracker.take_ready() == []  # the earlier batch is not done yet
    first[1]()
    assert tracker.take_ready() == []  # nor is the whole of it
    first[0]()
    assert tracker.take_ready() == [("t", 0, 14)]
    assert tracker.take_ready() == []
    assert tracker.outstanding() == 0


def test_a_batch_counts_only_once_sealed() -> None:
    tracker = OffsetTracker()
    done = tracker.track("t", 0, 5)
    done()
    assert tracker.take_ready() == []  # more records of the batch may still come
    assert tracker.outstanding() == 0
    tracker.seal()
    assert tracker.take_ready() == [("t", 0, 6)]


def test_partitions_are_independent() -> None:
    tracker = OffsetTracker()
    a = tracker.track("t", 0, 0)
    b = tracker.track("t", 1, 5)
    tracker.seal()
    b()
    assert tracker.take_ready() == [("t", 1, 6)]
    assert tracker.outstanding([("t", 0)]) == 1
    assert tracker.outstanding([("t", 1)]) == 0
    a()
    assert tracker.take_ready() == [("t", 0, 1)]


def test_abandoned_record_is_never_stored_past() -> None:
    tracker = OffsetTracker()
    handed = tracker.track("t", 0, 7)
    tracker.track("t", 0, 9)  # the system stopped before this one was handed over
    tracker.abandon("t", 0, 9)
    assert tracker.outstanding() == 1
    handed()
    assert tracker.outstanding() == 0
    assert tracker.take_ready() == [("t", 0, 8)]


def test_dropped_partition_ignores_late_done() -> None:
    tracker = OffsetTracker()
    late = tracker.track("t", 0, 0)
    tracker.seal()
    tracker.drop([("t", 0)])
    late()
    assert tracker.take_ready() == []
    assert tracker.outstanding() == 0


def test_wait_idle_returns_when_workers_finish() -> None:
    tracker = OffsetTracker()
    callbacks = [tracker.track("t", 0, offset) for offset in range(100)]
    tracker.seal()
    assert not tracker.wait_idle(None, 0.01)
    worker = threading.Thread(target=lambda: [done() for done in reversed(callbacks)])
    worker.start()
    assert tracker.wait_idle([("t", 0)], 10)
    worker.join(10)
    assert tracker.take_ready() == [("t", 0, 100)]


def test_wait_idle_also_returns_for_a_batch_not_yet_sealed() -> None:
    tracker = OffsetTracker()
    callbacks = [tracker.track("t", 0, offset) for offset in range(10)]
    worker = threading.Thread(target=lambda: [done() for done in callbacks])
    worker.start()
    assert tracker.wait_idle(None, 10)
    worker.join(10)


def test_delivery_watermark_waits_for_every_earlier_record() -> None:
    watermark = DeliveryWatermark()
    assert watermark.reached(watermark.mark())  # nothing produced yet
    reports = [watermark.track() for _ in range(3)]
    first = watermark.mark()
    later = watermark.track()
    second = watermark.mark()
    reports[2]()
    reports[0]()
    assert not watermark.reached(first)
    assert not watermark.wait(first, 0.01)
    later()  # a later record's report does not complete an earlier mark
    assert not watermark.reached(first)
    reports[1](None, None)  # the delivery report's own arguments are accepted
    assert watermark.wait(first, 1)
    assert watermark.reached(second)
    assert watermark.reached(watermark.mark())


def test_delivery_watermark_later_mark_waits_for_its_own_records() -> None:
    watermark = DeliveryWatermark()
    watermark.track()()
    first = watermark.mark()
    pending = watermark.track()
    second = watermark.mark()
    assert watermark.reached(first)
    assert not watermark.reached(second)
    pending()
    assert watermark.reached(second)
