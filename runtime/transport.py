"""The hook through which events cross process boundaries (Kafka lives in ``streamer.kafka``).

Contract:

- ``start(outgoing, incoming, deliver)``: ``outgoing`` are the event names this
  process must send (emitted or published here, consumed by actors of other
  processes); ``incoming`` are the names it must receive (consumed here, emitted
  elsewhere or external). For each received envelope the transport calls
  ``deliver(envelope, done)``: it puts the envelope into the local broker,
  blocking while local buffers are full (backpressure), and ``done()`` is called
  exactly once, after every local subscriber has finished with it (handled,
  filtered, held by a gate, join or collect, or dead-lettered). Store the offset
  then. ``deliver`` raises ``UnknownStreamError``/``EventTypeError`` for an
  envelope that fits no local stream; ``SystemStoppedError`` after stop.
- ``send(envelope)``: called on the emitting thread for each outgoing envelope;
  it should not block for long (produce asynchronously, apply backpressure only
  when the producer's own buffer is full). It must not deliver the envelope back
  to this process: local subscribers already got it.
- ``stop(timeout)``: called after the local system drained: flush, commit, close.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from .envelope import Envelope

Deliver = Callable[[Envelope, Callable[[], None]], None]


class Transport(Protocol):
    def start(self, outgoing: frozenset[str], incoming: frozenset[str], deliver: Deliver) -> None: ...

    def send(self, envelope: Envelope) -> None: ...

    def stop(self, timeout: float) -> None: ...
