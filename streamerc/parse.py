"""``parse(text, file) -> Spec``: the .stm text as a model, or ``SpecErrors``.

Syntax errors are reported in words (what was found, what could come next,
and a hint for the usual mistakes). After an error the parser resynchronises at
the next top-level declaration (a line starting with ``event``, ``actor``, ...)
by blanking the broken declaration and parsing again, so one run reports an
error per broken declaration instead of only the first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from copy import copy
from functools import cache

from lark import Lark, Token, Tree, UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.exceptions import UnexpectedEOF
from lark.parsers.lalr_parser_state import ParserState

from .diagnostics import Diagnostic, DiagnosticSink, SpecErrors, did_you_mean, sort_diagnostics
from .model import Span, Spec
from .resources import grammar_path
from .transform import SpecBuilder

MAX_SYNTAX_ERRORS = 20
MAX_DEPTH = 80
"""Deepest parse tree accepted; deeper nesting (``not not not ...``, ``[[[...]]]``)
is an error rather than a risk of exhausting the Python stack."""

TOP_LEVEL_KEYWORDS = ("module", "external", "event", "rename", "buffer", "actor", "deploy")
_TOP_LEVEL_START = re.compile(r"^(?:%s)\b" % "|".join(TOP_LEVEL_KEYWORDS), re.MULTILINE)

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


@cache
def _parser() -> Lark:
    return Lark(
        grammar_path().read_text(encoding="utf-8"),
        parser="lalr",
        lexer="contextual",
        start=["start", "declarations_only"],
        propagate_positions=True,
        maybe_placeholders=False,
    )


def parse(text: str, file: str) -> Spec:
    """Parse one spec. Raises ``SpecErrors`` with every syntax error found."""
    tree, errors = _parse_tree(text, file)
    if tree is None:
        raise SpecErrors(sort_diagnostics(errors))
    too_deep = _too_deep(tree, file)
    if too_deep is not None:
        raise SpecErrors([too_deep])
    sink = DiagnosticSink()
    spec = SpecBuilder(file, text, sink).transform(tree)
    if sink.items:
        raise SpecErrors(sink.sorted())
    return spec


# ---- recovery -------------------------------------------------------------


def _parse_tree(text: str, file: str) -> tuple[Tree[Token] | None, list[Diagnostic]]:
    errors: list[Diagnostic] = []
    work = text
    start = "start"
    attempts = 0
    while len(errors) < MAX_SYNTAX_ERRORS and attempts < 3 * MAX_SYNTAX_ERRORS:
        attempts += 1
        try:
            tree = _parser().parse(work, start=start)
        except UnexpectedInput as exc:
            diag = _describe(exc, work, file)
            if all((d.span.line, d.span.column) != (diag.span.line, diag.span.column) for d in errors):
                errors.append(diag)
            if start == "start" and "MODULE" in _acceptable(exc):
                # No module line: report that once, then look at the declarations.
                start = "declarations_only"
                continue
            blanked = _blank_broken_declaration(work, _error_offset(exc, work))
            if blanked is None or not blanked.strip() or blanked.strip() == "module _":
                break
            work = blanked
            continue
        return (tree if not errors else None), errors
    return None, errors


def _acceptable(exc: UnexpectedInput) -> set[str]:
    if isinstance(exc, UnexpectedToken):
        return set(exc.expected or ())
    if isinstance(exc, UnexpectedCharacters):
        return set(exc.allowed or ())
    return set()


def _error_offset(exc: UnexpectedInput, text: str) -> int:
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        return len(text)
    if isinstance(exc, UnexpectedEOF):
        return len(text)
    pos = getattr(exc, "pos_in_stream", None)
    if isinstance(exc, UnexpectedToken) and exc.token.start_pos is not None:
        pos = exc.token.start_pos
    return pos if isinstance(pos, int) and pos >= 0 else len(text)


def _blank_broken_declaration(text: str, offset: int) -> str | None:
    """Replace the declaration holding ``offset`` with spaces (newlines kept).

    An error right at a top-level keyword means the declaration *before* it was
    left open (a missing ``}``), so that one is blanked. Returns None when
    nothing is left to skip.
    """
    starts = [mt.start() for mt in _TOP_LEVEL_START.finditer(text)]
    before = [s for s in starts if s < offset]
    after = [s for s in starts if s > offset]
    if offset in starts:
        lo, hi = (before[-1], offset) if before else (offset, after[0] if after else len(text))
    else:
        lo, hi = (before[-1] if before else 0), (after[0] if after else len(text))
    segment = text[lo:hi]
    if not segment.strip():
        return None
    blank = re.sub(r"[^\n]", " ", segment)
    if text.startswith("module", lo) and len(blank) >= len("module _"):
        # Keep a placeholder module so the remaining declarations still parse.
        blank = "module _" + blank[len("module _") :]
    return text[:lo] + blank + text[hi:]


# ---- messages ---------------------------------------------------------------


def _describe(exc: UnexpectedInput, text: str, file: str) -> Diagnostic:
    if isinstance(exc, UnexpectedCharacters):
        return _unexpected_character(exc, text, file)
    if isinstance(exc, UnexpectedToken):
        return _unexpected_token(exc, text, file)
    span = _end_span(text, file)
    return Diagnostic("error", "E001", "unexpected end of file", span)


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
    if (
        tok.type != "$END"
        and "RBRACE" in expected_names
        and str(tok) in TOP_LEVEL_KEYWORDS
        and (tok.column or 0) == 1
    ):
        message = f"missing `}}` before `{tok}`"
        hint = _unclosed_hint(text, tok.start_pos or 0)
    if tok.type == "$END" and "RBRACE" in expected_names:
        message = "missing `}` at end of file"
        hint = _unclosed_hint(text, len(text))
    return Diagnostic("error", "E001", message, span, hint)


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
        probe: ParserState[int] = ParserState(quiet, state.lexer, copy(state.state_stack), copy(state.value_stack))
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
    accepts = frozenset(exc.accepts or ())
    for state, example_accepts, label in _example_states():
        if state == exc.state and example_accepts == accepts:
            return label
    return None


@cache
def _example_states() -> tuple[tuple[int, frozenset[str], str], ...]:
    """Parser states reached by the known-bad snippets of ``_EXAMPLES``.

    The same matching as Lark's ``match_examples`` (same state, same acceptable
    tokens), computed once instead of re-parsing every example per error.
    """
    found: list[tuple[int, frozenset[str], str]] = []
    for label, snippets in _EXAMPLES.items():
        for snippet in snippets:
            try:
                _parser().parse(snippet, start="start")
            except UnexpectedToken as exc:
                found.append((exc.state, frozenset(exc.accepts or ()), label))
    return tuple(found)


def _unclosed_hint(text: str, offset: int) -> str | None:
    starts = [mt for mt in _TOP_LEVEL_START.finditer(text) if mt.start() < offset]
    if not starts:
        return None
    start = starts[-1].start()
    line_no = text.count("\n", 0, start) + 1
    first_line = text[start:].split("\n", 1)[0].strip()
    if len(first_line) > 60:
        first_line = first_line[:57] + "..."
    return f"`{first_line}` (line {line_no}) is not closed"


def _keyword(terminal: str) -> str | None:
    try:
        pattern = _parser().get_terminal(terminal).pattern
    except KeyError:
        return None
    if pattern.type == "str" and pattern.value.isidentifier():
        return pattern.value
    return None


def _expected_words(terminals: set[str]) -> str:
    words: list[str] = []
    for name in sorted(terminals):
        word = _TERMINAL_WORDS.get(name)
        if word is None:
            try:
                pattern = _parser().get_terminal(name).pattern
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


# ---- nesting limit ------------------------------------------------------------


def _too_deep(tree: Tree[Token], file: str) -> Diagnostic | None:
    for node, depth in _walk(tree):
        if depth > MAX_DEPTH:
            meta = node.meta
            line = getattr(meta, "line", 1)
            column = getattr(meta, "column", 1)
            span = Span(file, line, column, line, column + 1)
            return Diagnostic(
                "error",
                "E002",
                f"nesting is too deep (more than {MAX_DEPTH} levels)",
                span,
                "split the expression",
            )
    return None


def _walk(tree: Tree[Token]) -> Iterator[tuple[Tree[Token], int]]:
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        yield node, depth
        stack.extend((c, depth + 1) for c in node.children if isinstance(c, Tree))
