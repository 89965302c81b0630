"""Run benchmark cases: every variant of a case interleaved, several rounds.

A case opens a *workload* (setup shared by its variants, e.g. a broker or a
generated spec), whose variants are zero-argument callables returning one
``Measurement``. A ``Metric`` pairs two variants on one quantity; its ratio is
``ours / baseline`` computed per round, so both sides of each ratio saw the same
machine weather. Rounds alternate the variant order (A B, B A, ...) so slow drift
does not favour whoever runs first.

Nothing here judges speed by failing: a missed target is reported, not raised.
"""

from __future__ import annotations

import gc
import statistics
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Literal

Info = str | int | float | list[str]


@dataclass(frozen=True)
class Measurement:
    """One run of one variant: numeric quantities plus free-form facts."""

    values: Mapping[str, float]
    info: Mapping[str, Info] = field(default_factory=dict)


Variant = Callable[[], Measurement]


@dataclass(frozen=True)
class Workload:
    variants: Mapping[str, Variant]
    """Ordered: the harness runs them in this order on even rounds."""
    notes: Sequence[str] = ()


@dataclass(frozen=True)
class Metric:
    name: str
    ours: str
    baseline: str
    quantity: str
    """Key in both variants' ``Measurement.values``."""
    target: float | None
    """None: reported for information, no target."""
    better: Literal["higher", "lower"]
    unit: str = ""
    """Unit of the absolute quantity, for the table (e.g. ``ev/s``)."""

    def met(self, ratio: float) -> bool | None:
        if self.target is None:
            return None
        return ratio >= self.target if self.better == "higher" else ratio <= self.target

    @property
    def target_text(self) -> str:
        if self.target is None:
            return "—"
        return f"{'>=' if self.better == 'higher' else '<='} {self.target:g}"


@dataclass(frozen=True)
class Settings:
    quick: bool
    rounds: int
    warmup: bool


class Unavailable(Exception):
    """Raised by a case's ``open`` when what it measures cannot run here yet."""


@dataclass(frozen=True)
class Case:
    name: str
    title: str
    metrics: tuple[Metric, ...]
    open: Callable[[Settings], AbstractContextManager[Workload]]
    warmup: bool = True
    """False for cases whose variants are expensive (processes, a broker)."""
    quick_rounds: int | None = None
    """Cap on rounds in quick mode, for cases whose rounds take seconds."""
    max_rounds: int | None = None
    """Cap on rounds in any mode, for cases whose rounds take tens of seconds."""

    def rounds(self, settings: Settings) -> int:
        rounds = settings.rounds
        if settings.quick and self.quick_rounds is not None:
            rounds = min(rounds, self.quick_rounds)
        if self.max_rounds is not None:
            rounds = min(rounds, self.max_rounds)
        return rounds


@dataclass(frozen=True)
class Spread:
    median: float
    low: float
    high: float
    samples: tuple[float, ...]

    @staticmethod
    def of(samples: Sequence[float]) -> Spread:
        return Spread(statistics.median(samples), min(samples), max(samples), tuple(samples))


@dataclass(frozen=True)
class MetricResult:
    metric: Metric
    ratio: Spread
    ours: Spread
    baseline: Spread

    @property
    def met(self) -> bool | None:
        return self.metric.met(self.ratio.median)


@dataclass(frozen=True)
class CaseResult:
    case: Case
    metrics: tuple[MetricResult, ...] = ()
    variants: Mapping[str, Mapping[str, Spread]] = field(default_factory=dict)
    info: Mapping[str, Mapping[str, Info]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    skipped: str | None = None
    seconds: float = 0.0
    rounds: int = 0


def _round_order(names: Sequence[str], round_index: int) -> list[str]:
    ordered = list(names)
    return ordered if round_index % 2 == 0 else ordered[::-1]


def _measure(variant: Variant) -> Measurement:
    gc.collect()
    return variant()


def run_case(case: Case, settings: Settings, log: Callable[[str], None]) -> CaseResult:
    started = time.perf_counter()
    try:
        with case.open(settings) as workload:
            names = list(workload.variants)
            if settings.warmup and case.warmup:
                for name in names:
                    _measure(workload.variants[name])
            runs: dict[str, list[Measurement]] = {name: [] for name in names}
            for index in range(case.rounds(settings)):
                for name in _round_order(names, index):
                    measurement = _measure(workload.variants[name])
                    runs[name].append(measurement)
                    log(f"  {case.name}/{name} round {index + 1}: {_brief(measurement)}")
            notes = tuple(workload.notes)
    except Unavailable as why:
        return CaseResult(case, skipped=str(why), seconds=time.perf_counter() - started)
    except Exception as error:  # a broken case must not hide the others' results
        log(traceback.format_exc())
        return CaseResult(
            case,
            skipped=f"failed: {type(error).__name__}: {error}",
            seconds=time.perf_counter() - started,
        )
    return CaseResult(
        case,
        metrics=tuple(_metric_result(metric, runs) for metric in case.metrics),
        variants={name: _spreads(measurements) for name, measurements in runs.items()},
        info={name: dict(ms[-1].info) for name, ms in runs.items() if ms and ms[-1].info},
        notes=notes,
        seconds=time.perf_counter() - started,
        rounds=case.rounds(settings),
    )


def _metric_result(metric: Metric, runs: Mapping[str, Sequence[Measurement]]) -> MetricResult:
    ours = [m.values[metric.quantity] for m in runs[metric.ours]]
    base = [m.values[metric.quantity] for m in runs[metric.baseline]]
    ratios = [o / b if b else float("inf") for o, b in zip(ours, base, strict=True)]
    return MetricResult(metric, Spread.of(ratios), Spread.of(ours), Spread.of(base))


def _spreads(measurements: Sequence[Measurement]) -> dict[str, Spread]:
    keys = sorted({key for m in measurements for key in m.values})
    return {
        key: Spread.of([m.values[key] for m in measurements if key in m.values]) for key in keys
    }


def _brief(measurement: Measurement) -> str:
    return ", ".join(f"{key}={value:,.4g}" for key, value in measurement.values.items())


def run_suite(
    cases: Sequence[Case], settings: Settings, log: Callable[[str], None]
) -> Iterator[CaseResult]:
    for case in cases:
        log(f"{case.name}: {case.title}")
        result = run_case(case, settings, log)
        if result.skipped:
            log(f"  skipped: {result.skipped}")
        yield result
