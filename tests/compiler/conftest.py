"""Compiler test options and helpers shared by the code-generation tests.

``pytest --update-golden`` (or ``STREAMER_UPDATE_GOLDEN=1``) rewrites the
golden files from the current compiler instead of comparing against them.
"""

from __future__ import annotations

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/compiler/golden/ from the current compiler output",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    from_option = bool(request.config.getoption("--update-golden", default=False))
    return from_option or os.environ.get("STREAMER_UPDATE_GOLDEN") == "1"
