"""Decoding literal tokens: integers, durations, strings and bytes.

Pure functions over the token text; a value the language does not allow raises
``LiteralError`` with a message and a hint, which the tree builder reports as
an E003 diagnostic.
"""

from __future__ import annotations

import math

MAX_DURATION = 365 * 24 * 3600.0
"""Seconds: durations above a year are mistakes, and keep timers sane."""

_DURATION_UNITS = (("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0))
_SIMPLE_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t", "r": "\r", "0": "\0"}
_HEX = frozenset("0123456789abcdefABCDEF")


class LiteralError(ValueError):
    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # more digits than Python converts
        raise LiteralError("number is too large") from None


def real(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise LiteralError("number is too large")
    return value


def duration(text: str) -> float:
    """``250ms``, ``5s``, ``1.5m``, ``1h`` in seconds."""
    for unit, scale in _DURATION_UNITS:
        number = text.removesuffix(unit)
        if number != text:
            value = float(number) * scale
            break
    else:
        raise LiteralError(f"`{text}` is not a duration", "write e.g. `250ms`, `5s`, `2m` or `1h`")
    if not math.isfinite(value) or value > MAX_DURATION:
        raise LiteralError("duration is too large", "use at most a year")
    return value


def string(token: str) -> str:
    """The value of a ``"..."`` token."""
    return _unescape(token[1:-1], is_bytes=False)


def bytes_(token: str) -> bytes:
    """The value of a ``b"..."`` token: ASCII characters and ``\\xHH`` escapes."""
    body = token[2:-1]
    if any(ord(c) > 0x7F for c in body):
        raise LiteralError("bytes literal may only contain ASCII characters", "write other bytes as \\xHH")
    return _unescape(body, is_bytes=True).encode("latin-1")


def _unescape(body: str, is_bytes: bool) -> str:
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        esc = body[i + 1 : i + 2]
        if esc in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[esc])
            i += 2
            continue
        width = 2 if esc == "x" else 4 if esc == "u" and not is_bytes else 0
        digits = body[i + 2 : i + 2 + width]
        if width and len(digits) == width and set(digits) <= _HEX:
            out.append(chr(int(digits, 16)))
            i += 2 + width
            continue
        supported = "\\\\ \\\" \\' \\n \\t \\r \\0 \\xHH" + ("" if is_bytes else " \\uHHHH")
        raise LiteralError(f"unknown escape sequence `\\{esc}` in string", f"supported escapes: {supported}")
    return "".join(out)
