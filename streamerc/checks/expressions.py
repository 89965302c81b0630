"""Types of filter and watch expressions.

The expression language is small: field references, literals, list literals,
``len``, comparisons, ``in``, ``and``/``or``/``not``. Each node gets a type; a
node whose type cannot be known (an error was reported inside it) yields None
and its parents stay quiet, so one mistake gives one diagnostic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .. import model as m
from ..diagnostics import did_you_mean
from .scope import Scope

_NUMERIC = frozenset({"int", "float"})
_SIZED = frozenset({"str", "bytes", "list"})
_FUNCTIONS = frozenset({"len"})


@dataclass(frozen=True)
class Ty:
    kind: str
    """int float str bytes bool none event list optional any"""
    item: Ty | None = None
    name: str | None = None

    def __str__(self) -> str:
        if self.kind == "list":
            return f"list[{self.item}]"
        if self.kind == "optional":
            return f"{self.item}?"
        if self.kind == "event":
            return self.name or "event"
        return self.kind


ANY = Ty("any")
BOOL = Ty("bool")


def ty_of(t: m.TypeRef) -> Ty:
    if t.kind == "list":
        return Ty("list", item=ty_of(t.item) if t.item else ANY)
    if t.kind == "optional":
        return Ty("optional", item=ty_of(t.item) if t.item else ANY)
    if t.kind == "event":
        return Ty("event", name=t.name)
    return Ty(t.name or "any")


def check_condition(scope: Scope, expr: m.Expr, env: Mapping[str | None, str]) -> None:
    """Check a whole predicate: it must be a boolean condition."""
    ty = ExprTyper(scope, env).infer(expr)
    _require_bool(scope, expr, ty)


class ExprTyper:
    def __init__(self, scope: Scope, env: Mapping[str | None, str]) -> None:
        self.scope = scope
        self.env = env
        """Event qualifying a field reference (None: a bare field) -> event name."""

    def infer(self, expr: m.Expr) -> Ty | None:
        if isinstance(expr, m.FieldRef):
            return self._field(expr)
        if isinstance(expr, m.Const):
            return _literal_type(expr.value)
        if isinstance(expr, m.ListExpr):
            return self._list(expr)
        if isinstance(expr, m.Call):
            return self._call(expr)
        if isinstance(expr, m.Not):
            _require_bool(self.scope, expr.operand, self.infer(expr.operand))
            return BOOL
        if isinstance(expr, m.BoolOp):
            for operand in expr.operands:
                _require_bool(self.scope, operand, self.infer(operand))
            return BOOL
        return self._compare(expr)

    def _field(self, ref: m.FieldRef) -> Ty | None:
        qualifier = ref.event.text if ref.event is not None else None
        event = self.env.get(qualifier)
        if event is None:
            if ref.event is None:
                choices = ", ".join(f"`{e}.{ref.field.text}`" for e in sorted(k for k in self.env if k))
                self.scope.sink.error(
                    "E209",
                    f"field `{ref.field.text}` needs its event here",
                    ref.span,
                    f"write one of {choices}" if choices else None,
                )
            else:
                self.scope.sink.error(
                    "E209",
                    f"`{ref.event.text}` is not an input of this expression",
                    ref.event.span,
                    did_you_mean(ref.event.text, [k for k in self.env if k]),
                )
            return None
        if event not in self.scope.events:
            return None  # unknown event: reported where it was declared
        found = self.scope.require_field(event, ref.field)
        return ty_of(found.type) if found is not None else None

    def _list(self, expr: m.ListExpr) -> Ty | None:
        items = [self.infer(item) for item in expr.items]
        if any(t is None for t in items):
            return None
        known = [t for t in items if t is not None]
        if not known:
            return Ty("list", item=ANY)
        result = known[0]
        for item, ty in zip(expr.items[1:], known[1:]):
            merged = _merge(result, ty)
            if merged is None:
                self.scope.sink.error(
                    "E201", f"list items must have one type, found `{result}` and `{ty}`", item.span
                )
                return None
            result = merged
        return Ty("list", item=result)

    def _call(self, call: m.Call) -> Ty | None:
        if call.func.text not in _FUNCTIONS:
            self.scope.sink.error(
                "E108",
                f"unknown function `{call.func.text}`",
                call.func.span,
                did_you_mean(call.func.text, _FUNCTIONS) or "the only function is `len(x)`",
            )
            return None
        arg = self.infer(call.arg)
        if arg is None:
            return None
        if arg.kind not in _SIZED and arg.kind != "any":
            hint = "check for `none` first" if arg.kind == "optional" else None
            self.scope.sink.error(
                "E201", f"`len` needs a list, str or bytes, not `{arg}`", call.arg.span, hint
            )
            return None
        return Ty("int")

    def _compare(self, cmp: m.Compare) -> Ty | None:
        left = self.infer(cmp.left)
        right = self.infer(cmp.right)
        if left is None or right is None:
            return BOOL
        op = cmp.op
        if op in ("==", "!="):
            if not _comparable(left, right):
                self.scope.sink.error("E201", f"`{op}` cannot compare `{left}` with `{right}`", cmp.span)
        elif op in ("in", "not in"):
            self._membership(cmp, left, right)
        else:
            self._ordering(cmp, left, right)
        return BOOL

    def _ordering(self, cmp: m.Compare, left: Ty, right: Ty) -> None:
        for side, ty in ((cmp.left, left), (cmp.right, right)):
            if ty.kind in ("optional", "none"):
                self.scope.sink.error(
                    "E201",
                    f"`{cmp.op}` needs a value, but this may be none",
                    side.span,
                    "test `!= none` first: `x != none and x > 0`",
                )
                return
        ok = (
            left.kind == "any"
            or right.kind == "any"
            or (left.kind in _NUMERIC and right.kind in _NUMERIC)
            or (left.kind == right.kind and left.kind in ("str", "bytes"))
        )
        if not ok:
            self.scope.sink.error("E201", f"`{cmp.op}` cannot order `{left}` and `{right}`", cmp.span)

    def _membership(self, cmp: m.Compare, left: Ty, right: Ty) -> None:
        if right.kind == "list":
            if right.item is not None and not _comparable(left, right.item):
                self.scope.sink.error("E201", f"`{cmp.op}` looks for `{left}` in `{right}`", cmp.span)
            return
        if right.kind in ("str", "bytes"):
            if left.kind not in (right.kind, "any"):
                self.scope.sink.error("E201", f"`{cmp.op}` looks for `{left}` in `{right}`", cmp.span)
            return
        if right.kind == "any":
            return
        hint = "check for `none` first" if right.kind == "optional" else None
        self.scope.sink.error(
            "E201",
            f"`{cmp.op}` needs a list, str or bytes on the right, not `{right}`",
            cmp.right.span,
            hint,
        )


def _require_bool(scope: Scope, expr: m.Expr, ty: Ty | None) -> None:
    if ty is None or ty.kind in ("bool", "any"):
        return
    scope.sink.error(
        "E211",
        f"a condition must be true or false, but this is `{ty}`",
        expr.span,
        "compare it, e.g. `x > 0` or `x != none`",
    )


def _literal_type(value: m.Literal_) -> Ty:
    if value is None:
        return Ty("none")
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return Ty("int")
    if isinstance(value, float):
        return Ty("float")
    if isinstance(value, str):
        return Ty("str")
    return Ty("bytes")


def _strip(t: Ty) -> Ty:
    return t.item if t.kind == "optional" and t.item is not None else t


def _comparable(a: Ty, b: Ty) -> bool:
    if a.kind == "any" or b.kind == "any":
        return True
    if a.kind == "none" or b.kind == "none":
        other = b if a.kind == "none" else a
        return other.kind in ("optional", "none")
    a, b = _strip(a), _strip(b)
    if a.kind in _NUMERIC and b.kind in _NUMERIC:
        return True
    if a.kind != b.kind:
        return False
    if a.kind == "list":
        return a.item is None or b.item is None or _comparable(a.item, b.item)
    if a.kind == "event":
        return a.name == b.name
    return True


def _merge(a: Ty, b: Ty) -> Ty | None:
    """The type of a list holding both: ``int`` and ``float`` give ``float``."""
    if a == b or b.kind == "any":
        return a
    if a.kind == "any":
        return b
    if {a.kind, b.kind} == {"int", "float"}:
        return Ty("float")
    if a.kind == "none":
        return Ty("optional", item=b) if b.kind != "optional" else b
    if b.kind == "none":
        return Ty("optional", item=a) if a.kind != "optional" else a
    return None
