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
    if expr.op not in _COMPARE_OPS:
        raise ExpressionError(f"unknown comparison {expr.op!r}")
    # Operands binding no tighter than a comparison are parenthesised: Python
    # would otherwise chain `a < b < c` or regroup `not`.
    left = _operand(expr.left, params, _COMPARE + 1)
    right = _operand(expr.right, params, _COMPARE + 1)
    op: str = expr.op
    if _is_none(expr.right) and op in ("==", "!="):
        op = "is" if op == "==" else "is not"
    return f"{left} {op} {right}"


def _operand(expr: Expr, params: Mapping[str | None, str], context: int) -> str:
    text, level = _python(expr, params)
    return f"({text})" if level < context else text


def _is_none(expr: Expr) -> bool:
    return isinstance(expr, Const) and expr.value is None


def _literal(value: object) -> str:
    if value is None or isinstance(value, (bool, int, str, bytes)):
        return repr(value)
    if isinstance(value, float):
        if math.isnan(value):
            return 'float("nan")'
        if math.isinf(value):
            return 'float("inf")' if value > 0 else '-float("inf")'
        return repr(value)
    raise ExpressionError(f"unsupported literal {value!r}")


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
