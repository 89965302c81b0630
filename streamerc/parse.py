"""``parse(text, file) -> Spec``: the .stm text as a model, or ``SpecErrors``.

Every syntax error of a file is reported in one run: after an error the broken
clause or declaration is blanked (``recovery``) and the text parsed again;
each error is described in words (``syntax_errors``). A tree without errors is
turned into the model by ``transform``.
"""

from __future__ import annotations

from collections.abc import Iterator

from lark import Token, Tree, UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.exceptions import UnexpectedEOF

from .diagnostics import Diagnostic, DiagnosticSink, SpecErrors, sort_diagnostics
from .model import Span, Spec
from .recovery import blank_broken_clause, blank_broken_declaration
from .syntax import lark_parser
from .syntax_errors import describe, left_open
from .transform import SpecBuilder

MAX_SYNTAX_ERRORS = 20
MAX_DEPTH = 80
"""Deepest parse tree accepted; deeper nesting (``not not not ...``, ``[[[...]]]``)
is an error rather than a risk of exhausting the Python stack."""


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


def _parse_tree(text: str, file: str) -> tuple[Tree[Token] | None, list[Diagnostic]]:
    errors: list[Diagnostic] = []
    work = text
    start = "start"
    attempts = 0
    while len(errors) < MAX_SYNTAX_ERRORS and attempts < 3 * MAX_SYNTAX_ERRORS:
        attempts += 1
        try:
            tree = lark_parser().parse(work, start=start)
        except UnexpectedInput as exc:
            diag = describe(exc, work, file)
            if all((d.span.line, d.span.column) != (diag.span.line, diag.span.column) for d in errors):
                errors.append(diag)
            if start == "start" and "MODULE" in _acceptable(exc):
                # No module line: report that once, then look at the declarations.
                start = "declarations_only"
                continue
            offset, unclosed = _error_offset(exc, work), left_open(exc)
            at_end = isinstance(exc, UnexpectedToken) and exc.token.type == "$END"
            blanked = None if unclosed or at_end else blank_broken_clause(work, offset)
            if blanked is None:
                blanked = blank_broken_declaration(work, offset, unclosed)
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
