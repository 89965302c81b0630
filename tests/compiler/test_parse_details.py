"""Parser details: exact spans, expressions, literals, defaults, and several
syntax errors reported in one run."""

from __future__ import annotations

import pytest

from streamerc import model as m
from streamerc.diagnostics import SpecErrors
from streamerc.parse import parse


def span(line: int, col: int, end_line: int, end_col: int, file: str = "t.stm") -> m.Span:
    return m.Span(file, line, col, end_line, end_col)


def predicate(
    expr_text: str, fields: str = "a: int, s: str, b: bytes, f: float, l: list[int], o: int?"
) -> m.Expr:
    spec = parse(
        f"module t\nexternal event E {{ {fields} }}\nactor A {{ consumes E filter E where {expr_text} }}\n",
        "t.stm",
    )
    expr = spec.actors[0].filters[0].predicate
    assert expr is not None
    return expr


def syntax_errors(text: str) -> list[str]:
    with pytest.raises(SpecErrors) as caught:
        parse(text, "t.stm")
    return [f"{d.span.line}:{d.span.column} {d.code} {d.message}" for d in caught.value.diagnostics]


def test_spans_are_exact_and_one_based_with_exclusive_end() -> None:
    spec = parse("module a.b\n\nevent Order key id {\n  id: str\n}\n", "t.stm")
    assert spec.module == m.Name("a.b", span(1, 8, 1, 11))
    event = spec.events[0]
    assert event.name == m.Name("Order", span(3, 7, 3, 12))
    assert event.key == m.Name("id", span(3, 17, 3, 19))
    assert event.span == span(3, 1, 5, 2)
    assert event.fields[0].name.span == span(4, 3, 4, 5)
    assert event.fields[0].type == m.TypeRef("primitive", span(4, 7, 4, 10), name="str")


def test_fields_separate_by_newline_or_comma_and_comments_are_ignored() -> None:
    text = "module t # the module\nevent E { a: int, b: str # trailing\n c: bool, }\n"
    assert [f.name.text for f in parse(text, "t.stm").events[0].fields] == ["a", "b", "c"]


def test_crlf_line_endings() -> None:
    spec = parse("module t\r\nevent E {\r\n  a: int\r\n}\r\n", "t.stm")
    assert spec.events[0].fields[0].name.span == span(3, 3, 3, 4)


def test_keywords_are_contextual_so_fields_may_use_clause_words() -> None:
    spec = parse("module t\nevent E { key: str, within: int, accept: bool, states: str } \n", "t.stm")
    assert [f.name.text for f in spec.events[0].fields] == ["key", "within", "accept", "states"]


def test_nested_types() -> None:
    spec = parse("module t\nevent E { a: list[list[int?]]?, r: E? }\n", "t.stm")
    a, r = (f.type for f in spec.events[0].fields)
    assert a.kind == "optional" and a.item is not None and a.item.kind == "list"
    inner = a.item.item
    assert inner is not None and inner.kind == "list" and inner.item is not None
    assert inner.item.kind == "optional" and inner.item.item is not None and inner.item.item.name == "int"
    assert r.kind == "optional" and r.item == m.TypeRef("event", span(2, 36, 2, 37), name="E")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("a == 1", 1),
        ("a == -7", -7),
        ("f == 2.5", 2.5),
        ("f == -1e3", -1000.0),
        ('s == "x\\n\\"y\\u00e9"', 'x\n"y\u00e9'),
        ('b == b"\\x00\\xffA"', b"\x00\xffA"),
        ("o == none", None),
    ],
)
def test_literals(text: str, value: object) -> None:
    expr = predicate(text)
    assert isinstance(expr, m.Compare) and isinstance(expr.right, m.Const)
    assert expr.right.value == value
    assert type(expr.right.value) is type(value)


def test_boolean_literals() -> None:
    expr = predicate("true and not false")
    assert isinstance(expr, m.BoolOp)
    first, second = expr.operands
    assert first == m.Const(True, first.span)
    assert isinstance(second, m.Not) and second.operand == m.Const(False, second.operand.span)


def test_precedence_or_and_not_compare() -> None:
    expr = predicate("a > 1 or not a in [1, 2] and len(l) >= 0")
    assert isinstance(expr, m.BoolOp) and expr.op == "or"
    left, right = expr.operands
    assert isinstance(left, m.Compare) and left.op == ">"
    assert isinstance(right, m.BoolOp) and right.op == "and"
    negated, size = right.operands
    assert isinstance(negated, m.Not) and isinstance(negated.operand, m.Compare)
    assert negated.operand.op == "in" and isinstance(negated.operand.right, m.ListExpr)
    assert isinstance(size, m.Compare) and isinstance(size.left, m.Call) and size.left.func.text == "len"


def test_not_in_and_parentheses() -> None:
    expr = predicate('(s not in ["a"]) and (a == 1 or a == 2)')
    assert isinstance(expr, m.BoolOp)
    first, second = expr.operands
    assert isinstance(first, m.Compare) and first.op == "not in"
    assert isinstance(second, m.BoolOp) and second.op == "or"


def test_qualified_field_reference() -> None:
    expr = predicate("E.a == 1")
    assert isinstance(expr, m.Compare) and isinstance(expr.left, m.FieldRef)
    assert expr.left.event is not None and expr.left.event.text == "E"
    assert expr.left.field.text == "a"


