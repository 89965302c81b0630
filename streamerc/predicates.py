"""Compile filter and watch expressions into Python expression text.

Only validated identifiers (field and parameter names) and ``repr``'d literals
reach the output, and every operator comes from a fixed table, so spec text can
never inject code. Parentheses are added exactly where Python's precedence
needs them, so the output reads like hand-written code. ``spec_text`` renders
the same tree back in spec syntax (canonical spacing) for metrics and graphs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from .layout import (
    COMPARATOR_PRIORITY,
    INDENT,
    LOGIC_PRIORITY,
    Brackets,
    Chain,
    Node,
    Text,
    fits,
    lay_out,
    prefixed,
    string_literal,
)
from .model import BoolOp, Call, Compare, Const, Expr, FieldRef, ListExpr, Not
from .naming import checked_identifier

# Binding strength, loosest first; an operand binding looser than its context
# is parenthesised.
_OR, _AND, _NOT, _COMPARE, _ATOM = range(5)

_COMPARE_OPS = frozenset({"==", "!=", "<", "<=", ">", ">=", "in", "not in"})
_FUNCTIONS = frozenset({"len"})


class ExpressionError(ValueError):
    """An expression the checker should have rejected reached code generation."""


def python_expr(expr: Expr, params: Mapping[str | None, str]) -> str:
    """Python text of ``expr``.

    ``params`` maps the event qualifying a field reference (``None`` for a bare
    field inside a filter) to the parameter holding that event.
    """
    text, _ = _python(expr, params)
    return text


def _python(expr: Expr, params: Mapping[str | None, str]) -> tuple[str, int]:
    if isinstance(expr, FieldRef):
        owner = expr.event.text if expr.event is not None else None
        if owner not in params:
            if owner is None and len(params) == 1:
                owner = next(iter(params))
            else:
                raise ExpressionError(f"field reference to unknown event {owner!r}")
        return f"{params[owner]}.{checked_identifier(expr.field.text)}", _ATOM
    if isinstance(expr, Const):
        return _literal(expr.value), _ATOM
    if isinstance(expr, ListExpr):
        items = ", ".join(_python(item, params)[0] for item in expr.items)
        return f"[{items}]", _ATOM
    if isinstance(expr, Call):
        if expr.func.text not in _FUNCTIONS:
            raise ExpressionError(f"unknown function {expr.func.text!r}")
        return f"{expr.func.text}({_python(expr.arg, params)[0]})", _ATOM
    if isinstance(expr, Not):
        inner = expr.operand
        if isinstance(inner, Compare) and inner.op == "in":
            # `not x in y` reads better as Python's own `x not in y`.
            return _compare(Compare("not in", inner.left, inner.right, inner.span), params), _COMPARE
        return f"not {_operand(inner, params, _NOT)}", _NOT
    if isinstance(expr, BoolOp):
        level = _AND if expr.op == "and" else _OR
        if expr.op not in ("and", "or"):
            raise ExpressionError(f"unknown boolean operator {expr.op!r}")
        # A nested operand of the same operator needs no parentheses (associative).
        parts = [_operand(item, params, level) for item in expr.operands]
        return f" {expr.op} ".join(parts), level
    if isinstance(expr, Compare):
        return _compare(expr, params), _COMPARE
    raise ExpressionError(f"unsupported expression node {type(expr).__name__}")


def _compare(expr: Compare, params: Mapping[str | None, str]) -> str:
    return " ".join(_compare_parts(expr, params))


def _compare_parts(expr: Compare, params: Mapping[str | None, str]) -> tuple[str, str, str]:
    """(left operand, operator, right operand) of a comparison."""
    if expr.op not in _COMPARE_OPS:
        raise ExpressionError(f"unknown comparison {expr.op!r}")
    # Operands binding no tighter than a comparison are parenthesised: Python
    # would otherwise chain `a < b < c` or regroup `not`.
    left = _operand(expr.left, params, _COMPARE + 1)
    right = _operand(expr.right, params, _COMPARE + 1)
    op: str = expr.op
    if _is_none(expr.right) and op in ("==", "!="):
        op = "is" if op == "==" else "is not"
    return left, op, right


def _operand(expr: Expr, params: Mapping[str | None, str], context: int) -> str:
    text, level = _python(expr, params)
    return f"({text})" if level < context else text


def _is_none(expr: Expr) -> bool:
    return isinstance(expr, Const) and expr.value is None


def _literal(value: object) -> str:
    if isinstance(value, (str, bytes)):
        return string_literal(value)
    if value is None or isinstance(value, (bool, int)):
        return repr(value)
    if isinstance(value, float):
        if math.isnan(value):
            return 'float("nan")'
        if math.isinf(value):
            return 'float("inf")' if value > 0 else '-float("inf")'
        return repr(value)
    raise ExpressionError(f"unsupported literal {value!r}")


def return_statement(expr: Expr, params: Mapping[str | None, str], indent: str) -> str:
    """``return <expr>`` as black lays it out at ``indent``: one line when it
    fits, else the expression in parentheses, split before its loosest
    operators (``and``/``or``, then comparisons) as far as needed.

    Where black would rather split inside a bracket (an expression that starts
    or ends with one and has a single loosest operator, or has none), the line
    is left whole for black to split; the output is black's either way.
    """
    line = f"{indent}return {python_expr(expr, params)}"
    if fits(line):
        return line
    parts = _parts(expr, params, _OR)
    priorities = [priority for priority, _ in parts[1:]]
    if not priorities:
        return line
    if priorities.count(max(priorities)) == 1 and (parts[0][1].flat[0] in "([" or parts[-1][1].flat[-1] in ")]"):
        return line
    body = lay_out(Chain(tuple(parts)), indent + INDENT)
    return "\n".join([f"{indent}return (", *body, f"{indent})"])


def _node(expr: Expr, params: Mapping[str | None, str], context: int) -> Node:
    """``expr`` as a layout node, parenthesised if it binds looser than ``context``."""
    text, level = _python(expr, params)
    if level < context:
        return Brackets("(", (_chain(expr, params, level),), ")")
    if isinstance(expr, ListExpr):
        return Brackets("[", tuple(_node(item, params, _OR) for item in expr.items), "]", display=True)
    if isinstance(expr, Call):
        return Brackets(f"{expr.func.text}(", (_node(expr.arg, params, _OR),))
    if level == _ATOM:
        return Text(text)
    return _chain(expr, params, level)


def _chain(expr: Expr, params: Mapping[str | None, str], context: int) -> Node:
    parts = _parts(expr, params, context)
    return parts[0][1] if len(parts) == 1 else Chain(tuple(parts))


def _parts(expr: Expr, params: Mapping[str | None, str], context: int) -> list[tuple[int, Node]]:
    """The operands of ``expr`` black may split before, outside any bracket:
    each ``and``/``or`` and comparison operator, with its priority."""
    _, level = _python(expr, params)
    if level < context or level == _ATOM:
        return [(0, _node(expr, params, context))]
    if isinstance(expr, Not):
        inner = expr.operand
        if isinstance(inner, Compare) and inner.op == "in":
            return _compare_parts_of(Compare("not in", inner.left, inner.right, inner.span), params)
        (_, first), *rest = _parts(inner, params, _NOT)
        return [(0, prefixed("not ", first)), *rest]
    if isinstance(expr, BoolOp):
        parts: list[tuple[int, Node]] = []
        for index, operand in enumerate(expr.operands):
            (_, first), *rest = _parts(operand, params, level)
            parts += [(LOGIC_PRIORITY, prefixed(f"{expr.op} ", first)) if index else (0, first), *rest]
        return parts
    if isinstance(expr, Compare):
        return _compare_parts_of(expr, params)
    raise ExpressionError(f"unsupported expression node {type(expr).__name__}")


def _compare_parts_of(expr: Compare, params: Mapping[str | None, str]) -> list[tuple[int, Node]]:
    _, op, _ = _compare_parts(expr, params)
    left = _node(expr.left, params, _COMPARE + 1)
    right = _node(expr.right, params, _COMPARE + 1)
    return [(0, left), (COMPARATOR_PRIORITY, prefixed(f"{op} ", right))]


def spec_text(expr: Expr) -> str:
    """The expression in spec syntax, with canonical spacing."""
    text, _ = _spec(expr)
    return text


def _spec(expr: Expr) -> tuple[str, int]:
    if isinstance(expr, FieldRef):
        prefix = f"{expr.event.text}." if expr.event is not None else ""
        return prefix + expr.field.text, _ATOM
    if isinstance(expr, Const):
        return _spec_literal(expr.value), _ATOM
    if isinstance(expr, ListExpr):
        return "[" + ", ".join(_spec(item)[0] for item in expr.items) + "]", _ATOM
    if isinstance(expr, Call):
        return f"{expr.func.text}({_spec(expr.arg)[0]})", _ATOM
    if isinstance(expr, Not):
        return f"not {_spec_operand(expr.operand, _NOT)}", _NOT
    if isinstance(expr, BoolOp):
        level = _AND if expr.op == "and" else _OR
        return f" {expr.op} ".join(_spec_operand(item, level) for item in expr.operands), level
    if isinstance(expr, Compare):
        left = _spec_operand(expr.left, _COMPARE + 1)
        right = _spec_operand(expr.right, _COMPARE + 1)
        return f"{left} {expr.op} {right}", _COMPARE
    raise ExpressionError(f"unsupported expression node {type(expr).__name__}")


def _spec_operand(expr: Expr, context: int) -> str:
    text, level = _spec(expr)
    return f"({text})" if level < context else text


def _spec_literal(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + _escape(value) + '"'
    if isinstance(value, bytes):
        return 'b"' + _escape(value.decode("latin-1"), ascii_only=True) + '"'
    return repr(value)


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape(text: str, ascii_only: bool = False) -> str:
    """Spec string escapes; other control characters as ``\\xNN``/``\\uNNNN``."""
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif not char.isprintable() or (ascii_only and ord(char) > 0x7E):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)
