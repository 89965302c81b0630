from __future__ import annotations

import datetime
import decimal
import uuid

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from streamer.envelope import Envelope, new_envelope
from streamer.kafka.codec import HEADER_NAME, WIRE_VERSION, Codec, DecodeError

from kafka_events import Color, Everything, Inner, Tx


def everything() -> Everything:
    return Everything(
        key="k-1", count=-7, big=2**62, ratio=0.1, flag=True, data=bytes(range(256)),
        note=None, missing=3, names=["a", ""], matrix=[[1, 2], []], scores={"x": 1.5},
        tags=("t",), inner=Inner(label="in", weight=2.0),
        inners=[Inner(label="a", weight=0.0), Inner(label="b", weight=-1e300)],
        when=datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=datetime.timezone.utc),
        day=datetime.date(1999, 12, 31), ident=uuid.UUID(int=12345),
        amount=decimal.Decimal("12.30"), color=Color.GREEN, unicode="naïve ✓ 日本",
    )


def test_round_trip_keeps_event_and_envelope() -> None:
    codec = Codec({"Everything": Everything})
    original = Envelope(11, "Everything", "Producer", 7, 5, 1700000000.25, everything())
    value = codec.encode_value(original.event)
    assert value[0] == WIRE_VERSION
    decoded = codec.decode(value, codec.encode_headers(original))
    assert decoded == original


def test_envelope_without_parent_round_trips() -> None:
    codec = Codec({"Tx": Tx})
    original = new_envelope("Tx", Tx(name="tx", height=21, data=b"\x00\xff"), "external", 3.5)
    assert codec.decode(codec.encode_value(original.event), codec.encode_headers(original)) == original


@pytest.mark.parametrize(
    ("value", "headers", "reason"),
    [
        (b"\x01\x80", [], "missing-header"),
        (b"\x01\x80", [(HEADER_NAME, b"Nope")], "unknown-event"),
        (b"", [(HEADER_NAME, b"Tx")], "empty-value"),
        (b"\x09" + msgspec.msgpack.encode({"name": "tx", "height": 1, "data": b""}), [(HEADER_NAME, b"Tx")], "wire-version"),
        (b"\x01\xc1garbage", [(HEADER_NAME, b"Tx")], "malformed-value"),
        (b"\x01" + msgspec.msgpack.encode({"name": "tx", "height": "high", "data": b""}), [(HEADER_NAME, b"Tx")], "invalid-event"),
        (b"\x01" + msgspec.msgpack.encode({"name": "tx", "data": b""}), [(HEADER_NAME, b"Tx")], "invalid-event"),
        (b"\x01" + msgspec.msgpack.encode({"name": "tx", "height": 1, "data": b""}), [(HEADER_NAME, b"Tx")], "missing-header"),
        (b"\x01" + msgspec.msgpack.encode({"name": "tx", "height": 1, "data": b""}),
         [(HEADER_NAME, b"Tx"), ("stm.id", b"x"), ("stm.source", b"s"), ("stm.trace_id", b"1"), ("stm.timestamp", b"1")],
         "bad-header"),
        (b"\x01\x80", [(HEADER_NAME, b"\xff\xfe")], "bad-header"),
    ],
)
def test_bad_records_raise_decode_error_with_reason(
    value: bytes, headers: list[tuple[str, bytes]], reason: str
) -> None:
    with pytest.raises(DecodeError) as caught:
        Codec({"Tx": Tx}).decode(value, headers)
    assert caught.value.reason == reason
    assert str(caught.value)


def test_validation_error_names_the_field() -> None:
    value = b"\x01" + msgspec.msgpack.encode({"name": "tx", "height": "high", "data": b""})
    with pytest.raises(DecodeError, match="height"):
        Codec({"Tx": Tx}).decode(value, [(HEADER_NAME, b"Tx")])


@given(
    ident=st.integers(min_value=0, max_value=2**64 - 1),
    parent=st.none() | st.integers(min_value=0, max_value=2**64 - 1),
    source=st.text(min_size=1),
    timestamp=st.floats(allow_nan=False, allow_infinity=False),
    name=st.text(),
    height=st.integers(min_value=-(2**63), max_value=2**64 - 1),
    data=st.binary(),
)
def test_any_envelope_round_trips(
    ident: int, parent: int | None, source: str, timestamp: float, name: str, height: int, data: bytes
) -> None:
    codec = Codec({"Tx": Tx})
    original = Envelope(ident, "Tx", source, ident ^ 1, parent, timestamp, Tx(name=name, height=height, data=data))
    assert codec.decode(codec.encode_value(original.event), codec.encode_headers(original)) == original
