"""Resynchronising after a syntax error, by blanking text.

The broken clause (from a line starting with a clause keyword to the next such
line) or, failing that, the broken top-level declaration is replaced with
spaces, newlines kept, so every later position stays exact and the parser can
run again over the rest of the file.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

from .syntax import CLAUSE_KEYWORDS, TOP_LEVEL_KEYWORDS

_LINE_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*", re.MULTILINE)
_INDENTED_WORD = re.compile(r"^[ \t]*([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)


def declaration_starts(text: str) -> list[int]:
    """Offsets of lines that start a top-level declaration: an unindented
    top-level keyword, or a word close enough to be a misspelled one."""
    return [mt.start() for mt in _LINE_WORD.finditer(text) if _looks_top_level(mt.group())]


def blank_broken_clause(text: str, offset: int) -> str | None:
    """Blank only the clause holding ``offset`` (``filter ...`` up to the next
    clause line or the declaration's closing brace), so the other clauses of the
    same actor or deploy section are still checked. None when the clause cannot
    be delimited safely (no clause line before the error, unbalanced braces)."""
    starts = declaration_starts(text)
    decl_lo = max((s for s in starts if s <= offset), default=0)
    decl_hi = min((s for s in starts if s > offset), default=len(text))
    clauses = [
        mt.start(1)
        for mt in _INDENTED_WORD.finditer(text, decl_lo, decl_hi)
        if mt.start(1) > decl_lo and _looks_like_clause(mt.group(1))
    ]
    before = [s for s in clauses if s <= offset]
    if not before:
        return None
    lo = before[-1]
    hi = min((s for s in clauses if s > offset), default=decl_hi)
    end = _block_end(text, lo, hi)
    if end is None or offset > end or not text[lo:end].strip():
        return None
    return text[:lo] + re.sub(r"[^\n]", " ", text[lo:end]) + text[end:]


def _block_end(text: str, lo: int, hi: int) -> int | None:
    """Where ``text[lo:hi]`` stops being balanced: the offset of a ``}`` that
    closes an enclosing block, ``hi`` when balanced, None when a ``{`` stays open.
    Braces inside strings and comments do not count."""
    depth = 0
    i = lo
    while i < hi:
        ch = text[i]
        if ch == '"':
            close = text.find('"', i + 1, hi)
            newline = text.find("\n", i + 1, hi)
            ends = [e for e in (close, newline) if e >= 0]
            i = min(ends) if ends else hi  # a string ends at its quote or, unterminated, at the line end
        elif ch == "#":
            newline = text.find("\n", i, hi)
            i = hi if newline < 0 else newline
        elif ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return hi if depth == 0 else None


def blank_broken_declaration(text: str, offset: int, left_open: bool) -> str | None:
    """Replace the declaration holding ``offset`` with spaces (newlines kept).

    When the declaration above was left open (a missing ``}``), that one is
    blanked instead. Returns None when nothing is left to skip.
    """
    starts = declaration_starts(text)
    before = [s for s in starts if s < offset]
    at_or_before = [s for s in starts if s <= offset]
    after = [s for s in starts if s > offset]
    if left_open and before:
        lo, hi = before[-1], offset
    else:
        lo, hi = (at_or_before[-1] if at_or_before else 0), (after[0] if after else len(text))
    segment = text[lo:hi]
    if not segment.strip():
        return None
    blank = re.sub(r"[^\n]", " ", segment)
    if text.startswith("module", lo) and len(blank) >= len("module _"):
        # Keep a placeholder module so the remaining declarations still parse.
        blank = "module _" + blank[len("module _") :]
    return text[:lo] + blank + text[hi:]


@lru_cache(maxsize=1024)
def _looks_top_level(word: str) -> bool:
    return word in TOP_LEVEL_KEYWORDS or bool(difflib.get_close_matches(word, TOP_LEVEL_KEYWORDS, 1, 0.75))


@lru_cache(maxsize=1024)
def _looks_like_clause(word: str) -> bool:
    return word in CLAUSE_KEYWORDS or (
        word.islower() and bool(difflib.get_close_matches(word, CLAUSE_KEYWORDS, 1, 0.8))
    )
