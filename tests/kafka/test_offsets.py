from __future__ import annotations

import threading

from streamer.kafka.offsets import DeliveryWatermark, OffsetTracker


def test_offset_advances_only_past_a_finished_prefix() -> None:
    tracker = OffsetTracker()
    done = [tracker.track("t", 0, offset) for offset in range(10, 14)]
    done[1]()
    done[3]()
    assert tracker.take_ready() == []
    done[0]()
    assert tracker.take_ready() == [("t", 0, 12)]
    assert tracker.take_ready() == []
    done[2]()
    assert tracker.take_ready() == [("t", 0, 14)]
    assert tracker.outstanding() == 0


def test_partitions_are_independent_and_done_is_idempotent() -> None:
    tracker = OffsetTracker()
    a = tracker.track("t", 0, 0)
    b = tracker.track("t", 1, 5)
    b()
    b()
    assert tracker.take_ready() == [("t", 1, 6)]
    assert tracker.outstanding([("t", 0)]) == 1
    a()
    assert tracker.take_ready() == [("t", 0, 1)]


def test_dropped_partition_ignores_late_done() -> None:
    tracker = OffsetTracker()
    late = tracker.track("t", 0, 0)
    tracker.drop([("t", 0)])
    late()
    assert tracker.take_ready() == []
    assert tracker.outstanding() == 0


def test_wait_idle_returns_when_workers_finish() -> None:
    tracker = OffsetTracker()
    callbacks = [tracker.track("t", 0, offset) for offset in range(100)]
    assert not tracker.wait_idle(None, 0.01)
    worker = threading.Thread(target=lambda: [done() for done in reversed(callbacks)])
    worker.start()
    assert tracker.wait_idle([("t", 0)], 10)
    worker.join(10)
    assert tracker.take_ready() == [("t", 0, 100)]


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
