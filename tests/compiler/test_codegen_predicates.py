"""Filter and watch expressions compile to safe, correctly parenthesised Python.

A property test builds random expression trees, compiles them, and checks the
Python text evaluates exactly like the tree (so precedence and parentheses are
right) and contains nothing but field accesses, literals, ``len`` and
operators. Hostile names never reach the output.
"""

from __future__ import annotations

import ast
import operator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamerc import model as m
from streamerc.naming import UnsafeNameError, parameter_names, snake_case
from streamerc.predicates import ExpressionError, python_expr, spec_text
from streamerc.viewmodel import docstring

SPAN = m.Span("t.stm", 1, 1, 1, 2)


def name(text: str) -> m.Name:
    return m.Name(text, SPAN)


def field(text: str, event: str | None = None) -> m.FieldRef:
    return m.FieldRef(name(event) if event else None, name(text), SPAN)


def const(value: Any) -> m.Const:
    return m.Const(value, SPAN)


@dataclass
class Sample:
    a: int
    b: int
    xs: list[int]
    s: str
    o: str | None


COMPARE = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}

ints = st.one_of(
    st.sampled_from(["a", "b"]).map(field),
    st.integers(-3, 3).map(const),
    st.just(m.Call(name("len"), field("xs"), SPAN)),
)


def comparisons() -> st.SearchStrategy[m.Expr]:
    ordered = st.builds(
        lambda op, left, right: m.Compare(op, left, right, SPAN), st.sampled_from(sorted(COMPARE)), ints, ints
    )
    membership = st.builds(
        lambda op, left, items: m.Compare(op, left, m.ListExpr(tuple(map(const, items)), SPAN), SPAN),
        st.sampled_from(["in", "not in"]),
        ints,
        st.lists(st.integers(-3, 3), max_size=3),
    )
    strings = st.builds(
        lambda op, value: m.Compare(op, field("s"), const(value), SPAN),
        st.sampled_from(["==", "!="]),
        st.text(alphabet="ab\"\\\n\x00é'", max_size=4),
    )
    none_checks = st.builds(
        lambda op: m.Compare(op, field("o"), const(None), SPAN), st.sampled_from(["==", "!="])
    )
    return st.one_of(ordered, membership, strings, none_checks)


conditions: st.SearchStrategy[m.Expr] = st.recursive(
    comparisons(),
    lambda inner: st.one_of(
        inner.map(lambda e: m.Not(e, SPAN)),
        st.builds(
            lambda op, items: m.BoolOp(op, tuple(items), SPAN),
            st.sampled_from(["and", "or"]),
            st.lists(inner, min_size=2, max_size=3),
        ),
        # a comparison of booleans: needs parentheses around both sides
        st.builds(lambda l, r: m.Compare("==", l, r, SPAN), inner, inner),
    ),
    max_leaves=8,
)


def evaluate(expr: m.Expr, sample: Sample) -> Any:
    """The meaning of an expression tree, independent of any Python text."""
    if isinstance(expr, m.FieldRef):
        return getattr(sample, expr.field.text)
    if isinstance(expr, m.Const):
        return expr.value
    if isinstance(expr, m.ListExpr):
        return [evaluate(item, sample) for item in expr.items]
    if isinstance(expr, m.Call):
        return len(evaluate(expr.arg, sample))
    if isinstance(expr, m.Not):
        return not evaluate(expr.operand, sample)
    if isinstance(expr, m.BoolOp):
        values = [bool(evaluate(item, sample)) for item in expr.operands]
        return all(values) if expr.op == "and" else any(values)
    assert isinstance(expr, m.Compare)
    left, right = evaluate(expr.left, sample), evaluate(expr.right, sample)
    if expr.op == "in":
        return left in right
    if expr.op == "not in":
        return left not in right
    return COMPARE[expr.op](left, right)


