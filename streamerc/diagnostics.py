"""Diagnostics: what went wrong, where, and how to fix it.

Every stage reports problems as ``Diagnostic`` values (never exceptions that
escape to the user). ``render`` prints one as::

    spec.stm:4:14: error[E101]: unknown event `Blok`
        consumes Blok
                 ^^^^
      = hint: did you mean `Block`?

Codes are stable (tests and users may rely on them); the table lives in
docs/language.md.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from .model import Span

Severity = Literal["error", "warning"]

_LONG_LINE = 160
"""Source lines longer than this are shown as a window around the span."""
_WINDOW_BEFORE = 60


@dataclass(frozen=True)
class Diagnostic:
    severity: Severity
    code: str
    message: str
    span: Span
    hint: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class SpecErrors(Exception):
    """Raised by ``parse`` when a spec cannot be turned into a model."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        lines = [_headline(d) for d in diagnostics[:5]]
        if len(diagnostics) > 5:
            lines.append(f"... and {len(diagnostics) - 5} more")
        super().__init__("\n".join(lines) or "invalid spec")
        self.diagnostics = diagnostics


class DiagnosticSink:
    """Collects diagnostics of one stage; helpers keep call sites short."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def error(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        self.items.append(Diagnostic("error", code, message, span, hint))

    def warning(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        self.items.append(Diagnostic("warning", code, message, span, hint))

    def sorted(self) -> list[Diagnostic]:
        return sort_diagnostics(self.items)


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """By file position, then code, so output order never depends on check order."""
    return sorted(
        diagnostics,
        key=lambda d: (d.span.file, d.span.line, d.span.column, d.code, d.message),
    )


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest candidate, or None when nothing is close."""
    pool = sorted(set(candidates) - {name})
    matches = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    if not matches:
        lowered = {c.lower(): c for c in pool}
        if name.lower() in lowered:
            matches = [lowered[name.lower()]]
    return f"did you mean `{matches[0]}`?" if matches else None


@lru_cache(maxsize=4)
def source_lines(source: str) -> tuple[str, ...]:
    """Lines as the parser counts them: split on '\\n' only, '\\r' trimmed.

    Cached: rendering many diagnostics of one big file splits it once."""
    return tuple(line.removesuffix("\r") for line in source.split("\n"))


def _headline(diag: Diagnostic) -> str:
    span = diag.span
    return f"{span.file}:{span.line}:{span.column}: {diag.severity}[{diag.code}]: {diag.message}"


def render(diag: Diagnostic, source: str) -> str:
    """``file:line:col: severity[CODE]: message``, source line, carets, hint."""
    span = diag.span
    out = [_headline(diag)]
    lines = source_lines(source)
    if 1 <= span.line <= len(lines):
        line = lines[span.line - 1]
        start = min(max(span.column - 1, 0), len(line))
        end = span.end_column - 1 if span.end_line == span.line else len(line)
        end = max(min(end, len(line)), start + 1)
        shown, start, end = _window(line, start, end)
        out.append(shown)
        pad = "".join("\t" if ch == "\t" else " " for ch in shown[:start])
        out.append(pad + "^" * max(end - start, 1))
    if diag.hint:
        out.append(f"  = hint: {diag.hint}")
    return "\n".join(out)


def render_all(diagnostics: Iterable[Diagnostic], source: str) -> str:
    return "\n".join(render(d, source) for d in diagnostics)


def _window(line: str, start: int, end: int) -> tuple[str, int, int]:
    """Cut very long lines down to a window around [start, end)."""
    if len(line) <= _LONG_LINE:
        return line, start, end
    lo = max(start - _WINDOW_BEFORE, 0)
    hi = min(lo + _LONG_LINE, len(line))
    end = min(end, hi)
    prefix = "..." if lo > 0 else ""
    suffix = "..." if hi < len(line) else ""
    return prefix + line[lo:hi] + suffix, start - lo + len(prefix), end - lo + len(prefix)


def read_source(path: str | Path, display: str | None = None) -> tuple[str | None, list[Diagnostic]]:
    """Read a spec file as UTF-8; unreadable files and bad bytes become diagnostics.

    Returns ``(text, [])`` on success, ``(None, [diagnostic])`` otherwise. A
    leading byte-order mark is dropped.
    """
    name = display if display is not None else str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        span = Span(name, 1, 1, 1, 1)
        return None, [Diagnostic("error", "E006", f"cannot read file: {exc.strerror or exc}", span)]
    return decode_source(data, name)


def decode_source(data: bytes, file: str) -> tuple[str | None, list[Diagnostic]]:
    """Decode spec bytes; the first invalid UTF-8 byte is reported with its position."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        line_start = before.rfind(b"\n") + 1
        column = len(before[line_start:].decode("utf-8", errors="replace")) + 1
        span = Span(file, line, column, line, column + 1)
        return None, [
            Diagnostic(
                "error",
                "E005",
                f"file is not valid UTF-8: byte 0x{data[exc.start]:02x} cannot be decoded",
                span,
                "save the spec as UTF-8",
            )
        ]
    return text.removeprefix("\ufeff"), []


def display_text(data: bytes) -> str:
    """Bytes as text for showing source lines next to an encoding error."""
    return data.decode("utf-8", errors="replace")