@pytest.mark.parametrize(
    ("text", "seconds"), [("250ms", 0.25), ("5s", 5.0), ("2m", 120.0), ("1h", 3600.0), ("1.5s", 1.5)]
)
def test_durations(text: str, seconds: float) -> None:
    spec = parse(f"module t\nactor A {{ service q(E) -> E timeout {text} }}\n", "t.stm")
    assert spec.actors[0].services[0].timeout == seconds


def test_defaults() -> None:
    spec = parse("module t\nactor A { ordered E by n  mailbox 5  join J(E, F) within 1s }\n", "t.stm")
    actor = spec.actors[0]
    assert (actor.workers, actor.supervision, actor.machine) == (1, "resume", None)
    assert actor.ordered is not None
    assert (actor.ordered.start, actor.ordered.advance, actor.ordered.stale) == (0, "auto", "deadletter")
    assert actor.mailbox is not None and actor.mailbox.overflow == "block"
    expiry = actor.joins[0].expiry
    assert expiry is not None and (expiry.action, expiry.emit) == ("drop", None)


def test_state_without_body_and_otherwise_default() -> None:
    spec = parse("module t\nactor A { states { initial final Only } }\n", "t.stm")
    machine = spec.actors[0].machine
    assert machine is not None and machine.otherwise == "defer"
    (state,) = machine.states
    assert (state.initial, state.final, state.accepts) == (True, True, ())


def test_one_error_per_broken_declaration() -> None:
    text = (
        "module t\n"
        "event A { a }\n"  # missing type
        "event B { b: int }\n"  # fine
        "actor C {\n"
        "    consume A\n"  # misspelled keyword
        "}\n"
        "actor D {\n"
        "    emits B\n"  # missing } before the next actor
        "actor E { workers 1 }\n"
        "deploy { process p x2 { C } bogus }\n"
    )
    assert syntax_errors(text) == [
        "2:13 E001 unexpected `}`; expected `:`",
        "5:5 E001 unexpected `consume`; expected `calls`, `collect`, `consumes`, `emits`, `filter`, `join`, "
        "`mailbox`, `on`, `ordered`, `service`, `states`, `watch`, `workers` or `}`",
        "9:1 E001 missing `}` before `actor`",
        "10:29 E001 unexpected `bogus`; expected `process`, `topic` or `}`",
    ]


def test_misspelled_top_level_keywords_each_get_an_error() -> None:
    errors = syntax_errors("module t\nevnt A { a: int }\nacter B { }\nexternal evnt C {}\nevent D { d }\n")
    assert [e.split(";")[0] for e in errors] == [
        "2:1 E001 unexpected `evnt`",
        "3:1 E001 unexpected `acter`",
        "4:10 E001 unexpected `evnt`",
        "5:13 E001 unexpected `}`",
    ]


def test_a_missing_module_line_is_reported_once() -> None:
    errors = syntax_errors("event A { a: int }\nevent B { b }\n")
    assert errors == [
        "1:1 E001 unexpected `event`; expected `module`",
        "2:13 E001 unexpected `}`; expected `:`",
    ]


def test_a_broken_module_line_does_not_hide_later_errors() -> None:
    errors = syntax_errors("module 3\nevent A { a }\n")
    assert [e.split(" E001")[0] for e in errors] == ["1:8", "2:13"]


def test_syntax_error_count_is_bounded() -> None:
    text = "module t\n" + "event A { a }\n" * 500
    assert len(syntax_errors(text)) == 20


def test_clause_problems_are_all_reported() -> None:
    text = "module t\nactor A {\n  workers 1\n  workers 2\n  on error stop\n  on error resume\n}\n"
    assert syntax_errors(text) == [
        "4:3 E004 `workers` is given more than once here",
        "6:3 E004 `on error` is given more than once here",
    ]


def test_two_deploy_sections() -> None:
    assert syntax_errors("module t\ndeploy { }\ndeploy { }\n") == ["3:1 E004 a spec has one `deploy` section"]


def test_one_error_per_broken_clause_inside_a_declaration() -> None:
    text = (
        "module t\n"
        "actor A {\n"
        "    consume A\n"  # 3: misspelled keyword
        "    emits X Y\n"  # 4: missing comma
        "    filter A where x = 1\n"  # 5: `=` for `==`
        "        and y > 2\n"
        "    workers 2\n"
        "    service q(A) -> B\n"  # 8: missing timeout
        "}\n"
        "deploy {\n"
        "    process p { A B }\n"  # 11: missing comma
        '    topic X "x" partitions\n'  # 12: missing number
        "}\n"
    )
    assert [e.split(";")[0] for e in syntax_errors(text)] == [
        "3:5 E001 unexpected `consume`",
        "4:13 E001 unexpected `Y`",
        "5:22 E001 unexpected character `=`",
        "8:22 E001 missing `timeout`",
        "11:19 E001 unexpected `B`",
        "12:27 E001 missing a whole number",
    ]


def test_an_unterminated_string_does_not_hide_the_closing_brace() -> None:
    text = 'module t\nactor A {\n    filter X where s == "abc\n}\nevent B { b }\n'
    assert [e.split(";")[0] for e in syntax_errors(text)] == [
        "3:25 E001 unterminated string",
        "5:13 E001 unexpected `}`",
    ]
