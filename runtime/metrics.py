"""Optional Prometheus metrics, read from the runtime's own counters at scrape
time (nothing is added to the hot path).

    from prometheus_client import start_http_server
    streamer.metrics.register(system)      # default registry
    start_http_server(9100)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector, CollectorRegistry


class _HasStats(Protocol):
    def stats(self) -> dict[str, Any]: ...


class SystemCollector(Collector):
    def __init__(self, system: _HasStats, prefix: str = "streamer") -> None:
        self._system = system
        self._prefix = prefix

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        stats = self._system.stats()
        p = self._prefix
        published = CounterMetricFamily(f"{p}_published", "Events published per stream", labels=["stream"])
        for stream, values in stats["streams"].items():
            published.add_metric([stream], values["published"])
        yield published
        counters = {
            "taken": ("handled", "Items taken from the mailbox and handled per actor"),
            "filtered": ("filtered", "Events stopped by filters per actor"),
            "shed": ("shed", "Events shed by full buffers per actor"),
            "failed": ("failed", "Handler failures per actor"),
            "expired": ("expired", "Expired joins and collects per actor"),
        }
        for key, (name, text) in counters.items():
            family = CounterMetricFamily(f"{p}_{name}", text, labels=["actor"])
            for actor, values in stats["actors"].items():
                family.add_metric([actor], values[key])
            yield family
        for key, text in (("queued", "Items queued per actor"), ("held", "Events held by gates per actor")):
            gauge = GaugeMetricFamily(f"{p}_{key}", text, labels=["actor"])
            for actor, values in stats["actors"].items():
                gauge.add_metric([actor], values[key])
            yield gauge
        dead = CounterMetricFamily(f"{p}_dead_lettered", "Dead letters published")
        dead.add_metric([], stats["dead_letters"])
        yield dead


def register(system: _HasStats, registry: CollectorRegistry | None = None, prefix: str = "streamer") -> SystemCollector:
    collector = SystemCollector(system, prefix)
    (registry if registry is not None else REGISTRY).register(collector)
    return collector
