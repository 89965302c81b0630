"""Syntax errors in words: what was found, what may come next, and a hint
for the usual mistakes (a misspelled keyword, a missing type, comma, brace or
unit, `=` for `==`, single quotes)."""

from __future__ import annotations

from copy import copy
from functools import cache

from lark import Token, Tree, UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.parsers.lalr_parser_state import ParserState

from .diagnostics import Diagnostic, did_you_mean
from .model import Span
from .recovery import declaration_starts
from .syntax import CLAUSE_KEYWORDS, TOP_LEVEL_KEYWORDS, lark_parser

ACTOR_CLAUSE_KEYWORDS = frozenset(CLAUSE_KEYWORDS) - {"topic", "process"}

_TERMINAL_WORDS = {
    "NAME": "a name",
    "INT": "a whole number",
    "SIGNED_INT": "a number",
    "SIGNED_FLOAT": "a number",
    "DURATION": "a duration such as `5s`",
    "STRING": "a string",
    "BYTES": "a bytes literal",
    "OVERFLOW_POLICY": "an overflow policy (`block`, `drop_newest`, `drop_oldest`, `error`)",
    "SUPERVISION": "an error policy (`resume`, `restart`, `stop`, `escalate`)",
    "ADVANCE_MODE": "`auto` or `manual`",
    "STALE_POLICY": "a stale policy (`drop`, `deadletter`, `pass`)",
    "UNACCEPTED": "`defer` or `reject`",
    "COMPARE_OP": "a comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`)",
    "REPLICAS": "a replica count such as `x3`",
    "INITIAL": "`initial`",
    "FINAL": "`final`",
    "$END": "end of file",
}
_CHARACTER_HINTS = {
    "=": "compare with `==`",
    "&": "write `and`",
    "|": "write `or`",
    "!": "write `not`, or `!=` to compare",
    "'": 'strings use double quotes: "text"',
    ";": "no `;` is needed: clauses and declarations end where the next one starts",
}
_FIELD_TYPE_HINT = "a field needs a type, as in `id: str`"
_COMMA_HINT = "separate names with `,`"
_LIST_HINT = "a list type is written `list[T]`"
_EXAMPLES: dict[str, list[str]] = {
    _FIELD_TYPE_HINT: [
        "module m\nevent E { a }",
        "module m\nevent E { a, b: int }",
        "module m\nevent E { a: }",
        "module m\nevent E { a: , b: int }",
        "module m\nevent E { a b: int }",
    ],
    _COMMA_HINT: [
        "module m\nactor A { consumes X Y }",
        "module m\nactor A { emits X Y }",
        "module m\nactor A { join J(X Y) }",
        "module m\ndeploy { process p { A B } }",
    ],
    _LIST_HINT: [
        "module m\nevent E { a: lst[int] }",
        "module m\nevent E { a: int, b: lst[int] }",
    ],
}


def describe(exc: UnexpectedInput, text: str, file: str) -> Diagnostic:
    """One E001 diagnostic for a Lark error raised while parsing ``text``."""
    if isinstance(exc, UnexpectedCharacters):
        return _unexpected_character(exc, text, file)
    if isinstance(exc, UnexpectedToken):
        return _unexpected_token(exc, text, file)
    span = _end_span(text, file)
    return Diagnostic("error", "E001", "unexpected end of file", span)


def left_open(exc: UnexpectedInput) -> bool:
    """The error is a top-level keyword where a ``}`` could close the declaration above."""
    if not isinstance(exc, UnexpectedToken):
        return False
    tok = exc.token
    return tok.column == 1 and str(tok) in TOP_LEVEL_KEYWORDS and "RBRACE" in set(exc.expected or ())


def _unexpected_character(exc: UnexpectedCharacters, text: str, file: str) -> Diagnostic:
    pos = exc.pos_in_stream if exc.pos_in_stream is not None else -1
    char = text[pos] if 0 <= pos < len(text) else ""
    span = Span(file, exc.line, exc.column, exc.line, exc.column + 1)
    if char == '"' or text.startswith('b"', pos):
        return Diagnostic(
            "error",
            "E001",
            "unterminated string",
            span,
            'close the string with `"` on the same line',
        )
    shown = char if char.isprintable() else repr(char)[1:-1]
    allowed = _viable_terminals(exc.state) or set(exc.allowed or ())
    expected = _expected_words(allowed)
    message = f"unexpected character `{shown}`"
    if expected:
        message += f"; expected {expected}"
    hint = _CHARACTER_HINTS.get(char)
    if char == "=" and "COMPARE_OP" not in allowed:
        hint = "fields have no default values; an optional field (`T?`) defaults to none"
    if "MODULE" in allowed:
        hint = "a spec starts with `module NAME`"
    return Diagnostic("error", "E001", message, span, hint)


def _unexpected_token(exc: UnexpectedToken, text: str, file: str) -> Diagnostic:
    tok = exc.token
    # ``accepts`` replays the parser to keep only tokens that can really come
    # next (LALR state merging makes ``expected`` too generous).
    expected_names = set(exc.accepts or exc.expected or ())
    expected = _expected_words(expected_names)
    if tok.type == "$END":
        span = _end_span(text, file)
        found = "end of file"
        if not text.strip():
            return Diagnostic("error", "E001", "the spec is empty", span, "a spec starts with `module NAME`")
    else:
        span = Span(
            file,
            tok.line or 1,
            tok.column or 1,
            tok.end_line or tok.line or 1,
            tok.end_column or (tok.column or 1) + max(len(tok), 1),
        )
        value = str(tok)
        found = f"`{value[:40]}{'...' if len(value) > 40 else ''}`"
    message = f"unexpected {found}"
    if expected:
        message += f"; expected {expected}"
    hint = _hint(exc, text, expected_names)
    if "MODULE" in expected_names:
        hint = "a spec starts with `module NAME`"
    previous = _previous_end(exc)
    if (
        tok.type != "$END"
        and previous is not None
        and previous[0] < span.line
        and 0 < len(expected_names) <= 3
    ):
        # The token that should have ended the line is missing: point there.
        line, column = previous
        span = Span(file, line, column, line, column + 1)
        message = f"missing {expected}"
        hint = hint or f"found {found} on line {tok.line}"
    if left_open(exc):
        message = f"missing `}}` before `{tok}`"
        hint = _unclosed_hint(text, tok.start_pos or 0)
    if tok.type == "$END" and "RBRACE" in expected_names:
        message = "missing `}` at end of file"
        hint = _unclosed_hint(text, len(text))
    return Diagnostic("error", "E001", message, span, hint)


