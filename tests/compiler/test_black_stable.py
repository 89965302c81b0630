"""The templates print black's output, so black's first pass changes nothing.

``streamerc build`` still runs black over every generated file (its output is
black's whatever the spec's names), but black is cheap on text it would leave
unchanged: it formats once and splits no lines. These tests hold the raw
rendered text (``render.render_sources``) to exactly black's output, for every
golden and example spec and for benchmark specs with short and very long
names, and check ``layout``'s pieces against black on random inputs.
"""

from __future__ import annotations

import difflib
import gc
import importlib.util
import random
import re
from pathlib import Path
from types import ModuleType
from typing import Literal

import black
import pytest

from streamerc import model as m
from streamerc import render
from streamerc.build import compile_spec
from streamerc.layout import Brackets, Node, Text, fits, keyword, lay_out, string_literal
from streamerc.predicates import python_expr, return_statement
from streamerc.render import BLACK_MODE, render_sources
from streamerc.view import build_views

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = sorted((ROOT / "tests" / "compiler" / "golden").glob("*.stm"))
EXAMPLES = sorted((ROOT / "examples").glob("*/*.stm"))


def _specgen() -> ModuleType:
    location = importlib.util.spec_from_file_location("bench_specgen", ROOT / "bench" / "specgen.py")
    assert location is not None and location.loader is not None
    module = importlib.util.module_from_spec(location)
    location.loader.exec_module(module)
    return module


def _long_names(spec: str, width: int) -> str:
    """The benchmark spec with every event, actor, state and most field names
    ``width`` characters longer, so signatures, imports, predicates and the
    topology call need line breaks."""
    pad = "X" * width
    events_and_actors = r"\b(Request|Stock|Valid|Matched|Expired|Done|Validator|Matcher|Finisher|Ready)(\d+)\b"
    spec = re.sub(events_and_actors, lambda found: f"{found.group(1)}{pad}{found.group(2)}", spec)
    spec = re.sub(r"\b(Idle|Busy|Waiting|Matching)\b", lambda found: found.group(1) + pad, spec)
    return re.sub(r"\b(customer|items|total|express|count)\b", lambda found: f"{found.group(1)}_{pad.lower()}", spec)


def _raw_files(spec_path: Path) -> dict[str, str]:
    compiled = compile_spec(spec_path)
    assert compiled.ok and compiled.spec is not None, [d.message for d in compiled.diagnostics]
    rendered = render_sources(build_views(compiled.spec))
    files = {**rendered.files, rendered.starter[0]: rendered.starter[1]}
    return {path: text for path, text in files.items() if path.endswith(".py")}


def _assert_black_stable(spec_path: Path) -> None:
    files = _raw_files(spec_path)
    assert len(files) == 6  # five package modules and the starter handler file
    for path, raw in files.items():
        formatted = black.format_str(raw, mode=BLACK_MODE)
        lines = difflib.unified_diff(raw.splitlines(), formatted.splitlines(), "rendered", "black", lineterm="")
        diff = "\n".join(lines)
        assert formatted == raw, f"{spec_path.name}: {path} is not black's output:\n{diff}"


@pytest.mark.parametrize("spec_path", GOLDEN + EXAMPLES, ids=[p.stem for p in GOLDEN + EXAMPLES])
def test_rendered_text_is_blacks_output(spec_path: Path) -> None:
    _assert_black_stable(spec_path)


def test_every_example_and_golden_spec_is_covered() -> None:
    assert len(GOLDEN) >= 10 and len(EXAMPLES) >= 3


@pytest.mark.parametrize("width", [0, 12, 25, 40])
def test_benchmark_spec_is_blacks_output(width: int, tmp_path: Path) -> None:
    """Width 0 is the benchmark's own spec; wider names force every kind of
    line break (hugged and exploded calls, signatures, split predicates)."""
    spec_path = tmp_path / "big.stm"
    spec_path.write_text(_long_names(_specgen().generate(3), width), encoding="utf-8")
    _assert_black_stable(spec_path)


def test_long_names_do_break_lines(tmp_path: Path) -> None:
    """The widest case really exercises the line breaking it is there for."""
    spec_path = tmp_path / "big.stm"
    spec_path.write_text(_long_names(_specgen().generate(2), 40), encoding="utf-8")
    files = _raw_files(spec_path)
    topology = files["bench_big/topology.py"]
    assert "    return (\n" in topology  # a predicate split at its operators
    assert re.search(r"^def \w+\(\n    event: \w+,\n\) -> bool:$", topology, re.M)  # a lone parameter
    assert re.search(r"^                Input\(\n", topology, re.M)  # a call that no longer fits
    assert re.search(r"^            \w+=\(\n", topology, re.M)  # an exploded tuple
    assert "from streamer.topology import (\n" in topology
    assert re.search(r"^    def \w+\(\n        self, ctx: [^\n]+\n    \) -> None:$", files["bench_big/actors.py"], re.M)


# ---- the layout pieces against black on random inputs --------------------------


def _random_node(rng: random.Random, depth: int) -> Node:
    words = ["a", "name", "handler", "VeryLongEventNameForTesting", "x" * rng.randint(1, 40)]
    if depth > 3 or rng.random() < 0.35:
        return Text(rng.choice([string_literal(rng.choice(words)), "None", str(rng.randint(0, 99999))]))
    items = tuple(_random_node(rng, depth + 1) for _ in range(rng.choice([0, 1, 1, 2, 3, 5, 8])))
    kind = rng.random()
    if kind < 0.4:
        return Brackets("(", items, display=True)
    if kind < 0.5 and items:
        return Brackets("Literal[", items, "]")
    return Brackets(rng.choice(words).capitalize() + "(", tuple(keyword(rng.choice(words), item) for item in items))


