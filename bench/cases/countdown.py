"""Completion signal for a timed run: the final handler counts down to zero."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Countdown:
    """Called by exactly one thread (the last stage); sets ``done`` at zero."""

    def __init__(self, count: int) -> None:
        self.remaining = count
        self.done = threading.Event()

    def tick(self) -> None:
        self.remaining -= 1
        if self.remaining == 0:
            self.done.set()


RUN_TIMEOUT = 60.0
"""A run that does not finish in this long is broken, not slow."""


def timed_run(produce: Callable[[], None], done: threading.Event) -> float:
    """Seconds from starting a producer thread running ``produce`` until ``done`` is set."""
    began = time.perf_counter()
    producer = spawn(produce, "bench-producer")
    if not done.wait(RUN_TIMEOUT):
        raise RuntimeError(f"run did not finish within {RUN_TIMEOUT:.0f}s")
    seconds = time.perf_counter() - began
    producer.join()
    return seconds


def spawn(target: Callable[[], None], name: str) -> threading.Thread:
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread
