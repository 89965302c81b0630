"""The spec generator, pacing, latency log and profile summariser."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bench.flame import summarise
from bench.pacing import LatencyLog, pace
from bench.specgen import domains_for_lines, generate


def test_spec_generator_hits_the_requested_size() -> None:
    text = generate(domains_for_lines(5000))
    assert abs(text.count("\n") - 5000) < 100
    changed = generate(3, changed_domain=1)
    diff = [pair for pair in zip(generate(3).splitlines(), changed.splitlines()) if pair[0] != pair[1]]
    assert len(diff) == 1 and "Request1" in diff[0][1]


def test_generated_spec_compiles_without_diagnostics(tmp_path: Path) -> None:
    build = pytest.importorskip("streamerc.build")
    spec = tmp_path / "big.stm"
    spec.write_text(generate(4, changed_domain=2), encoding="utf-8")
    compiled = build.compile_spec(spec)
    assert compiled.ok
    assert compiled.diagnostics == []  # not even a warning: the benchmark spec is clean


def test_pace_without_rate_yields_every_sequence_at_once() -> None:
    assert list(pace(5, None, time.time_ns())) == [0, 1, 2, 3, 4]


class FakeClock:
    """Stands in for ``time`` inside ``bench.pacing``: sleeping moves the clock."""

    def __init__(self) -> None:
        self.ns = 0
        self.sleeps: list[float] = []

    def time_ns(self) -> int:
        return self.ns

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.ns += int(seconds * 1e9)


def test_pace_holds_back_to_the_offered_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    import bench.pacing

    clock = FakeClock()
    monkeypatch.setattr(bench.pacing, "time", clock)
    assert list(pace(3, 100.0, 0)) == [0, 1, 2]
    assert clock.sleeps == [0.01, 0.01]  # items 1 and 2 wait for their 10 ms slots


def test_latency_log_drops_the_settling_tenth() -> None:
    log = LatencyLog(10)
    for sent in range(10):
        log.record(sent_ns=0, now_ns=(sent + 1) * 1_000_000)
    summary = log.summary()
    assert summary["received"] == 10
    assert summary["first_ns"] == 1_000_000 and summary["last_ns"] == 10_000_000
    assert summary["max_ms"] == 10.0
    assert len(log.latencies_ns) == 9  # the first record fell in the settling tenth


def test_flame_summary_adds_up_lines_of_one_function() -> None:
    lines = [
        "thread (1): worker;run (a.py:1);work (a.py:5) 3",
        "thread (2): worker;run (a.py:1);work (a.py:6) 1",
        "thread (3): producer;publish (b.py:2) 4",
    ]
    text = summarise(lines, top=5, thread_filter="worker")
    assert "thread: worker: 4 samples" in text
    assert "100.0%  work (a.py)" in text
    assert "producer" not in text
