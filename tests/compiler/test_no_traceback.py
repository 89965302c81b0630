"""No input, however malformed, makes the front end raise anything but
``SpecErrors``: a deterministic mutation fuzzer over the valid and invalid
specs, hypothesis-generated text and bytes, and the classic nasty inputs.
Every diagnostic produced must also render."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streamerc.check import check
from streamerc.diagnostics import Diagnostic, SpecErrors, decode_source, display_text, render
from streamerc.parse import parse

HERE = Path(__file__).parent
SEEDS = sorted((HERE.parent / "specs").glob("*.stm")) + sorted((HERE / "invalid").glob("*.stm"))

TOKENS = (
    "module event external key actor consumes latest emits workers mailbox overflow on error "
    "restart resume stop escalate filter only from not where and or in len join by within expire "
    "drop deadletter emit collect until watch when ordered advance auto manual stale pass service "
    "timeout calls states otherwise defer reject initial final accept rename as buffer deploy topic "
    "partitions process exactly_once x3 x0 block drop_oldest list int float str bytes bool true "
    "false none Order Tx Block A B id hash 0 1 -1 99999999999999999999 1.5 5s 250ms 2m 0s { } ( ) [ ] "
    ', . : ? -> == != < <= > >= # " b" \\ \n \t \x00 \u00e9 \U0001f600 \r'
).split(" ") + ["\n", "\t", '"abc"', 'b"\\x00"', '"\\q"', '"', "#comment\n"]


def front_end(text: str, file: str = "fuzz.stm") -> list[Diagnostic]:
    """Parse and check; render every diagnostic. Anything else raised fails the test."""
    try:
        diagnostics = check(parse(text, file))
    except SpecErrors as errors:
        diagnostics = errors.diagnostics
        assert diagnostics, "SpecErrors must carry diagnostics"
    for diag in diagnostics:
        assert diag.span.line >= 1 and diag.span.column >= 1
        rendered = render(diag, text)
        assert rendered.startswith(
            f"{file}:{diag.span.line}:{diag.span.column}: {diag.severity}[{diag.code}]: "
        )
    return diagnostics


def front_end_bytes(data: bytes) -> list[Diagnostic]:
    text, problems = decode_source(data, "fuzz.stm")
    if text is None:
        assert [d.code for d in problems] == ["E005"]
        render(problems[0], display_text(data))
        return problems
    return front_end(text)


# ---- mutation fuzzer ------------------------------------------------------------


def mutate(rng: random.Random, text: str) -> str:
    if not text:
        return rng.choice(TOKENS)
    i = rng.randrange(len(text))
    j = min(len(text), i + rng.randrange(1, 40))
    op = rng.randrange(7)
    if op == 0:  # character flip
        return text[:i] + chr(rng.choice([rng.randrange(32, 127), rng.randrange(0, 0x3000)])) + text[i + 1 :]
    if op == 1:  # truncation
        return text[:i]
    if op == 2:  # duplicate a slice
        return text[:j] + text[i:j] + text[j:]
    if op == 3:  # delete a slice
        return text[:i] + text[j:]
    if op == 4:  # insert a random token
        return text[:i] + " " + rng.choice(TOKENS) + " " + text[i:]
    if op == 5:  # replace a word-sized slice with a token
        return text[:i] + rng.choice(TOKENS) + text[j:]
    return text[i:] + text[:i]  # rotate


VALID = [p.read_text(encoding="utf-8") for p in sorted((HERE.parent / "specs").glob("*.stm"))]
INVALID = [p.read_text(encoding="utf-8") for p in sorted((HERE / "invalid").glob("*.stm"))]


@pytest.mark.parametrize("seed", range(4))
def test_mutated_specs_never_crash(seed: int) -> None:
    rng = random.Random(seed)
    codes: set[str] = set()
    for _ in range(600):
        text = rng.choice(VALID if rng.random() < 0.6 else INVALID)
        for _ in range(rng.randrange(1, 6)):
            text = mutate(rng, text)
        codes.update(d.code for d in front_end(text))
    # The mutations reach past the parser into the checker.
    assert "E001" in codes and len(codes) >= 10, sorted(codes)


def test_mutated_bytes_never_crash() -> None:
    rng = random.Random(99)
    sources = [p.read_bytes() for p in SEEDS]
    for _ in range(400):
        data = bytearray(rng.choice(sources))
        for _ in range(rng.randrange(1, 4)):
            if data:
                data[rng.randrange(len(data))] = rng.randrange(256)
        front_end_bytes(bytes(data))


# ---- hypothesis -------------------------------------------------------------------

FUZZ_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ_SETTINGS
@given(st.text())
def test_arbitrary_text(text: str) -> None:
    front_end(text)


@FUZZ_SETTINGS
@given(st.binary())
def test_arbitrary_bytes(data: bytes) -> None:
    front_end_bytes(data)


@FUZZ_SETTINGS
@given(st.lists(st.sampled_from(TOKENS), max_size=60))
def test_token_soup_after_a_module_line(tokens: list[str]) -> None:
    front_end("module m\n" + " ".join(tokens))


@FUZZ_SETTINGS
@given(
    st.lists(st.sampled_from(TOKENS), max_size=40),
    st.sampled_from([p.name for p in SEEDS]),
    st.integers(0, 10_000),
)
def test_tokens_spliced_into_a_spec(tokens: list[str], seed_name: str, at: int) -> None:
    source = next(p for p in SEEDS if p.name == seed_name).read_text(encoding="utf-8")
    at %= len(source) + 1
    front_end(source[:at] + " ".join(tokens) + source[at:])


# ---- the classics -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("   \n\t\n", id="blank"),
        pytest.param("module m\nevent A { a: int }\n" + "x" * 1_000_000, id="1MB line"),
        pytest.param("module m\n# " + "#" * 1_000_000 + "\nevent", id="1MB comment"),
        pytest.param("{" * 10_000, id="10k braces"),
        pytest.param("module m\nactor A {" + "{" * 10_000 + "}" * 10_000, id="10k braces in actor"),
        pytest.param(
            "module m\nactor A { filter E where " + "(" * 10_000 + "x" + ")" * 10_000 + " }", id="10k parens"
        ),
        pytest.param("module m\nactor A { filter E where " + "not " * 10_000 + "x }", id="10k nots"),
        pytest.param(
            "module m\nactor A { filter E where x in " + "[" * 10_000 + "]" * 10_000 + " }", id="10k lists"
        ),
        pytest.param('module m\nactor A { filter E where x == "abc', id="unterminated string"),
        pytest.param('module m\ndeploy { topic E "unterminated\n}', id="unterminated topic"),
        pytest.param('module m\nactor A { filter E where x == b"abc', id="unterminated bytes"),
        pytest.param("\x00\x01\x02\xff\ufffe\ud800", id="control and surrogates"),
        pytest.param("module m\nactor A { workers " + "9" * 10_000 + " }", id="huge number"),
    ],
)
def test_nasty_text(text: str) -> None:
    assert front_end(text), "every one of these inputs is invalid"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(bytes(range(256)) * 4, id="binary junk"),
        pytest.param(b"module m\nevent A { \xff\xfe: int }\n", id="invalid utf-8"),
        pytest.param(b"\xef\xbb\xbfmodule m\n", id="bom then valid"),
        pytest.param(b"module m\n\xc3", id="truncated utf-8"),
    ],
)
def test_nasty_bytes(data: bytes) -> None:
    front_end_bytes(data)


# ---- structured specs: every clause, random cross-references ------------------------

NAMES = st.sampled_from(
    ["A", "B", "Tx", "Block", "S1", "Start", "Event", "x", "id", "key", "missing", "class"]
)
TYPES = st.sampled_from(
    ["int", "str", "bytes", "float", "bool", "list[int]", "list[str]", "str?", "A", "B?", "list[B]"]
)
DURATIONS = st.sampled_from(["0s", "5s", "250ms", "2m"])
EXPRS = st.sampled_from(
    ["x > 0", "len(x) > 1", 'id == "a"', "x in [1, 2]", "not key", "A.x == B.x", "x == none", "x", "f(x)"]
)


@st.composite
def event_decl(draw: st.DrawFn) -> str:
    fields = ", ".join(f"{draw(NAMES)}: {draw(TYPES)}" for _ in range(draw(st.integers(0, 4))))
    key = f" key {draw(NAMES)}" if draw(st.booleans()) else ""
    external = "external " if draw(st.booleans()) else ""
    return f"{external}event {draw(NAMES)}{key} {{ {fields} }}"


@st.composite
def clause(draw: st.DrawFn) -> str:
    n, n2, n3 = draw(NAMES), draw(NAMES), draw(NAMES)
    expiry = draw(st.sampled_from(["", f" within {draw(DURATIONS)}", f" within 1s expire emit {n3}"]))
    return draw(
        st.sampled_from(
            [
                f"consumes {n}, latest {n2}",
                f"emits {n}",
                f"workers {draw(st.integers(0, 3))}",
                f"mailbox {draw(st.integers(0, 3))} overflow drop_oldest",
                "on error restart",
                f"filter {n} only from {n2}",
                f"filter {n} where {draw(EXPRS)}",
                f"join {n3}({n}, {n2}) by {draw(NAMES)}{expiry}",
                f"join {n3}({n}){expiry}",
                f"collect {n3}({n} by {draw(NAMES)} until {n2}.{draw(NAMES)}){expiry}",
                f"watch {n3}({n}, {n2}) when {draw(EXPRS)}",
                f"ordered {n}, {n2} by {draw(NAMES)} from 1 advance manual stale pass",
                f"service {draw(NAMES)}({n}) -> {n2} timeout {draw(DURATIONS)}",
                f"calls {n}.{n2}",
                f"states otherwise reject {{ initial {n} {{ accept {n2} defer {n3} }} final {n2} {n} -> {n2} on {n3} {n3} -> {n} }}",
                f"states {{ {n} {n2} {n} -> {n3} }}",
            ]
        )
    )


@st.composite
def structured_spec(draw: st.DrawFn) -> str:
    parts = ["module m"]
    parts += draw(st.lists(event_decl(), max_size=5))
    for _ in range(draw(st.integers(0, 3))):
        body = "\n    ".join(draw(st.lists(clause(), max_size=6)))
        parts.append(f"actor {draw(NAMES)} {{\n    {body}\n}}")
    if draw(st.booleans()):
        parts.append(f"rename {draw(NAMES)} as {draw(NAMES)}")
        parts.append(f"buffer {draw(NAMES)} {draw(st.integers(0, 3))}")
    if draw(st.booleans()):
        parts.append(
            f'deploy {{ topic {draw(NAMES)} "t.{draw(NAMES)}" partitions {draw(st.integers(0, 2))} '
            f"process p x{draw(st.integers(0, 2))} {{ {draw(NAMES)}, {draw(NAMES)} }} process q {{ }} }}"
        )
    return "\n".join(parts) + "\n"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(structured_spec())
def test_structured_specs(text: str) -> None:
    front_end(text)
