from __future__ import annotations

import datetime
import decimal
import uuid

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from streamer.envelope import Envelope, new_envelope
from streamer.kafka.codec import HEADER_NAME, WIRE_VERSION, WIRE_VERSION_HEADERS, Codec, DecodeError

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
    value = codec.encode(original)
    assert value[0] == WIRE_VERSION == 2
    assert msgspec.msgpack.decode(value[1:])[0] == "Everything"  # the name leads, for tools
    assert codec.decode(value) == original  # the value alone carries the envelope


def test_envelope_without_parent_round_trips() -> None:
    codec = Codec({"Tx": Tx})
    original = new_envelope("Tx", Tx(name="tx", height=21, data=b"\x00\xff"), "external", 3.5)
    assert codec.decode(codec.encode(original)) == original


def test_version_1_records_still_decode() -> None:
    codec = Codec({"Everything": Everything})
    original = Envelope(11, "Everything", "Producer", 7, 5, 1700000000.25, everything())
    value = codec.encode_value(original.event)
    assert value[0] == WIRE_VERSION_HEADERS == 1
    assert codec.decode(value, codec.encode_headers(original)) == original
    assert codec.decode(value, lambda: codec.encode_headers(original)) == original


def test_headers_are_read_only_for_version_1() -> None:
    codec = Codec({"Tx": Tx})
    original = new_envelope("Tx", Tx(name="tx", height=1, data=b""), "external", 0.0)

    def no_headers() -> list[tuple[str, bytes]]:
        raise AssertionError("a version 2 record needs no headers")

    assert codec.decode(codec.encode(original), no_headers) == original


def _v2(*fields: object) -> bytes:
    return b"\x02" + msgspec.msgpack.encode(list(fields))


_TX = {"name": "tx", "height": 1, "data": b""}


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
        (b"\x00" + msgspec.msgpack.encode(_TX), [(HEADER_NAME, b"Tx")], "wire-version"),
        (b"\x03" + _v2("Tx", 1, "s", 1, None, 0.0, _TX)[1:], [], "wire-version"),
        (_v2("Tx", 1, "s", 1, None, 0.0, _TX), [], None),  # the valid record the rows below spoil
        (b"\x02", [], "malformed-value"),
        (b"\x02\xc1garbage", [], "malformed-value"),
        (_v2("Tx", 1, "s", 1, None, 0.0, _TX)[:-3], [], "malformed-value"),
        (_v2("Nope", 1, "s", 1, None, 0.0, _TX), [(HEADER_NAME, b"Tx")], "unknown-event"),
        (_v2("Tx", "1", "s", 1, None, 0.0, _TX), [], "bad-envelope"),
        (_v2("Tx", 1, "s", 1, None, "now", _TX), [], "bad-envelope"),
        (_v2("Tx", 1, "s", 1, None, 0.0), [], "bad-envelope"),
        (_v2(b"Tx", 1, "s", 1, None, 0.0, _TX), [], "bad-envelope"),
        (b"\x02" + msgspec.msgpack.encode({"name": "Tx"}), [], "bad-envelope"),
        (_v2("Tx", 1, "s", 1, None, 0.0, {"name": "tx", "height": "high", "data": b""}), [], "invalid-event"),
        (_v2("Tx", 1, "s", 1, None, 0.0, {"name": "tx", "data": b""}), [], "invalid-event"),
        (_v2("Tx", 1, "s", 1, None, 0.0, [1, 2]), [], "invalid-event"),
    ],
)
def test_bad_records_raise_decode_error_with_reason(
    value: bytes, headers: list[tuple[str, bytes]], reason: str | None
) -> None:
    codec = Codec({"Tx": Tx})
    # The one-pass decoder for a topic's own event answers exactly as the general one.
    for decode in (lambda: codec.decode(value, headers), lambda: codec.decode_expected(value, "Tx", headers)):
        if reason is None:
            assert decode().event == Tx(name="tx", height=1, data=b"")
            continue
        with pytest.raises(DecodeError) as caught:
            decode()
        assert caught.value.reason == reason
        assert str(caught.value)


def test_expected_decoding_falls_back_for_another_event_on_the_topic() -> None:
    codec = Codec({"Tx": Tx, "Everything": Everything})
    other = Envelope(11, "Everything", "Producer", 7, 5, 1700000000.25, everything())
    assert codec.decode_expected(codec.encode(other), "Tx") == other
    mine = new_envelope("Tx", Tx(name="tx", height=2, data=b"\x01"), "external", 1.5)
    assert codec.decode_expected(codec.encode(mine), "Tx") == mine
    assert codec.decode_expected(codec.encode(mine), "NotDeclared") == mine


def test_validation_error_names_the_field() -> None:
    value = b"\x01" + msgspec.msgpack.encode({"name": "tx", "height": "high", "data": b""})
    with pytest.raises(DecodeError, match="height"):
        Codec({"Tx": Tx}).decode(value, [(HEADER_NAME, b"Tx")])
    with pytest.raises(DecodeError, match="height"):
        Codec({"Tx": Tx}).decode(_v2("Tx", 1, "s", 1, None, 0.0, {"name": "tx", "height": "high", "data": b""}))


def test_unknown_version_names_the_versions_read() -> None:
    with pytest.raises(DecodeError, match="wire version 9.* 1 and 2"):
        Codec({"Tx": Tx}).decode(b"\x09\x80")


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
    assert codec.decode(codec.encode(original)) == original
    assert codec.decode(codec.encode_value(original.event), codec.encode_headers(original)) == original
