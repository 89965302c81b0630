"""Fixtures for the Kafka bridge tests: one real broker per session, fresh topics per test.

``STREAMER_TEST_BOOTSTRAP`` points the tests at a running broker (``.ci/run``
starts one with ``scripts/kafka-dev start``); without it the session starts its
own development broker and stops it at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from streamer.kafka.devbroker import DevBroker

TESTS_DIR = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(TESTS_DIR):
            item.add_marker(pytest.mark.kafka)


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    configured = os.environ.get("STREAMER_TEST_BOOTSTRAP")
    if configured:
        yield configured
        return
    with DevBroker() as broker:
        yield broker.bootstrap


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> str:
    """A module name no other test uses, so topics and groups are this test's own."""
    test = "".join(ch if ch.isalnum() else "_" for ch in request.node.name)[:40]
    return f"t_{test}_{uuid.uuid4().hex[:8]}"
