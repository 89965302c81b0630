"""Dead letters: what the runtime could not deliver or handle, never dropped silently.

They are published on the stream ``$deadletter`` (subscribe to it like any
stream) and the most recent ones are kept on ``System.dead_letters``.
"""

from __future__ import annotations

from .envelope import Envelope
from .event import Event

DEAD_LETTER_STREAM = "$deadletter"


class DeadLetter(Event, frozen=True, kw_only=True):
    actor: str
    """The actor (or subscriber) that gave the event up."""
    reason: str
    error: str = ""
    """The exception's type, message and traceback, when one was raised."""
    envelope: Envelope | None = None
    """The original envelope, when there was one."""
