"""Cases 5 and 6: the Kafka bridge, producer process to consumer process, vs raw loops.

Each variant starts a consumer process, waits until it owns its partitions, then
starts a producer process; throughput is records over the time from the
producer's first send to the consumer's last receive. Latency runs offer half
of the measured maximum rate (the smaller of ours and the raw loop's, so both
sides see the same load) and report the p99 of send-to-handler time.
"""

from __future__ import annotations

import json
import os
import select
import statistics
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from bench.broker import kafka_bootstrap
from bench.harness import Case, Measurement, Metric, Settings, Unavailable, Workload

PARTITIONS = 6
CHILD_TIMEOUT = 120.0
REPO = Path(__file__).resolve().parents[2]


def _require_kafka(bridge: bool) -> None:
    try:
        import confluent_kafka  # noqa: F401
        from streamer.kafka import config  # noqa: F401
    except ImportError as error:
        raise Unavailable(f"Kafka pieces not importable: {error}") from error
    if bridge:
        from bench import kafka_bridge

        kafka_bridge.require_bridge()


def _create_topic(bootstrap: str, topic: str) -> None:
    from streamer.kafka.admin import ensure_topics
    from streamer.kafka.config import load_settings

    ensure_topics(load_settings(bootstrap, environ={}), {topic: PARTITIONS})


def _child(mode: str, bootstrap: str, topic: str, count: int, rate: float | None,
           exactly_once: bool) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "bench.kafka_child", mode, "--bootstrap", bootstrap,
               "--topic", topic, "--count", str(count)]
    if rate is not None:
        command += ["--rate", f"{rate:.1f}"]
    if exactly_once:
        command.append("--exactly-once")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)


def _label(process: subprocess.Popen[str]) -> str:
    """The child's mode (``raw-produce`` ...), for messages."""
    return str(cast(Sequence[str], process.args)[3])


def _read_line(process: subprocess.Popen[str], timeout: float) -> str:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    if not ready:
        process.kill()
        raise RuntimeError(f"child {_label(process)} said nothing within {timeout:.0f}s")
    return process.stdout.readline().strip()


def _expect(process: subprocess.Popen[str], word: str) -> None:
    line = _read_line(process, CHILD_TIMEOUT)
    if line != word:
        process.kill()
        _, err = process.communicate()
        raise RuntimeError(f"child {_label(process)} sent {line!r}, not {word!r}:\n{err[-3000:]}")


def _finish(process: subprocess.Popen[str]) -> dict[str, Any]:
    try:
        out, err = process.communicate(timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        raise RuntimeError(f"child {_label(process)} timed out:\n{err[-2000:]}") from None
    if process.returncode != 0:
        raise RuntimeError(f"child {_label(process)} exited {process.returncode}:\n{err[-3000:]}")
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"child {_label(process)} printed no result:\n{err[-2000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def run_pair(kind: str, bootstrap: str, count: int, rate: float | None = None,
             exactly_once: bool = False) -> dict[str, Any]:
    """One producer process and one consumer process over a fresh topic."""
    topic = f"bench.{kind}.{uuid.uuid4().hex[:10]}"
    _create_topic(bootstrap, topic)
    consumer = _child(f"{kind}-consume", bootstrap, topic, count, None, exactly_once)
    producer = _child(f"{kind}-produce", bootstrap, topic, count, rate, exactly_once)
    try:
        _expect(producer, "warm")
        _expect(consumer, "ready")
        assert producer.stdin is not None
        producer.stdin.write("go\n")
        producer.stdin.flush()
        sent = _finish(producer)
        received = _finish(consumer)
    finally:
        for process in (producer, consumer):
            if process.poll() is None:
                process.kill()
                process.communicate()
    if received["received"] != count:
        raise RuntimeError(f"{kind}: consumer saw {received['received']} of {count} records")
    seconds = (received["last_ns"] - sent["start_ns"]) / 1e9
    return {"rate": count / seconds, "p50_ms": received["p50_ms"], "p99_ms": received["p99_ms"],
            "max_ms": received["max_ms"]}


class _MaxRates:
    """Throughput seen so far, to derive the offered load of the latency runs."""

    def __init__(self) -> None:
        self.seen: dict[str, list[float]] = {"streamer": [], "raw": []}

    def note(self, kind: str, rate: float) -> float:
        self.seen[kind].append(rate)
        return rate

    def half(self) -> float:
        medians = [statistics.median(rates) for rates in self.seen.values() if rates]
        if not medians:
            raise RuntimeError("latency run before any throughput run")
        return min(medians) / 2


def _throughput(kind: str, bootstrap: str, count: int, maxima: _MaxRates,
                exactly_once: bool = False) -> Measurement:
    result = run_pair(kind, bootstrap, count, exactly_once=exactly_once)
    maxima.note("raw" if kind == "raw" else "streamer", result["rate"])
    return Measurement({"rate": result["rate"]})


def _latency(kind: str, bootstrap: str, seconds: float, maxima: _MaxRates) -> Measurement:
    rate = maxima.half()
    count = max(1000, int(rate * seconds))
    result = run_pair(kind, bootstrap, count, rate=rate)
    return Measurement(
        {"p99_ms": result["p99_ms"], "p50_ms": result["p50_ms"], "offered_rate": rate},
        {"records in the last latency run": count},
    )


@contextmanager
def _open_bridge(settings: Settings) -> Iterator[Workload]:
    _require_kafka(bridge=True)
    bootstrap = kafka_bootstrap()
    count = 15_000 if settings.quick else 100_000
    latency_seconds = 1.0 if settings.quick else 4.0
    maxima = _MaxRates()
    yield Workload(
        {
            "streamer": lambda: _throughput("bridge", bootstrap, count, maxima),
            "raw": lambda: _throughput("raw", bootstrap, count, maxima),
            "streamer_paced": lambda: _latency("bridge", bootstrap, latency_seconds, maxima),
            "raw_paced": lambda: _latency("raw", bootstrap, latency_seconds, maxima),
        },
        notes=(f"{count:,} records per throughput run (raw: 100-byte values; ours: 100-byte events, values of about 137 bytes with the envelope), {PARTITIONS} partitions",),
    )


@contextmanager
def _open_exactly_once(settings: Settings) -> Iterator[Workload]:
    _require_kafka(bridge=True)
    bootstrap = kafka_bootstrap()
    count = 15_000 if settings.quick else 100_000
    maxima = _MaxRates()
    yield Workload(
        {
            "streamer_eos": lambda: _throughput("bridge", bootstrap, count, maxima, exactly_once=True),
            "raw": lambda: _throughput("raw", bootstrap, count, maxima),
        },
        notes=(f"{count:,} records; ours in exactly-once mode, the raw loop plain",),
    )


BRIDGE = Case(
    name="kafka",
    title="Kafka bridge, producer process to consumer process, vs raw confluent-kafka loops",
    metrics=(
        Metric("throughput", "streamer", "raw", "rate", 0.7, "higher", "ev/s"),
        Metric("p99 latency at half max rate", "streamer_paced", "raw_paced", "p99_ms", 2.0, "lower", "ms"),
    ),
    open=_open_bridge,
    warmup=False,
    quick_rounds=2,
)

EXACTLY_ONCE = Case(
    name="kafka_eos",
    title="the Kafka workload in exactly-once mode vs the raw loop",
    metrics=(Metric("throughput", "streamer_eos", "raw", "rate", 0.5, "higher", "ev/s"),),
    open=_open_exactly_once,
    warmup=False,
    quick_rounds=2,
)
