"""``python -m <package> --process NAME``: clear errors before anything runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parent


def run_app(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("STREAMER_KAFKA_")}
    clean["PYTHONPATH"] = str(TESTS_DIR)
    return subprocess.run(
        [sys.executable, "-m", "kafka_apps.pipeline", *args],
        env={**clean, **(env or {})}, capture_output=True, text=True, timeout=60,
    )


def test_unknown_process_is_named_with_the_known_ones() -> None:
    result = run_app("--process", "nope", "--bootstrap-servers", "127.0.0.1:1")
    assert result.returncode == 2
    assert "nope" in result.stderr and "workers" in result.stderr


def test_missing_bootstrap_servers_says_how_to_give_them() -> None:
    result = run_app("--process", "workers")
    assert result.returncode == 2
    assert "STREAMER_KAFKA_BOOTSTRAP" in result.stderr


def test_unreachable_cluster_fails_the_start_with_its_address() -> None:
    result = run_app(
        "--process", "workers", "--bootstrap-servers", "127.0.0.1:1",
        env={"STREAMER_KAFKA_CONNECT_TIMEOUT": "2"},
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert "127.0.0.1:1" in result.stderr


def test_bad_kafka_setting_is_reported() -> None:
    result = run_app("--process", "workers", "--bootstrap-servers", "127.0.0.1:1", "--kafka-setting", "oops")
    assert result.returncode == 2
    assert "KEY=VALUE" in result.stderr
