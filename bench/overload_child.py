"""Case 8's measured process: a producer ten times faster than its handler.

    python -m bench.overload_child {streamer,unbounded,calibrate} --count N

The producer offers ten times the handler's nominal rate (paced, so the
figure is the issue's "ten times faster", not an arbitrary flood). ``streamer``
runs one actor with a bounded mailbox and stream buffer (overflow
``block``); ``unbounded`` is the same producer and handler joined by a plain
``SimpleQueue`` (what happens without a bound); ``calibrate`` measures the memory
one queued event costs. The peak resident set is read from ``VmHWM`` after
resetting it (``/proc/self/clear_refs``) right before producing, so imports and
start-up do not count. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import queue
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.cases.events import Tick
from bench.pacing import pace

TIMEOUT = 300.0
SPEEDUP = 10.0
"""The producer offers events this many times faster than the handler's nominal rate."""


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def _reset_peak() -> int:
    """Reset the kernel's peak RSS mark; returns the current RSS in KiB (the floor)."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status_kib("VmRSS")


def _spin(seconds: float) -> None:
    """Handler work: busy for ``seconds`` (sleeping would give the GIL away for free)."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def _produce(publish: Any, count: int, rate: float) -> None:
    for seq in pace(count, rate, time.time_ns()):
        publish(Tick(seq=seq, value=seq & 1023, kind="t"))  # built here: nothing pre-allocated


def run_streamer(count: int, handler_seconds: float, mailbox: int, buffer: int) -> dict[str, Any]:
    import streamer
    from streamer import topology as t

    spec = t.Topology(
        module="bench_overload",
        events=(t.EventSpec("Tick", Tick, external=True),),
        actors=(t.ActorSpec(name="Slow", inputs=(t.Input("Tick", "on_tick"),), mailbox=mailbox,
                            overflow="block"),),
        streams=(t.StreamSpec("Tick", buffer=buffer, overflow="block"),),
    )
    handled = 0
    expected_next = 0
    out_of_order = 0
    done = threading.Event()

    class Slow(streamer.Actor):
        def on_tick(self, ctx: Any, tick: Tick) -> None:
            nonlocal handled, expected_next, out_of_order
            _spin(handler_seconds)
            out_of_order += tick.seq != expected_next
            expected_next = tick.seq + 1
            handled += 1
            if handled == count:
                done.set()

    system = streamer.System(spec, {"Slow": Slow})
    system.start()
    try:
        floor = _reset_peak()
        began = time.perf_counter()
        _produce(system.publish, count, SPEEDUP / handler_seconds)
        produced = time.perf_counter() - began
        done.wait(TIMEOUT)
        seconds = time.perf_counter() - began
        peak = _status_kib("VmHWM")
    finally:
        system.stop(timeout=60.0)
    return {"floor_kib": floor, "peak_kib": peak, "handled": handled, "out_of_order": out_of_order,
            "seconds": seconds, "produce_seconds": produced}


def run_unbounded(count: int, handler_seconds: float) -> dict[str, Any]:
    inbox: queue.SimpleQueue[Tick] = queue.SimpleQueue()
    handled = 0

    def consume() -> None:
        nonlocal handled
        for _ in range(count):
            inbox.get()
            _spin(handler_seconds)
            handled += 1

    consumer = threading.Thread(target=consume, daemon=True)
    consumer.start()
    floor = _reset_peak()
    began = time.perf_counter()
    _produce(inbox.put, count, SPEEDUP / handler_seconds)
    produced = time.perf_counter() - began
    consumer.join(TIMEOUT)
    seconds = time.perf_counter() - began
    return {"floor_kib": floor, "peak_kib": _status_kib("VmHWM"), "handled": handled,
            "out_of_order": 0, "seconds": seconds, "produce_seconds": produced}


def calibrate(count: int) -> dict[str, Any]:
    """Bytes of resident memory per queued event (the event plus its envelope)."""
    from streamer.envelope import new_envelope

    floor = _reset_peak()
    held = [new_envelope("Tick", Tick(seq=seq, value=seq & 1023, kind="t"), "external", 0.0)
            for seq in range(count)]
    grown = _status_kib("VmRSS") - floor
    del held
    return {"bytes_per_event": grown * 1024 / count}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.overload_child")
    parser.add_argument("mode", choices=["streamer", "unbounded", "calibrate"])
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--handler-us", type=float, default=20.0)
    parser.add_argument("--mailbox", type=int, default=1024)
    parser.add_argument("--buffer", type=int, default=1024)
    args = parser.parse_args(argv)
    handler_seconds = args.handler_us / 1e6
    if args.mode == "streamer":
        result = run_streamer(args.count, handler_seconds, args.mailbox, args.buffer)
    elif args.mode == "unbounded":
        result = run_unbounded(args.count, handler_seconds)
    else:
        result = calibrate(args.count)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
