"""Decoding of literal tokens."""

from __future__ import annotations

import pytest

from streamerc import literals
from streamerc.literals import LiteralError


@pytest.mark.parametrize(
    ("text", "seconds"), [("250ms", 0.25), ("5s", 5.0), ("1.5m", 90.0), ("2h", 7200.0), ("0s", 0.0)]
)
def test_durations(text: str, seconds: float) -> None:
    assert literals.duration(text) == seconds


@pytest.mark.parametrize("text", ["9" * 400 + "s", "366" + "0" * 3 + "h"])
def test_durations_out_of_range(text: str) -> None:
    with pytest.raises(LiteralError, match="duration is too large"):
        literals.duration(text)


def test_strings_and_escapes() -> None:
    assert literals.string(r'"a\\b\"c\n\t\r\0\x41\u00e9\'"') == "a\\b\"c\n\t\r\0A\u00e9'"
    assert literals.bytes_(r'b"\x00\xffA\n"') == b"\x00\xffA\n"


@pytest.mark.parametrize("token", [r'"\q"', r'"\x4"', r'"\u12"', r'"\N{DASH}"'])
def test_unknown_escapes(token: str) -> None:
    with pytest.raises(LiteralError, match="unknown escape"):
        literals.string(token)


def test_bytes_reject_unicode_escapes_and_characters() -> None:
    with pytest.raises(LiteralError, match="unknown escape"):
        literals.bytes_(r'b"\u0041"')
    with pytest.raises(LiteralError, match="ASCII"):
        literals.bytes_('b"caf\u00e9"')


def test_numbers() -> None:
    assert literals.integer("-12") == -12
    assert literals.real("1e3") == 1000.0
    with pytest.raises(LiteralError):
        literals.integer("9" * 5000)
    with pytest.raises(LiteralError):
        literals.real("9" * 400 + ".0")
