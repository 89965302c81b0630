"""Rendering of diagnostics, did-you-mean, and reading spec files safely."""

from __future__ import annotations

from pathlib import Path

from streamerc.diagnostics import (
    Diagnostic,
    DiagnosticSink,
    decode_source,
    did_you_mean,
    has_errors,
    read_source,
    render,
)
from streamerc.model import Span


def diag(line: int, col: int, end_line: int, end_col: int, hint: str | None = None) -> Diagnostic:
    return Diagnostic(
        "error", "E101", "unknown event `Blok`", Span("s.stm", line, col, end_line, end_col), hint
    )


def test_render_exact_format() -> None:
    source = "module m\nactor A {\n    consumes Blok\n}\n"
    assert render(diag(3, 14, 3, 18, "did you mean `Block`?"), source) == (
        "s.stm:3:14: error[E101]: unknown event `Blok`\n"
        "    consumes Blok\n"
        "             ^^^^\n"
        "  = hint: did you mean `Block`?"
    )


def test_render_warning_without_hint() -> None:
    d = Diagnostic("warning", "W130", "`Out` is emitted but no actor consumes it", Span("s.stm", 1, 7, 1, 10))
    assert render(d, "emits Out") == (
        "s.stm:1:7: warning[W130]: `Out` is emitted but no actor consumes it\nemits Out\n      ^^^"
    )


def test_caret_keeps_tabs_so_it_lines_up() -> None:
    source = "\t\tconsumes\tBlok"
    rendered = render(diag(1, 12, 1, 16), source).splitlines()
    assert rendered[2] == "\t\t        \t^^^^"


def test_multi_line_span_underlines_to_the_end_of_its_first_line() -> None:
    source = "actor A {\n}\n"
    assert render(diag(1, 7, 2, 2), source).splitlines()[1:] == ["actor A {", "      ^^^"]


def test_empty_span_gets_one_caret() -> None:
    assert render(diag(1, 4, 1, 4), "abcdef").splitlines()[2] == "   ^"


def test_span_past_the_end_of_the_line() -> None:
    assert render(diag(1, 9, 1, 10), "abc").splitlines()[2] == "   ^"


def test_span_outside_the_source_prints_only_the_message() -> None:
    assert render(diag(9, 1, 9, 2), "one line") == "s.stm:9:1: error[E101]: unknown event `Blok`"


def test_long_lines_are_cut_to_a_window_around_the_span() -> None:
    source = "a" * 5000 + " Blok " + "b" * 5000
    lines = render(diag(1, 5002, 1, 5006), source).splitlines()
    assert len(lines[1]) < 200
    assert lines[1].startswith("...") and lines[1].endswith("...")
    caret_at = lines[2].index("^")
    assert lines[1][caret_at : caret_at + 4] == "Blok"
    assert lines[2].endswith("^^^^")


def test_crlf_source_lines_have_no_carriage_return() -> None:
    assert render(diag(2, 1, 2, 5), "module m\r\nBlok\r\n").splitlines()[1] == "Blok"


def test_did_you_mean() -> None:
    assert did_you_mean("Blok", ["Block", "Tx", "Order"]) == "did you mean `Block`?"
    assert did_you_mean("order", ["Order", "Tx"]) == "did you mean `Order`?"
    assert did_you_mean("Zebra", ["Block", "Tx"]) is None
    assert did_you_mean("Tx", ["Tx"]) is None


def test_sink_sorts_by_position() -> None:
    sink = DiagnosticSink()
    sink.warning("W130", "b", Span("s", 3, 1, 3, 2))
    sink.error("E101", "a", Span("s", 1, 5, 1, 6))
    assert [d.code for d in sink.sorted()] == ["E101", "W130"]
    assert has_errors(sink.items) and not has_errors([sink.items[0]])


def test_invalid_utf8_is_a_diagnostic_with_the_bad_byte_position() -> None:
    text, problems = decode_source(
        "module m\nevent É\xff".encode("utf-8", "surrogateescape")[:-2] + b"\xff", "s.stm"
    )
    assert text is None
    (problem,) = problems
    assert (problem.code, problem.span.line, problem.span.column) == ("E005", 2, 8)
    assert "0xff" in problem.message


def test_bom_is_dropped() -> None:
    assert decode_source(b"\xef\xbb\xbfmodule m\n", "s.stm") == ("module m\n", [])


def test_read_source_reports_a_missing_file(tmp_path: Path) -> None:
    text, problems = read_source(tmp_path / "missing.stm", display="missing.stm")
    assert text is None
    assert [(p.code, p.span.file) for p in problems] == [("E006", "missing.stm")]


def test_read_source_reads_utf8(tmp_path: Path) -> None:
    path = tmp_path / "ok.stm"
    path.write_bytes("module café\n".encode())
    assert read_source(path) == ("module café\n", [])
