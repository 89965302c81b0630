#!/usr/bin/env bash
# mypy --strict over the runtime (import name `streamer`, folder runtime/) and
# the compiler. mypy cannot follow the editable install's import hook, so it
# reads the runtime through a `streamer` symlink in a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=$(command -v "${PYTHON:-python3}")
case "$PYTHON" in /*) ;; *) PYTHON="$PWD/$PYTHON" ;; esac
shadow=$(mktemp -d)
trap 'rm -rf "$shadow"' EXIT
ln -s "$PWD/runtime" "$shadow/streamer"
ln -s "$PWD/streamerc" "$shadow/streamerc"
cd "$shadow"
"$PYTHON" -m mypy --strict --cache-dir "$shadow/.mypy_cache" -p streamer -p streamerc
