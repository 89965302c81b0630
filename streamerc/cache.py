"""A folder of black's results, so an unchanged file is never formatted twice.

Entries are keyed by a hash of what black was given (the unformatted text,
black's version and the mode); the caller computes the key. The folder lives
outside any output tree: ``$STREAMER_CACHE_DIR``, else
``$XDG_CACHE_HOME/streamer``, else ``~/.cache/streamer``. The cache only ever
saves time: an unreadable, unwritable or damaged entry is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

CACHE_DIR_ENV = "STREAMER_CACHE_DIR"


def default_cache_dir() -> Path:
    """Where streamer keeps its caches on this machine (read from the environment now)."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "streamer"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FormatCache:
    """Formatted text by key, one small file per entry under ``<root>/format``.

    Each entry starts with the hash of the text it holds, so a truncated or
    altered entry is detected and treated as missing.
    """

    def __init__(self, root: Path) -> None:
        self.directory = root / "format"

    def get(self, key: str) -> str | None:
        try:
            data = (self.directory / key).read_bytes()
        except OSError:
            return None
        checksum, newline, body = data.partition(b"\n")
        if not newline or checksum.decode("ascii", "replace") != digest(body):
            return None
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def put(self, key: str, text: str) -> None:
        body = text.encode("utf-8")
        data = digest(body).encode("ascii") + b"\n" + body
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(prefix=f".{key[:16]}.", suffix=".tmp", dir=self.directory)
        except OSError:
            return
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            # Atomic: a concurrent build reads the old entry or the new one, never half.
            os.replace(temporary, self.directory / key)
        except OSError:
            Path(temporary).unlink(missing_ok=True)
