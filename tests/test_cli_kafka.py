"""`streamerc kafka` is the development broker's command line (scripts/kafka-dev)."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamerc.cli import main


def test_status_of_a_broker_that_is_not_running_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kafka", "--state", str(tmp_path / "none.json"), "status"]) == 1


def test_help_lists_the_broker_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["kafka", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for command in ("start", "stop", "status", "fetch"):
        assert command in out
