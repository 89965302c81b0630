"""Case 8: overload. A producer ten times faster than its handler, for a fixed count of events.

Each run is its own process (see ``bench.overload_child``), so peak resident
memory belongs to that run alone. The *bound* is the memory the configured
buffers may hold: (stream buffer + mailbox) events times the measured bytes of
one queued event (event + envelope), plus a fixed allowance for the allocator's
arenas and per-thread caches. The unbounded SimpleQueue variant shows what the
same overload costs without a bound. Every event must be handled (no shedding:
the overflow policy is ``block``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.cases import streamer_api
from bench.harness import Case, Measurement, Metric, Settings, Unavailable, Workload

REPO = Path(__file__).resolve().parents[2]
MAILBOX = 1024
BUFFER = 1024
HANDLER_US = 20.0
ALLOWANCE_MIB = 8.0
"""Fixed slack in the bound: pymalloc arenas are 1 MiB (256 KiB on older
versions) and are not returned while partly used; thread stacks touch pages."""
MIB = 1024 * 1024
CHILD_TIMEOUT = 300.0
"""Far beyond any healthy run (seconds); a hung runtime fails the case instead of the suite."""


def _child(*args: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-m", "bench.overload_child", *args], capture_output=True,
                          text=True, cwd=REPO, env=env, timeout=CHILD_TIMEOUT)
    if done.returncode != 0:
        raise RuntimeError(f"overload child {args[0]} exited {done.returncode}:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _run(mode: str, count: int) -> Measurement:
    result = _child(mode, "--count", str(count), "--handler-us", str(HANDLER_US),
                    "--mailbox", str(MAILBOX), "--buffer", str(BUFFER))
    growth = (result["peak_kib"] - result["floor_kib"]) / 1024
    return Measurement(
        {
            "rss_growth_mib": growth,
            "peak_rss_mib": result["peak_kib"] / 1024,
            "handled": result["handled"],
            "handler_rate": result["handled"] / result["seconds"],
            "producer_rate": count / result["produce_seconds"],
        },
        {"out of order": result["out_of_order"]},
    )


@contextmanager
def _open(settings: Settings) -> Iterator[Workload]:
    streamer_api.require_runtime()
    if not Path("/proc/self/clear_refs").exists():
        raise Unavailable("needs Linux /proc to read and reset peak RSS")
    count = 20_000 if settings.quick else 200_000
    per_event = _child("calibrate", "--count", "100000")["bytes_per_event"]
    bound_events = MAILBOX + BUFFER
    bound_mib = bound_events * per_event / MIB + ALLOWANCE_MIB

    def bound() -> Measurement:
        return Measurement({"rss_growth_mib": bound_mib, "handled": count})

    yield Workload(
        {
            "streamer": lambda: _run("streamer", count),
            "bound": bound,
            "unbounded_queue": lambda: _run("unbounded", count),
        },
        notes=(
            f"{count:,} events offered at 10x the handler's nominal rate (busy {HANDLER_US:g} µs per "
            f"event); mailbox {MAILBOX} + stream "
            f"buffer {BUFFER} events x {per_event:.0f} B/event + {ALLOWANCE_MIB:g} MiB allowance "
            f"= bound {bound_mib:.1f} MiB",
        ),
    )


CASE = Case(
    name="overload",
    title="producer much faster than the handler: peak RSS vs the buffer bound, nothing lost",
    metrics=(
        Metric("peak RSS growth vs bound", "streamer", "bound", "rss_growth_mib", 1.0, "lower", "MiB"),
        Metric("events handled / sent", "streamer", "bound", "handled", 1.0, "higher", "events"),
    ),
    open=_open,
    warmup=False,
    quick_rounds=2,
)
