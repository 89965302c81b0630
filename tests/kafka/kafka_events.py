"""Event types shared by the Kafka tests (importable by test apps in subprocesses)."""

from __future__ import annotations

import datetime
import decimal
import enum
import uuid

from streamer.event import Event


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Inner(Event, frozen=True, kw_only=True):
    label: str
    weight: float


class Everything(Event, frozen=True, kw_only=True):
    """One field of every type a spec can declare, and then some."""

    key: str
    count: int
    big: int
    ratio: float
    flag: bool
    data: bytes
    note: str | None
    missing: int | None
    names: list[str]
    matrix: list[list[int]]
    scores: dict[str, float]
    tags: tuple[str, ...]
    inner: Inner
    inners: list[Inner]
    when: datetime.datetime
    day: datetime.date
    ident: uuid.UUID
    amount: decimal.Decimal
    color: Color
    unicode: str


class Tx(Event, frozen=True, kw_only=True):
    """REFERENCE.md scenario 9: a message named tx with a height and data bytes."""

    name: str
    height: int
    data: bytes


class Blob(Event, frozen=True, kw_only=True):
    id: str
    payload: bytes
