"""The .stm grammar loaded into a Lark LALR parser, and the keyword tables
the error reporting and recovery use."""

from __future__ import annotations

from functools import cache

from lark import Lark

from .resources import grammar_path

TOP_LEVEL_KEYWORDS = ("module", "external", "event", "rename", "buffer", "actor", "deploy")
CLAUSE_KEYWORDS = (
    "consumes", "emits", "workers", "mailbox", "on", "filter", "join", "collect",
    "watch", "ordered", "service", "calls", "states", "topic", "process",
)  # fmt: skip


@cache
def lark_parser() -> Lark:
    """The parser, built once per process. ``declarations_only`` is a second
    start rule used to keep finding errors after a missing ``module`` line."""
    return Lark(
        grammar_path().read_text(encoding="utf-8"),
        parser="lalr",
        lexer="contextual",
        start=["start", "declarations_only"],
        propagate_positions=True,
        maybe_placeholders=False,
        # Lark keeps the built LALR tables in the temp folder, keyed by the
        # grammar's hash: a new `streamerc` process loads them instead of
        # rebuilding them (~10x faster start).
        cache=True,
    )
