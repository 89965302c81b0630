"""Handlers of the plant monitor (sensors.stm): plain Python, never generated.

The same classes run all in one process or split across the deploy section's
processes (ingest, analytics x2, alerts): nothing here knows which. The Probe
feeds one fixed shift of readings when it starts; the Monitor keeps per-sensor
state; the Pager prints alerts and, once every sensor of the shift reported
and every alert the reports count has arrived, the shift summary. The system
then keeps running (a service waits for the next shift) until SIGTERM or
Ctrl-C.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass, field
from typing import Never

from plant_sensors import (
    Alert,
    Context,
    MonitorBase,
    PagerBase,
    ProbeBase,
    Reading,
    SensorReport,
    ShiftIncomplete,
    ShiftStarted,
)

SENSORS = ("boiler-1", "boiler-2", "press-1", "press-2", "kiln-1", "kiln-2", "dryer-1", "dryer-2")
TICKS = 50  # readings per sensor in a shift

OVERHEAT = 85.0  # this many degrees ...
OVERHEAT_STREAK = 3  # ... this many readings in a row raise an alert
RECOVERED = 75.0  # an alarmed sensor below this is back to normal

# Heat episodes of the demo shift: sensor -> (first tick, last tick, degrees added).
EPISODES: dict[str, list[tuple[int, int, float]]] = {
    "boiler-2": [(10, 16, 30.0)],
    "kiln-1": [(20, 24, 28.0), (35, 40, 33.0)],
    "press-1": [(30, 31, 30.0)],  # two hot readings: not enough for an alert
    "dryer-2": [(44, TICKS - 1, 31.0)],  # still hot when the shift ends
}
# Sensor glitches (impossible values the Monitor's filter drops): sensor -> ticks.
GLITCHES: dict[str, list[int]] = {"boiler-1": [7, 33], "press-2": [12], "kiln-1": [22], "dryer-1": [3, 4, 48]}
GLITCH_CELSIUS = 999.9


def shift_readings(shift: int) -> list[Reading]:
    """The demo shift: every sensor once per tick, deterministic."""
    rng = random.Random(2026)
    readings = []
    for tick in range(TICKS):
        for index, sensor in enumerate(SENSORS):
            celsius = 58.0 + 2.0 * index + rng.uniform(-3.0, 3.0)
            for first, last, extra in EPISODES.get(sensor, []):
                if first <= tick <= last:
                    celsius += extra
            if tick in GLITCHES.get(sensor, []):
                celsius = GLITCH_CELSIUS
            readings.append(
                Reading(shift=shift, sensor=sensor, seq=tick, celsius=round(celsius, 1), last=tick == TICKS - 1)
            )
    return readings


def say(line: str) -> None:
    """Print ``line`` in one write: handlers on other threads never split it."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def report_id(shift: int, sensor: str) -> str:
    return f"{shift}/{sensor}"


class Probe(ProbeBase):
    def on_start(self, ctx: Context[ShiftStarted | Reading]) -> None:
        shift = int(ctx.now())
        readings = shift_readings(shift)
        reports = [report_id(shift, sensor) for sensor in SENSORS]
        ctx.emit(ShiftStarted(shift=shift, readings=len(readings), reports=reports))
        for reading in readings:
            ctx.emit(reading)


@dataclass
class SensorState:
    analysed: int = 0
    streak: int = 0  # readings in a row above OVERHEAT
    alarmed: bool = False
    alerts: int = 0
    peak: float = float("-inf")


class Monitor(MonitorBase):
    """Per-sensor state. Readings are keyed by sensor, so one replica owns each
    sensor and sees its readings in order (see the README on rebalances)."""

    def __init__(self) -> None:
        self.sensors: dict[tuple[int, str], SensorState] = {}

    def on_reading(self, ctx: Context[Alert | SensorReport], event: Reading) -> None:
        state = self.sensors.setdefault((event.shift, event.sensor), SensorState())
        state.analysed += 1
        state.peak = max(state.peak, event.celsius)
        state.streak = state.streak + 1 if event.celsius > OVERHEAT else 0
        kind = None
        if not state.alarmed and state.streak == OVERHEAT_STREAK:
            state.alarmed, kind = True, "overheat"
        elif state.alarmed and event.celsius < RECOVERED:
            state.alarmed, kind = False, "recovered"
        if kind is not None:
            state.alerts += 1
            ctx.emit(Alert(shift=event.shift, sensor=event.sensor, seq=event.seq, kind=kind, celsius=event.celsius))
        if event.last:
            del self.sensors[(event.shift, event.sensor)]
            say(f"{event.sensor}: shift over, {state.analysed} readings analysed")
            ctx.emit(
                SensorReport(
                    report_id=report_id(event.shift, event.sensor),
                    shift=event.shift,
                    sensor=event.sensor,
                    analysed=state.analysed,
                    alerts=state.alerts,
                    peak=state.peak,
                )
            )


@dataclass
class ShiftTally:
    alerts: set[tuple[str, int, str]] = field(default_factory=set)  # (sensor, seq, kind)
    started: ShiftStarted | None = None
    reports: list[SensorReport] = field(default_factory=list)
    summarized: bool = False


class Pager(PagerBase):
    """Alerts and reports travel on different topics, so either may come first:
    the summary waits for both. Alerts are counted once each, since Kafka
    delivers at least once."""

    def __init__(self) -> None:
        self.shifts: dict[int, ShiftTally] = {}

    def on_alert(self, ctx: Context[Never], event: Alert) -> None:
        tally = self.shifts.setdefault(event.shift, ShiftTally())
        alert = (event.sensor, event.seq, event.kind)
        if alert in tally.alerts:
            return  # a redelivery
        tally.alerts.add(alert)
        say(f"ALERT {event.sensor} {event.kind} at reading {event.seq}: {event.celsius:.1f} °C")
        self._summarize_when_complete(event.shift)

    def on_shift_done(self, ctx: Context[Never], list_event: ShiftStarted, items: list[SensorReport]) -> None:
        tally = self.shifts.setdefault(list_event.shift, ShiftTally())
        tally.started, tally.reports = list_event, items
        self._summarize_when_complete(list_event.shift)

    def on_shift_incomplete(self, ctx: Context[Never], event: ShiftIncomplete) -> None:
        say(f"shift {event.key} incomplete: no report from {', '.join(event.missing)}")

    def _summarize_when_complete(self, shift: int) -> None:
        tally = self.shifts[shift]
        if tally.started is None or tally.summarized:
            return
        if len(tally.alerts) < sum(report.alerts for report in tally.reports):
            return  # some alerts are still on their way
        tally.summarized = True
        for report in tally.reports:
            say(
                f"report {report.sensor}: {report.analysed} readings, {plural(report.alerts, 'alert')}, "
                f"peak {report.peak:.1f} °C"
            )
        analysed = sum(report.analysed for report in tally.reports)
        kinds = [kind for _, _, kind in tally.alerts]
        hottest = max(tally.reports, key=lambda report: report.peak)
        say(
            f"summary of shift {shift}: {len(tally.reports)} sensors, {tally.started.readings} readings, "
            f"{analysed} analysed, {tally.started.readings - analysed} filtered, "
            f"{kinds.count('overheat')} overheat alerts, {kinds.count('recovered')} recoveries, "
            f"hottest {hottest.sensor} at {hottest.peak:.1f} °C"
        )
