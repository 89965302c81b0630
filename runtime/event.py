"""Base class of every typed event: an immutable msgspec struct.

Generated event classes subclass ``Event`` with ``frozen=True, kw_only=True``.
msgspec gives cheap construction, structural equality and validated decoding.
"""

from __future__ import annotations

import msgspec


class Event(msgspec.Struct, frozen=True, kw_only=True):
    """An immutable, typed record. Subclasses declare annotated fields."""