@pytest.mark.parametrize("seed", range(0, 600, 100))
def test_calls_and_tuples_are_laid_out_as_black_does(seed: int) -> None:
    """From one long line black reaches the layout's text, and leaves it alone."""
    for rng in (random.Random(n) for n in range(seed, seed + 100)):
        node = _random_node(rng, 0)
        if not isinstance(node, Brackets):
            continue
        statement = node.prefixed("VALUE = ")
        laid_out = "\n".join(lay_out(statement)) + "\n"
        assert black.format_str(statement.flat + "\n", mode=BLACK_MODE) == laid_out
        assert black.format_str(laid_out, mode=BLACK_MODE) == laid_out


@pytest.mark.parametrize("seed", range(5))
def test_signatures_are_laid_out_as_black_does(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(100):
        params = tuple(
            Text(f"p{i}_{'x' * rng.randint(0, 30)}: {'T' * rng.randint(1, 30)}") for i in range(rng.randint(1, 4))
        )
        definition = Brackets(f"def f{'n' * rng.randint(1, 60)}(", params, ") -> None:", parameters=True)
        source = "class A:\n" + "\n".join(lay_out(definition, "    ")) + '\n        """Doc."""\n'
        flat = "class A:\n    " + definition.flat + '\n        """Doc."""\n'
        assert black.format_str(flat, mode=BLACK_MODE) == source


SPAN = m.Span("t.stm", 1, 1, 1, 2)


def _random_condition(rng: random.Random, depth: int) -> m.Expr:
    if depth > 2 or rng.random() < 0.4:
        field: m.Expr = m.FieldRef(None, m.Name("f" + "x" * rng.randint(0, 30), SPAN), SPAN)
        if rng.random() < 0.2:
            field = m.Call(m.Name("len", SPAN), field, SPAN)
        op: Literal["==", "!=", "<", ">", "in", "not in"] = rng.choice(["==", "!=", "<", ">", "in", "not in"])
        right: m.Expr
        if op in ("in", "not in"):
            right = m.ListExpr(tuple(m.Const("s" * rng.randint(1, 12), SPAN) for _ in range(rng.randint(0, 4))), SPAN)
        else:
            right = m.Const(rng.choice([0, 1.5, "abc" * rng.randint(0, 5), None, True]), SPAN)
        return m.Compare(op, field, right, SPAN)
    if rng.random() < 0.15:
        return m.Not(_random_condition(rng, depth + 1), SPAN)
    operands = tuple(_random_condition(rng, depth + 1) for _ in range(rng.randint(2, 4)))
    return m.BoolOp(rng.choice(["and", "or"]), operands, SPAN)


def test_predicates_are_laid_out_as_black_does() -> None:
    """Where ``return_statement`` lays a predicate out (every line fits), the
    text is black's; it leaves only the rare case black splits inside a bracket
    to black."""
    laid_out = 0
    for rng in (random.Random(n) for n in range(700)):
        expr = _random_condition(rng, 0)
        body = return_statement(expr, {None: "event"}, "    ")
        if not all(fits(line) for line in body.split("\n")):
            assert "\n" not in body  # left whole for black
            continue
        laid_out += 1
        flat = f"def f(event: E) -> bool:\n    return {python_expr(expr, {None: 'event'})}\n"
        assert black.format_str(flat, mode=BLACK_MODE) == f"def f(event: E) -> bool:\n{body}\n"
    assert laid_out > 560


@pytest.mark.parametrize(
    "value", ["", "plain", "it's", 'say "hi"', "both ' and \"", "'\"'\"\"", "back\\slash\n", "é\x00"]
)
def test_string_literals_are_blacks(value: str) -> None:
    for literal in (string_literal(value), string_literal(value.encode("unicode_escape"))):
        assert black.format_str(f"x = {literal}\n", mode=BLACK_MODE) == f"x = {literal}\n"
        assert eval(literal) in (value, value.encode("unicode_escape"))  # noqa: S307 - a literal we built


WIDE_SPEC = """module uni.wide

external event Greeting key id {{
    id: str
    text: str
}}

event Answer {{ id: str }}

actor Greeter {{
    consumes Greeting
    emits Answer
    filter Greeting where text != "{wide}" and id != "キー"
}}

actor Sink {{
    consumes Answer
}}
"""


@pytest.mark.parametrize("count", [8, 14, 20, 26, 32])
def test_wide_characters_count_double_as_black_counts_them(count: int, tmp_path: Path) -> None:
    """East Asian wide characters take two columns in black's line length."""
    spec_path = tmp_path / "wide.stm"
    spec_path.write_text(WIDE_SPEC.format(wide="語" * count), encoding="utf-8")
    _assert_black_stable(spec_path)


@pytest.mark.parametrize("enabled", [True, False])
def test_black_runs_with_the_collector_paused_and_restored(enabled: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    original = black.format_str

    def spy(source: str, *, mode: black.Mode) -> str:
        seen.append(gc.isenabled())
        return original(source, mode=mode)

    monkeypatch.setattr(black, "format_str", spy)
    was = gc.isenabled()
    try:
        if not enabled:
            gc.disable()
        assert render._black("x = 1\n") == "x = 1\n"
        assert gc.isenabled() is enabled
    finally:
        if was:
            gc.enable()
    assert seen == [False]
