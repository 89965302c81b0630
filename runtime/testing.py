"""TestDriver: run a whole topology in memory, on the calling thread, deterministically.

Every ``send`` runs the system to completion before it returns: the event, all
it causes, and all that causes, handled one item at a time in the global order
items were queued (breadth-first). Time is a ``VirtualClock`` moved only by
``advance``, so expiries and timeouts fire exactly when the test says. Buffers
never block here (a single thread cannot wait for itself); drop policies still
shed. The gates, joins, state machines and supervision are the very code the
threaded ``System`` runs.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any, TypeVar

from .actor import Actor
from .clock import VirtualClock
from .core import ActorCore
from .deadletter import DEAD_LETTER_STREAM, DeadLetter
from .envelope import Envelope
from .errors import ActorFailure, StreamerError, SystemStoppedError
from .host import Assembly, Unit, make_on_shed
from .items import Task
from .mailbox import Lane, Mailbox
from .services import Reply
from .topology import Overflow, Topology

T = TypeVar("T")


class _DriverMailbox(Mailbox):
    """A mailbox that reports every queued item to the driver's run queue."""

    def __init__(
        self,
        label: str,
        capacity: int,
        overflow: Overflow,
        on_shed: Callable[[Any, str], None],
        ready: deque[Mailbox],
    ) -> None:
        super().__init__(label, capacity, overflow, on_shed)
        self._ready = ready
        self.set_draining()

    def put(self, item: Any) -> bool:
        queued = super().put(item)
        if queued:
            self._ready.append(self)
        return queued

    def put_control(self, item: Any) -> bool:
        queued = super().put_control(item)
        if queued:
            self._ready.append(self)
        return queued

    def put_lane(self, lane: Lane, item: Any) -> bool:
        queued = super().put_lane(lane, item)
        if queued:
            self._ready.append(self)
        return queued


class TestDriver:
    """Deterministic in-memory runner for tests of user handlers."""

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        topology: Topology,
        handlers: Mapping[str, type[Actor]] | ModuleType,
        *,
        start_time: float = 1_000_000.0,
    ) -> None:
        self.clock = VirtualClock(start_time)
        self._ready: deque[Mailbox] = deque()
        on_shed = make_on_shed()
        self._assembly = Assembly(
            topology,
            handlers,
            clock=self.clock,
            process=None,
            make_mailbox=lambda label, capacity, overflow: _DriverMailbox(
                label, capacity, overflow, on_shed, self._ready
            ),
            workers=lambda spec: 1,
            escalate=self._escalate,
        )
        self._tables: dict[int, Unit] = {}
        for unit in self._assembly.units:
            self._tables[id(unit.mailbox)] = unit
        self._published: list[Envelope] = []
        for stream in self._assembly.broker.streams():
            if stream.name != DEAD_LETTER_STREAM:
                stream.add_sink(self._published.append)
        self.failure: ActorFailure | None = None
        self._running = False
        self._stopped = False
        for core in self._assembly.cores.values():
            self._assembly.post(core.name, Task(core.on_start))
        self._run()

    # ---- driving ---------------------------------------------------------------

    def send(self, event: Any, source: str = "test", name: str | None = None) -> Envelope:
        """Publish an event (as if from ``source``) and run until nothing is left to do."""
        self._check_alive()
        envelope = self._assembly.publish(event, source, name)
        self._run()
        self._check_alive()
        return envelope

    def advance(self, seconds: float) -> None:
        """Move virtual time forward, firing due timers (expiries, call timeouts) in order."""
        self._check_alive()
        self.clock.advance(seconds, after_each=self._run)
        self._run()
        self._check_alive()

    def call(self, actor: str, method: str, request: Any) -> Reply[Any]:
        """Call a service and return its reply. If none came once the system is
        idle, time advances by the service's timeout, so a timeout is returned."""
        self._check_alive()
        replies: list[Reply[Any]] = []
        self._assembly.request("test", actor, method, request, None, replies.append)
        self._run()
        if not replies:
            service = next(s for s in self._assembly.topology.actor(actor).services if s.method == method)
            self.clock.advance(service.timeout, after_each=self._run)
            self._run()
        self._check_alive()
        return replies[0]

    def subscribe(self, name: str, callback: Callable[[Any], Any], *, with_envelope: bool = False) -> None:
        unit, _, _ = self._assembly.subscribe(
            name, callback, with_envelope=with_envelope, buffer=1 << 30, overflow="block"
        )
        self._tables[id(unit.mailbox)] = unit

    def _run(self) -> None:
        if self._running:
            return
        self._running = True
        try:
            ready = self._ready
            while ready and self.failure is None:
                box = ready.popleft()
                item = box.take_nowait()
                if item is not None:
                    self._tables[id(box)].table[item.name](item)
        finally:
            self._running = False

    def _escalate(self, actor: str, error: BaseException) -> None:
        if self.failure is None:
            self.failure = ActorFailure(f"actor {actor} failed under the escalate policy: {error!r}")
            self.failure.__cause__ = error

    def _check_alive(self) -> None:
        if self.failure is not None:
            raise self.failure
        if self._stopped:
            raise SystemStoppedError("the test driver was stopped")

    # ---- assertions ------------------------------------------------------------

    def emitted(self, type: type[T] | None = None) -> list[T]:
        """Events published by actors so far (not those sent by the test), in
        publication order; only those of ``type`` if given."""
        actors = self._assembly.cores
        return [
            envelope.event
            for envelope in self._published
            if envelope.source in actors and (type is None or isinstance(envelope.event, type))
        ]

    def envelopes(self, name: str | None = None) -> list[Envelope]:
        """Every envelope published (sent or emitted), optionally of one stream."""
        return [envelope for envelope in self._published if name is None or envelope.name == name]

    def clear(self) -> None:
        """Forget what was published so far (dead letters too)."""
        self._published.clear()
        self._assembly.dead_letters.clear()

    def state(self, actor: str) -> str | None:
        return self._core(actor).state

    def actor(self, name: str) -> Actor:
        """The live handler instance of an actor (to inspect what it stored)."""
        return self._core(name).instance

    @property
    def dead_letters(self) -> list[DeadLetter]:
        return list(self._assembly.dead_letters)

    def held(self, actor: str | None = None) -> int:
        """Events held by gates, joins and collects (of one actor, or all)."""
        if actor is None:
            return self._assembly.held()
        return self._core(actor).held()

    def stats(self) -> dict[str, Any]:
        return self._assembly.stats()

    def stop(self) -> None:
        """Run ``on_stop`` hooks; afterwards the driver refuses input."""
        for core in self._assembly.cores.values():
            self._assembly.post(core.name, Task(core.on_stop))
        self._run()
        self._stopped = True
        self._assembly.broker.close()

    def _core(self, actor: str) -> ActorCore:
        try:
            return self._assembly.cores[actor]
        except KeyError:
            raise StreamerError(f"no actor named {actor!r}") from None

