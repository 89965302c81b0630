"""The handler context: how user code talks to the runtime.

One ``Context`` per worker thread, reused for every event that worker handles;
``envelope`` is the envelope being handled. ``emit`` is on the hot path and
kept short.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .envelope import Envelope, next_id
from .errors import EventTypeError, StreamerError
from .services import Reply, ReplyHandle

if TYPE_CHECKING:
    from .broker import Stream
    from .core import ActorCore

E = TypeVar("E")


class Context(Generic[E]):
    """Passed to every handler as ``ctx``. ``E`` is the union of event types the
    actor may emit (the generated base narrows it)."""

    __slots__ = ("actor", "envelope", "worker", "_core", "_emits", "_now", "_reply", "_answered", "filtered")

    def __init__(self, core: ActorCore, worker: int) -> None:
        self.actor: str = core.name
        self.envelope: Envelope | None = None
        """The envelope being handled (None in ``on_start``/``on_stop``)."""
        self.worker = worker
        self._core = core
        self._emits: dict[type[Any], tuple[str, Stream]] = core.emit_map
        self._now = core.clock.now
        self._reply: ReplyHandle[Any] | None = None
        self._answered = False
        self.filtered = 0
        """Events this worker's filters stopped (summed per actor in stats)."""

    @property
    def state(self) -> str | None:
        return self._core.state

    def emit(self, event: E) -> None:
        """Publish an event this actor declares it emits; the envelope carries
        this actor as source and continues the trace of the event being handled."""
        try:
            name, stream = self._emits[type(event)]
        except KeyError:
            raise EventTypeError(self._core.emit_error(event)) from None
        cause = self.envelope
        ident = next_id()
        if cause is None:
            envelope = Envelope(ident, name, self.actor, ident, None, self._now(), event)
        else:
            envelope = Envelope(ident, name, self.actor, cause.trace_id, cause.id, self._now(), event)
        box = stream.direct
        if box is None:
            stream.publish(envelope)
            return
        # The stream feeds one mailbox: its ``publish`` inlined, one call less per emit.
        if stream.closed:
            raise stream.stopped_error()
        stream.count()
        items = box.items
        if len(items) < box.capacity and not box.closed:
            items.append(envelope)
            if box.consumer_waiting:
                box.wake()
        else:
            box.put(envelope)

    def goto(self, state: str) -> None:
        """Move the state machine along a declared transition (``TransitionError`` otherwise)."""
        self._core.goto(self, state)

    def advance(self, sequence: int) -> None:
        """Set the ordered gate's current sequence (manual mode; allowed in auto too)."""
        self._core.advance(sequence)

    def call(
        self,
        actor: str,
        method: str,
        request: Any,
        then: Callable[[Context[E], Reply[Any]], None],
    ) -> None:
        """Call ``actor.method(request)``; ``then(ctx, reply)`` runs later on this
        actor's thread with the reply, an error or a timeout, exactly once."""
        self._core.call(self, actor, method, request, then)

    def defer_reply(self) -> ReplyHandle[Any]:
        """Inside a service handler: answer later through the returned handle
        (the handler then returns None)."""
        handle = self._reply
        if handle is None:
            raise StreamerError(f"actor {self.actor}: defer_reply() outside a service handler")
        self._answered = True
        return handle

    def reply(self, value: Any) -> bool:
        """Inside a service handler: answer now (same as returning the value)."""
        handle = self._reply
        if handle is None:
            raise StreamerError(f"actor {self.actor}: reply() outside a service handler")
        self._answered = True
        return handle.reply(value)

    def now(self) -> float:
        return self._now()

    def discard(self, collect: str, where: Callable[[Any], bool]) -> int:
        """Drop items a collect holds for which ``where(item)`` holds (the
        reference system's ``clear(height)``); returns how many were dropped."""
        return self._core.discard(collect, where)
