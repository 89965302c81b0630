"""Small events and helpers shared by the runtime tests."""

from __future__ import annotations

import threading
from collections.abc import Callable

import streamer


class Num(streamer.Event, frozen=True, kw_only=True):
    value: int


class Item(streamer.Event, frozen=True, kw_only=True):
    key: str
    value: int = 0


class Other(streamer.Event, frozen=True, kw_only=True):
    key: str
    value: int = 0


class Done(streamer.Event, frozen=True, kw_only=True):
    key: str | None = None
    text: str = ""


class Seq(streamer.Event, frozen=True, kw_only=True):
    height: int
    tag: str = ""


class Timeout(streamer.Event, frozen=True, kw_only=True):
    key: object = None
    missing: list[object] = []


def ev(name: str, kind: type[streamer.Event], key: str | None = None, external: bool = False) -> streamer.EventSpec:
    return streamer.EventSpec(name, kind, key=key, external=external)


def topo(*actors: streamer.ActorSpec, events: tuple[streamer.EventSpec, ...], **extra: object) -> streamer.Topology:
    return streamer.Topology(module="test", events=events, actors=actors, **extra)  # type: ignore[arg-type]


class Waiter:
    """Counts calls and lets a test wait (bounded) until a count is reached."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.items: list[object] = []

    def add(self, item: object) -> None:
        with self._cond:
            self.items.append(item)
            self._cond.notify_all()

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: len(self.items) >= count, timeout)

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        with self._cond:
            return self._cond.wait_for(predicate, timeout)
