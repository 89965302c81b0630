#!/usr/bin/env bash
# The whole test suite, from a fresh machine: a private virtualenv, the project
# with its test extras, then pytest. Kafka tests use STREAMER_TEST_BOOTSTRAP
# when set, otherwise the test session starts its own development broker.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test,bench]'
exec .venv/bin/python -m pytest "$@"