ALLOWED_NODES = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Is,
    ast.IsNot,
    ast.Constant,
    ast.List,
    ast.Load,
    ast.Name,
    ast.Attribute,
    ast.Call,
)


def assert_safe(text: str) -> None:
    for node in ast.walk(ast.parse(text, mode="eval")):
        assert isinstance(node, ALLOWED_NODES), (type(node).__name__, text)
        if isinstance(node, ast.Name):
            assert node.id in ("event", "len"), text
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name) and node.func.id == "len", text


samples = st.builds(
    Sample,
    a=st.integers(-3, 3),
    b=st.integers(-3, 3),
    xs=st.lists(st.integers(-3, 3), max_size=3),
    s=st.text(alphabet="ab\"\\\n\x00é'", max_size=4),
    o=st.none() | st.just("x"),
)


@settings(max_examples=400, deadline=None)
@given(conditions, samples)
def test_compiled_expression_means_what_the_tree_means(expr: m.Expr, sample: Sample) -> None:
    text = python_expr(expr, {None: "event"})
    assert_safe(text)
    compiled = eval(
        compile(ast.parse(text, mode="eval"), "<predicate>", "eval"), {"len": len}, {"event": sample}
    )
    assert bool(compiled) == bool(evaluate(expr, sample)), text
    assert spec_text(expr)  # renders back without error


def test_watch_fields_map_to_parameters() -> None:
    expr = m.Compare(">", field("value", "Upper"), field("value", "Lower"), SPAN)
    assert python_expr(expr, {"Upper": "upper", "Lower": "lower"}) == "upper.value > lower.value"
    assert spec_text(expr) == "Upper.value > Lower.value"


def test_not_in_reads_naturally_and_none_uses_is() -> None:
    expr = m.Not(m.Compare("in", field("s"), m.ListExpr((const("a"),), SPAN), SPAN), SPAN)
    assert python_expr(expr, {None: "event"}) == 'event.s not in ["a"]'
    assert (
        python_expr(m.Compare("!=", field("o"), const(None), SPAN), {None: "event"}) == "event.o is not None"
    )


@pytest.mark.parametrize(
    "hostile",
    ["__import__('os').system('x')", "a.b", "a b", "import", "x;y", "é"],
)
def test_hostile_field_names_never_reach_the_output(hostile: str) -> None:
    with pytest.raises(UnsafeNameError):
        python_expr(field(hostile), {None: "event"})


def test_hostile_strings_stay_literals() -> None:
    payload = '"); import os; os.system("boom"); ("'
    text = python_expr(m.Compare("==", field("s"), const(payload), SPAN), {None: "event"})
    assert_safe(text)
    tree = ast.parse(text, mode="eval").body
    assert isinstance(tree, ast.Compare) and isinstance(tree.comparators[0], ast.Constant)
    assert tree.comparators[0].value == payload


def test_only_len_is_callable() -> None:
    with pytest.raises(ExpressionError):
        python_expr(m.Call(name("eval"), const("1"), SPAN), {None: "event"})


def test_special_floats_become_expressions() -> None:
    assert (
        python_expr(m.Compare("<", field("a"), const(float("inf")), SPAN), {None: "event"})
        == 'event.a < float("inf")'
    )


def test_snake_case_and_parameter_names() -> None:
    assert snake_case("ValidOrder") == "valid_order"
    assert snake_case("HTTPRequest") == "http_request"
    assert snake_case("S1") == "s1"
    assert parameter_names(["Order", "Order", "Class", "List"]) == ["order", "order_2", "class_2", "list_2"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab\"\\'\n\x00\u2028é "), max_size=12))
def test_docstring_literals_round_trip(text: str) -> None:
    literal = docstring(text)
    # The literal is black's: end spaces stripped, a space after a final quote.
    expected = text.strip(" ")
    assert ast.literal_eval(literal) == (expected + " " if expected.endswith('"') else expected)
    assert "\n" not in literal  # one physical line, whatever the spec quoted
