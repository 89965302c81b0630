"""Fixtures for runtime tests: every System started in a test is stopped after it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import streamer


@pytest.fixture(autouse=True)
def stop_every_system(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[streamer.System]]:
    started: list[streamer.System] = []
    original = streamer.System.start

    def start(self: streamer.System) -> None:
        started.append(self)
        original(self)

    monkeypatch.setattr(streamer.System, "start", start)
    yield started
    for system in started:
        system.stop(timeout=5.0)
