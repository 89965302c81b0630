"""The table of invalid specs: each ``invalid/NAME.stm`` must produce exactly
the diagnostics in ``invalid/NAME.out`` (rendered: position, code, message,
source line, caret, hint)."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamerc.check import check
from streamerc.diagnostics import Diagnostic, SpecErrors, render_all
from streamerc.parse import parse

CASES = Path(__file__).parent / "invalid"
CASE_NAMES = sorted(p.stem for p in CASES.glob("*.stm"))


def diagnose(text: str, file: str) -> list[Diagnostic]:
    try:
        spec = parse(text, file)
    except SpecErrors as errors:
        return errors.diagnostics
    return check(spec)


def test_the_table_is_complete() -> None:
    assert len(CASE_NAMES) >= 60
    assert sorted(p.stem for p in CASES.glob("*.out")) == CASE_NAMES


@pytest.mark.parametrize("name", CASE_NAMES)
def test_invalid_spec_diagnostics(name: str) -> None:
    text = (CASES / f"{name}.stm").read_text(encoding="utf-8")
    expected = (CASES / f"{name}.out").read_text(encoding="utf-8")
    diagnostics = diagnose(text, f"{name}.stm")
    assert diagnostics, "an invalid spec must produce diagnostics"
    assert render_all(diagnostics, text) + "\n" == expected


def test_every_error_code_in_the_docs_has_a_case() -> None:
    """Each code the checker can emit is exercised by at least one case."""
    seen: set[str] = set()
    for name in CASE_NAMES:
        text = (CASES / f"{name}.stm").read_text(encoding="utf-8")
        seen.update(d.code for d in diagnose(text, name))
    documented = {
        "E001", "E002", "E003", "E004",
        "E101", "E102", "E103", "E104", "E105", "E106", "E107", "E108",
        "E110", "E120", "E121", "E122", "E130", "E131",
        "E201", "E202", "E203", "E204", "E205", "E206", "E207", "E208",
        "E209", "E210", "E211", "E212", "E213",
        "E301", "E302", "E303", "E304", "E305", "E306", "E307",
        "E401", "E402", "E404",
        "W120", "W130", "W131", "W132", "W201", "W301",
    }  # fmt: skip
    assert documented <= seen, sorted(documented - seen)