def _previous_end(exc: UnexpectedToken) -> tuple[int, int] | None:
    """Line and (exclusive) end column of the last token the parser accepted."""
    parser = exc.interactive_parser
    state = parser.parser_state if parser is not None else exc.state
    if not isinstance(state, ParserState) or not state.value_stack:
        return None
    last = state.value_stack[-1]
    if isinstance(last, Token) and last.end_line is not None and last.end_column is not None:
        return last.end_line, last.end_column
    if isinstance(last, Tree) and not last.meta.empty:
        return last.meta.end_line, last.meta.end_column
    return None


def _viable_terminals(state: object) -> set[str]:
    """Terminals that can really come next in a parser state (empty if unknown).

    What Lark's ``InteractiveParser.accepts`` computes for token errors, done
    here for character errors, whose ``allowed`` set is the contextual lexer's
    (too generous after LALR state merging).
    """
    if not isinstance(state, ParserState):
        return set()
    quiet = copy(state.parse_conf)
    quiet.callbacks = {}
    found: set[str] = set()
    for terminal in state.parse_conf.parse_table.states[state.position]:
        if not terminal.isupper():
            continue
        probe: ParserState[int] = ParserState(
            quiet, state.lexer, copy(state.state_stack), copy(state.value_stack)
        )
        try:
            probe.feed_token(Token(terminal, ""))
        except UnexpectedToken:
            continue
        found.add(terminal)
    return found


def _hint(exc: UnexpectedToken, text: str, expected: set[str]) -> str | None:
    tok = exc.token
    keywords = [w for w in (_keyword(n) for n in expected) if w is not None]
    if tok.type == "NAME" and keywords:
        guess = did_you_mean(str(tok), keywords)
        if guess is not None:
            return guess
    if "DURATION" in expected and str(tok).replace(".", "", 1).isdigit():
        return "a duration needs a unit: `250ms`, `5s`, `2m` or `1h`"
    accepts = frozenset(exc.accepts or exc.expected or ())
    position = _position(exc.state)
    for state, example_accepts, label in _example_states():
        if state == position and example_accepts == accepts:
            return label
    return None


def _position(state: object) -> int | None:
    """The LALR state number, whether Lark reports a number or a ParserState."""
    if isinstance(state, ParserState):
        return int(state.position)
    return state if isinstance(state, int) else None


def _unclosed_hint(text: str, offset: int) -> str | None:
    starts = [s for s in declaration_starts(text) if s < offset]
    if not starts:
        return None
    start = starts[-1]
    line_no = text.count("\n", 0, start) + 1
    first_line = text[start:].split("\n", 1)[0].strip()
    if len(first_line) > 60:
        first_line = first_line[:57] + "..."
    return f"`{first_line}` (line {line_no}) is not closed"


def _keyword(terminal: str) -> str | None:
    try:
        pattern = lark_parser().get_terminal(terminal).pattern
    except KeyError:
        return None
    if pattern.type == "str" and pattern.value.isidentifier():
        return pattern.value
    return None


def _expected_words(terminals: set[str]) -> str:
    """``expected `,`, `}` or a name``: terminals in words, keywords quoted.

    Where an expression could also end (so every actor clause keyword may
    follow), the thirteen keywords are summarised as "the next clause"."""
    words: list[str] = []
    clause_terminals = {t for t in terminals if _keyword(t) in ACTOR_CLAUSE_KEYWORDS}
    if len(clause_terminals) == len(ACTOR_CLAUSE_KEYWORDS) and len(terminals - clause_terminals) > 2:
        terminals = terminals - clause_terminals
        words.append("the next clause")
    for name in sorted(terminals):
        word = _TERMINAL_WORDS.get(name)
        if word is None:
            try:
                pattern = lark_parser().get_terminal(name).pattern
            except KeyError:
                continue
            word = f"`{pattern.value}`" if pattern.type == "str" else name.lower()
        if word not in words:
            words.append(word)
    words.sort(key=lambda w: (not w.startswith("`"), w))
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


def _end_span(text: str, file: str) -> Span:
    body = text.rstrip()
    line = body.count("\n") + 1
    column = len(body) - (body.rfind("\n") + 1) + 1
    return Span(file, line, column, line, column + 1)


@cache
def _example_states() -> tuple[tuple[int | None, frozenset[str], str], ...]:
    """Parser states reached by the known-bad snippets of ``_EXAMPLES``.

    The same matching as Lark's ``match_examples`` (same state, same acceptable
    tokens), computed once instead of re-parsing every example per error.
    """
    found: list[tuple[int | None, frozenset[str], str]] = []
    for label, snippets in _EXAMPLES.items():
        for snippet in snippets:
            try:
                lark_parser().parse(snippet, start="start")
            except UnexpectedToken as exc:
                found.append((_position(exc.state), frozenset(exc.accepts or exc.expected or ()), label))
    return tuple(found)
