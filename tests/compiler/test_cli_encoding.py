"""A spec with bytes that are not UTF-8: a diagnostic with the line and a caret, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamerc.cli import main


def test_bad_bytes_are_shown_in_their_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "bad.stm"
    spec.write_bytes(b"module x\nevent A { a: int }\n  \xff oops\n")
    out = tmp_path / "out"
    assert main(["build", str(spec), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{spec}:3:3: error[E005]: file is not valid UTF-8: byte 0xff cannot be decoded\n" in err
    assert "  \ufffd oops\n  ^\n" in err
    assert "Traceback" not in err
    assert not out.exists()
