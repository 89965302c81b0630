"""Event types the in-process workloads send (shared by ours, hand-written and Pykka)."""

from __future__ import annotations

from streamer.event import Event


class Tick(Event, frozen=True, kw_only=True):
    seq: int
    value: int
    kind: str


class Hop1(Event, frozen=True, kw_only=True):
    seq: int
    value: int


class Hop2(Event, frozen=True, kw_only=True):
    seq: int
    value: int


class Hop3(Event, frozen=True, kw_only=True):
    seq: int
    value: int


class Left(Event, frozen=True, kw_only=True):
    key: int
    a: int


class Right(Event, frozen=True, kw_only=True):
    key: int
    b: int


class Ping(Event, frozen=True, kw_only=True):
    seq: int


class Pong(Event, frozen=True, kw_only=True):
    seq: int


def ticks(count: int) -> list[Tick]:
    """Pre-built input, so no variant pays for constructing its input events."""
    return [Tick(seq=i, value=i & 1023, kind="t") for i in range(count)]


def tick_passes(tick: Tick) -> bool:
    """The one-hop filter predicate (true for every generated tick, so counts are exact)."""
    return tick.value >= 0 and tick.kind != ""


def join_input(keys: int) -> list[Left | Right]:
    """Every left part first, then every right part: ``keys`` joins pending at the peak."""
    lefts: list[Left | Right] = [Left(key=k, a=k) for k in range(keys)]
    rights: list[Left | Right] = [Right(key=k, b=k) for k in range(keys)]
    return lefts + rights
