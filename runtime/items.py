"""Runtime items that share actor mailboxes with envelopes.

Mailbox consumers dispatch on ``item.name``; these names start with ``$`` so
they can never collide with a spec's event names.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .envelope import Envelope

if TYPE_CHECKING:
    from .context import Context

TASK = "$task"
REMOTE = "$remote"


class Task:
    """Run ``fn(ctx)`` on the actor's thread (timer expiries, continuations, hooks)."""

    __slots__ = ("fn",)
    name = TASK
    sheddable = False

    def __init__(self, fn: Callable[[Context[Any]], None]) -> None:
        self.fn = fn


class Ack:
    """Counts the local subscribers still working on a remote envelope; calls
    ``done`` exactly once when the last one has finished with it."""

    __slots__ = ("_remaining", "_done", "_lock")

    def __init__(self, remaining: int, done: Callable[[], None]) -> None:
        self._remaining = remaining
        self._done = done
        self._lock = threading.Lock()

    def release(self) -> None:
        with self._lock:
            self._remaining -= 1
            finished = self._remaining == 0
        if finished:
            self._done()


class RemoteItem:
    """An envelope that arrived through the transport, with its acknowledgement:
    ``done`` is the transport's own callback when one subscriber takes the
    envelope, an ``Ack``'s ``release`` when several do."""

    __slots__ = ("envelope", "done")
    name = REMOTE

    def __init__(self, envelope: Envelope, done: Callable[[], None]) -> None:
        self.envelope = envelope
        self.done = done
