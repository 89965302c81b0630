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
    reports = [watermark.track() for _ in range(3)]
    produced = watermark.produced
    assert produced == 3
    reports[2]()
    reports[0]()
    assert not watermark.reached(produced)
    assert watermark.reached(1)
    assert not watermark.wait(produced, 0.01)
    reports[1]()
    assert watermark.wait(produced, 1)
    assert watermark.reached(watermark.produced)
