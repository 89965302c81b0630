"""Wire format of an event on Kafka: a version byte, then msgpack (msgspec).

Version 2 (written): the value is the version byte then one msgpack array
``[name, id, source, trace_id, parent_id, timestamp, event]``, the event being a
map of its fields, and no headers: a topic carries one event type, and the name
is the array's first element (a header per record costs the producer about a
microsecond, a sixth of its time per event). Version 1 (still read: records
already in topics; also the layout of service calls): the value is the version
byte then the event, and the envelope travels in UTF-8 record headers.
Decoding validates against the event's declared type; anything that does not
fit raises ``DecodeError`` naming what is wrong, never a partial event. No
pickle.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import cast

import msgspec

from ..envelope import Envelope
from ..event import Event

WIRE_VERSION = 2
"""The version this build writes on event topics."""
WIRE_VERSION_HEADERS = 1
"""The older layout with the envelope in headers; read, and written for service calls."""

HEADER_NAME = "stm.name"
HEADER_ID = "stm.id"
HEADER_SOURCE = "stm.source"
HEADER_TRACE = "stm.trace_id"
HEADER_PARENT = "stm.parent_id"
HEADER_TIMESTAMP = "stm.timestamp"

HeaderList = list[tuple[str, str | bytes | None]]
Headers = Mapping[str, str | bytes | None] | Sequence[tuple[str, str | bytes | None]]
"""Record headers as confluent-kafka hands them over."""

_Metadata = tuple[str, int, str, int, int | None, float, msgspec.Raw]
"""A version 2 value after its version byte: the envelope, the event left encoded
until its name picks the decoder."""

_VERSION_2 = bytes((WIRE_VERSION,))


class DecodeError(ValueError):
    """A record that is not a valid event of this system; ``reason`` is a short code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class Codec:
    """Encodes and decodes the events of one topology by name."""

    def __init__(self, types: Mapping[str, type[Event]]) -> None:
        self._encoder = msgspec.msgpack.Encoder()
        self._decoders = {name: msgspec.msgpack.Decoder(kind) for name, kind in types.items()}
        self._metadata = msgspec.msgpack.Decoder(_Metadata)
        self._records = {name: msgspec.msgpack.Decoder(_record_type(name, kind)) for name, kind in types.items()}
        """Per event: a version 2 value decoded in one pass (see ``decode_expected``)."""
        self._names: dict[str, bytes] = {}
        """Encoded event and source names (a handful, sent with every record)."""
        self._texts: dict[bytes, str] = {}
        """The same names decoded, by their bytes."""

    def encode(self, envelope: Envelope) -> bytes:
        """The value of a version 2 record (which has no headers)."""
        buffer = bytearray(_VERSION_2)
        self._encoder.encode_into(
            (envelope.name, envelope.id, envelope.source, envelope.trace_id, envelope.parent_id,
             envelope.timestamp, envelope.event),
            buffer,
            1,
        )
        return bytes(buffer)

    def encode_value(self, event: Event) -> bytes:
        """A version 1 value (the event alone); its envelope goes in ``encode_headers``."""
        buffer = bytearray((WIRE_VERSION_HEADERS,))
        self._encoder.encode_into(event, buffer, 1)
        return bytes(buffer)

    def encode_headers(self, envelope: Envelope) -> HeaderList:
        """The version 1 headers carrying ``envelope`` (service calls use this layout)."""
        names = self._names
        name = names.get(envelope.name)
        if name is None:
            name = names[envelope.name] = envelope.name.encode()
        source = names.get(envelope.source)
        if source is None:
            source = names[envelope.source] = envelope.source.encode()
            if len(names) > 10_000:  # sources are actor names; stay bounded anyway
                names.clear()
        headers: HeaderList = [
            (HEADER_NAME, name),
            (HEADER_ID, b"%d" % envelope.id),
            (HEADER_SOURCE, source),
            (HEADER_TRACE, b"%d" % envelope.trace_id),
            (HEADER_TIMESTAMP, b"%r" % float(envelope.timestamp)),
        ]
        if envelope.parent_id is not None:
            headers.append((HEADER_PARENT, b"%d" % envelope.parent_id))
        return headers

    def decode(
        self, value: bytes | None, headers: Headers | Callable[[], Headers | None] | None = None
    ) -> Envelope:
        """The envelope of a record of either version. ``headers`` (or a function
        returning them, called only when needed) are read for version 1 only."""
        if not value:
            raise DecodeError("empty-value", "record has no value")
        version = value[0]
        if version == WIRE_VERSION:
            return self._decode_v2(value)
        if version != WIRE_VERSION_HEADERS:
            raise DecodeError(
                "wire-version",
                f"record has wire version {version}; this build reads versions "
                f"{WIRE_VERSION_HEADERS} and {WIRE_VERSION}",
            )
        if callable(headers):
            headers = headers()
        return self._decode_v1(value, headers)

    def decode_expected(
        self, value: bytes | None, name: str, headers: Headers | Callable[[], Headers | None] | None = None
    ) -> Envelope:
        """``decode`` for a record that should carry event ``name`` (its topic's):
        one msgspec pass instead of two when it does. Anything else takes the
        general path, which names what is wrong."""
        decoder = self._records.get(name)
        if value and value[0] == WIRE_VERSION and decoder is not None:
            try:
                record = decoder.decode(value[1:])  # a copy of a small value beats a memoryview
            except msgspec.MsgspecError:
                pass
            else:
                if record.name == name:
                    return Envelope(record.id, name, record.source, record.trace_id, record.parent_id,
                                    record.timestamp, record.event)
        return self.decode(value, headers)

    def _decode_v2(self, value: bytes) -> Envelope:
        try:
            name, ident, source, trace, parent, timestamp, raw = self._metadata.decode(memoryview(value)[1:])
        except msgspec.ValidationError as error:
            raise DecodeError("bad-envelope", f"record envelope: {error}") from error
        except msgspec.DecodeError as error:
            raise DecodeError("malformed-value", f"record value: {error}") from error
        decoder = self._decoders.get(name)
        if decoder is None:
            raise DecodeError("unknown-event", f"event {name!r} is not part of this system")
        try:
            event: Event = decoder.decode(raw)
        except msgspec.ValidationError as error:
            raise DecodeError("invalid-event", f"{name}: {error}") from error
        except msgspec.DecodeError as error:
            raise DecodeError("malformed-value", f"{name}: {error}") from error
        return Envelope(ident, name, source, trace, parent, timestamp, event)

    def _decode_v1(self, value: bytes, headers: Headers | None) -> Envelope:
        fields = _raw_headers(headers)
        raw_name = fields.get(HEADER_NAME)
        if raw_name is None:
            raise DecodeError("missing-header", f"record has no {HEADER_NAME!r} header")
        name = self._text(HEADER_NAME, raw_name)
        event = self.decode_event(name, value)
        ident = fields.get(HEADER_ID)
        source = fields.get(HEADER_SOURCE)
        trace = fields.get(HEADER_TRACE)
        timestamp = fields.get(HEADER_TIMESTAMP)
        if ident is None or source is None or trace is None or timestamp is None:
            missing = [key for key in (HEADER_ID, HEADER_SOURCE, HEADER_TRACE, HEADER_TIMESTAMP)
                       if fields.get(key) is None]
            raise DecodeError("missing-header", f"record for {name!r} has no {missing[0]!r} header")
        parent = fields.get(HEADER_PARENT)
        try:
            # int() and float() read ASCII digits from bytes directly: no decode step.
            return Envelope(
                int(ident),
                name,
                self._text(HEADER_SOURCE, source),
                int(trace),
                None if parent is None else int(parent),
                float(timestamp),
                event,
            )
        except ValueError as error:
            raise DecodeError("bad-header", f"record for {name!r} has a malformed header: {error}") from error

    def _text(self, key: str, raw: str | bytes) -> str:
        """A name header as text; the few distinct names are decoded once."""
        if isinstance(raw, str):
            return raw
        text = self._texts.get(raw)
        if text is None:
            try:
                text = raw.decode()
            except UnicodeDecodeError as error:
                raise DecodeError("bad-header", f"header {key!r} is not UTF-8") from error
            if len(self._texts) > 10_000:  # event and actor names; stay bounded anyway
                self._texts.clear()
            self._texts[raw] = text
        return text

    def decode_event(self, name: str, value: bytes | None) -> Event:
        """The event ``name`` from a version 1 value, validated against its type."""
        decoder = self._decoders.get(name)
        if decoder is None:
            raise DecodeError("unknown-event", f"event {name!r} is not part of this system")
        if not value:
            raise DecodeError("empty-value", f"record for {name!r} has no value")
        if value[0] != WIRE_VERSION_HEADERS:
            raise DecodeError(
                "wire-version",
                f"record for {name!r} has wire version {value[0]}, expected {WIRE_VERSION_HEADERS}",
            )
        try:
            event: Event = decoder.decode(memoryview(value)[1:])
        except msgspec.ValidationError as error:
            raise DecodeError("invalid-event", f"{name}: {error}") from error
        except msgspec.DecodeError as error:
            raise DecodeError("malformed-value", f"{name}: {error}") from error
        return event


def _raw_headers(headers: Headers | None) -> Mapping[str, str | bytes | None]:
    """Headers by key, values as sent; a None value counts as an absent header."""
    if isinstance(headers, Mapping):
        return headers
    return dict(headers or ())  # one C-level pass


def header_map(headers: Headers | None) -> dict[str, str]:
    fields: dict[str, str] = {}
    pairs = headers.items() if isinstance(headers, Mapping) else (headers or ())
    for key, raw in pairs:
        if raw is None:
            continue
        try:
            fields[key] = raw if isinstance(raw, str) else raw.decode()
        except UnicodeDecodeError as error:
            raise DecodeError("bad-header", f"header {key!r} is not UTF-8") from error
    return fields


class _Record(msgspec.Struct, array_like=True, gc=False):
    """A version 2 value's array (gc=False: read once, then dropped)."""

    name: str
    id: int
    source: str
    trace_id: int
    parent_id: int | None
    timestamp: float
    event: Event


def _record_type(name: str, kind: type[Event]) -> type[_Record]:
    """``_Record`` whose event field has type ``kind`` (the field keeps its place)."""
    record = msgspec.defstruct(f"Record_{name}", [("event", kind)], bases=(_Record,), array_like=True, gc=False)
    return cast(type[_Record], record)
