"""System: a topology running on worker threads in this process.

Lifecycle: ``start()``; ``stop()`` refuses new outside input, drains every
accepted event through the handlers (including what they emit on the way),
fails calls still pending, runs ``on_stop`` hooks, then joins every thread,
all within a timeout. A second ``stop()`` returns the first one's result.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from .actor import Actor
from .clock import Clock, RealClock
from .deadletter import DeadLetter
from .envelope import Envelope, next_id
from .errors import ActorFailure, ServiceError, SystemStoppedError
from .host import Assembly, consumed_names, make_on_shed
from .items import Task
from .mailbox import Mailbox
from .runner import Worker
from .services import Reply
from .topology import Overflow, Topology
from .transport import Transport

log = logging.getLogger("streamer.system")


@dataclass(frozen=True)
class StopResult:
    drained: bool
    """Every accepted event went through the handlers before the threads stopped."""
    undelivered: int
    """Items still queued when the timeout forced the stop (0 when drained)."""
    held: int
    """Events still held by gates, joins and collects (waiting for what never came)."""
    threads_alive: int
    """Worker threads that did not finish within the timeout."""


def _inline_runners(workers: list[Worker]) -> dict[str, Callable[[Any], bool]]:
    """``Worker.run_inline`` of every actor that has exactly one worker."""
    by_actor: dict[str, list[Worker]] = {}
    for worker in workers:
        core = worker.unit.core
        if core is not None:
            by_actor.setdefault(core.name, []).append(worker)
    return {actor: found[0].run_inline for actor, found in by_actor.items() if len(found) == 1}


def _counted(counter: itertools.count[int]) -> int:
    return int(repr(counter)[6:-1])


class System:
    def __init__(
        self,
        topology: Topology,
        handlers: Mapping[str, type[Actor]] | ModuleType,
        *,
        clock: Clock | None = None,
        process: str | None = None,
        transport: Transport | None = None,
        inline_calls: bool = True,
    ) -> None:
        self.topology = topology
        self.clock: Clock = clock if clock is not None else RealClock()
        on_shed = make_on_shed()
        self._assembly = Assembly(
            topology,
            handlers,
            clock=self.clock,
            process=process,
            make_mailbox=lambda label, capacity, overflow: Mailbox(label, capacity, overflow, on_shed),
            workers=lambda spec: spec.workers,
            escalate=self._escalate,
        )
        self.process = process
        self._transport = transport if process is not None else None
        self._workers = [Worker(unit) for unit in self._assembly.units]
        self._inline = _inline_runners(self._workers) if inline_calls else {}
        """Actor -> how ``call`` runs a request on the caller's thread when the
        actor (one worker) is idle: no thread hand-off in either direction."""
        self._state = "new"
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._result: StopResult | None = None
        self.failure: ActorFailure | None = None
        self._entered = itertools.count()
        self._left = itertools.count()
        self._enter = self._entered.__next__
        self._leave = self._left.__next__
        self._open = False
        """Outside input accepted (the hot-path form of ``_state == "running"``)."""
        self._now = self.clock.now
        self._by_type = self._assembly.broker.unique_types()
        self._streams = self._assembly.broker.streams()
        # The method below documents the API; instances use the faster closure.
        self.publish = self._fast_publish()  # type: ignore[method-assign]
        self.outgoing, self.incoming = self._crossing()
        if self._transport is not None:
            for name in self.outgoing:
                self._assembly.broker.stream(name).add_sink(self._transport.send)

    # ---- lifecycle -------------------------------------------------------------

    def start(self) -> None:
        with self._lock:
            if self._state != "new":
                raise SystemStoppedError(f"start() on a system that is {self._state}")
            self._state = "running"
            self._open = True
        self.clock.start()
        # on_start is queued first (control items go before events) and the
        # workers start last, so an on_start that emits finds the transport
        # ready, and runs before any event the transport delivers.
        for core in self._assembly.cores.values():
            self._assembly.post(core.name, Task(core.on_start))
        try:
            if self._transport is not None:
                self._transport.start(self.outgoing, self.incoming, self.deliver)
        finally:
            for worker in self._workers:
                worker.start()

    def __enter__(self) -> System:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._state == "running"

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the system has stopped (e.g. after an escalation)."""
        return self._stopped.wait(timeout)

    def stop(self, timeout: float = 10.0) -> StopResult | None:
        """Stop intake, drain, join threads. Harmless to call again. Called from a
        handler, it stops the system from another thread and returns None."""
        if any(threading.current_thread() is worker.thread for worker in self._workers):
            threading.Thread(target=self.stop, args=(timeout,), name="streamer-stop", daemon=True).start()
            return None
        with self._lock:
            state = self._state
            if state == "new":
                self._state = "stopped"
                self._result = StopResult(True, 0, 0, 0)
                self._stopped.set()
            elif state == "running":
                self._state = "stopping"
                self._open = False
        if state != "running":
            self._stopped.wait(timeout)
            return self._result
        result = self._shutdown(time.monotonic() + timeout)
        self._result = result
        with self._lock:
            self._state = "stopped"
        self._stopped.set()
        return result

    def _shutdown(self, deadline: float) -> StopResult:
        assembly = self._assembly
        for worker in self._workers:
            worker.unit.mailbox.set_draining()
        drained = self._quiesce(deadline)
        if assembly.services.fail_all(ServiceError("the system is stopping")):
            drained = self._quiesce(deadline) and drained
        for core in assembly.cores.values():
            assembly.post(core.name, Task(core.on_stop))
        drained = self._quiesce(deadline) and drained
        undelivered = 0
        for worker in self._workers:
            undelivered += len(worker.unit.mailbox.close())
        for worker in self._workers:
            worker.thread.join(max(deadline - time.monotonic(), 0.05))
        alive = sum(worker.thread.is_alive() for worker in self._workers)
        assembly.broker.close()
        self.clock.stop()
        if self._transport is not None:
            try:
                self._transport.stop(max(deadline - time.monotonic(), 1.0))
            except Exception:
                log.exception("transport failed to stop cleanly")
        held = assembly.held()
        if undelivered or alive:
            log.error(
                "stop timed out: %d queued item(s) not handled, %d thread(s) still running", undelivered, alive
            )
        if held:
            log.warning("stopped with %d event(s) still held by gates, joins or collects", held)
        return StopResult(drained and not undelivered, undelivered, held, alive)

    def _activity(self) -> int | None:
        """Total items finished, or None while anything is queued, running or entering."""
        # Left is read first: entered counts read later can equal it only if
        # no publisher was between enter and leave when it was read.
        left = _counted(self._left)
        if _counted(self._entered) + sum(stream.entered for stream in self._streams) != left:
            return None
        total = 0
        for worker in self._workers:
            if not worker.idle():
                return None
            total += worker.done
        return total

    def _quiesce(self, deadline: float) -> bool:
        """Wait until two scans in a row find every worker idle with nothing new done."""
        previous: int | None = None
        pause = threading.Event()
        while time.monotonic() < deadline:
            current = self._activity()
            if current is not None and current == previous:
                return True
            previous = current
            pause.wait(0.001 if current is not None else 0.005)
        return False

    def _escalate(self, actor: str, error: BaseException) -> None:
        if self.failure is None:
            self.failure = ActorFailure(f"actor {actor} failed under the escalate policy: {error!r}")
            self.failure.__cause__ = error
        log.error("actor %s escalated %r: stopping the system", actor, error)
        threading.Thread(target=self.stop, name="streamer-escalate", daemon=True).start()

    # ---- outside input and output -------------------------------------------------

    def publish(self, event: Any, source: str = "external", name: str | None = None) -> Envelope:
        """Publish an event from outside the actors; blocks while a ``block``
        buffer is full. Raises ``UnknownStreamError``, ``EventTypeError`` or
        ``SystemStoppedError`` (and ``QueueFullError`` for ``error`` buffers)."""
        return self._fast_publish()(event, source, name)  # replaced per instance in __init__

    def _fast_publish(self) -> Callable[..., Envelope]:
        """``publish`` as a closure over everything it reads: the hot path of
        every outside event. The enter/leave counters (a stream's ``outside``
        counter on the direct path) let ``stop()`` wait for publishers already
        past the open check."""
        enter, leave, now = self._enter, self._leave, self._now
        by_type = self._by_type.get
        system, assembly = self, self._assembly

        def publish(event: Any, source: str = "external", name: str | None = None) -> Envelope:
            stream = by_type(event.__class__)
            if stream is not None and name is None and source.__class__ is str and source:
                box = stream.direct
                if box is not None:
                    # One mailbox behind the stream: Stream.publish inlined. The
                    # stream's ``outside`` counter is the published count and the
                    # "entered" count stop() waits on, in one step.
                    stream.outside()
                    try:
                        if system._open:
                            ident = next_id()
                            envelope = Envelope(ident, stream.name, source, ident, None, now(), event)
                            items = box.items
                            if len(items) < box.capacity and not box.closed:
                                items.append(envelope)
                                if box.consumer_waiting:
                                    box.wake()
                            elif stream.closed:
                                stream.refused()
                                raise stream.stopped_error()
                            else:
                                box.put(envelope)
                            return envelope
                        stream.refused()
                    finally:
                        leave()
            enter()
            try:
                if system._open and name is None and source.__class__ is str and source:
                    if stream is not None:
                        ident = next_id()
                        envelope = Envelope(ident, stream.name, source, ident, None, now(), event)
                        stream.publish(envelope)
                        return envelope
                if system._state != "running":
                    raise SystemStoppedError(f"cannot publish: the system is {system._state}")
                return assembly.publish(event, source, name)
            finally:
                leave()

        return publish

    def deliver(self, envelope: Envelope, done: Callable[[], None]) -> None:
        """The transport's entry point (see ``streamer.transport``)."""
        next(self._entered)
        try:
            if self._state != "running":
                raise SystemStoppedError(f"cannot deliver {envelope.name}: the system is {self._state}")
            self._assembly.deliver_remote(envelope, done)
        finally:
            next(self._left)

    def subscribe(
        self,
        name: str,
        callback: Callable[[Any], Any],
        *,
        with_envelope: bool = False,
        buffer: int = 1024,
        overflow: Overflow = "block",
    ) -> Callable[[], None]:
        """Call ``callback(event)`` (or ``callback(envelope)``) for every event on a
        stream, on a thread of its own. ``"$deadletter"`` carries ``DeadLetter``s.
        Returns a function that unsubscribes."""
        unit, stream, subscription = self._assembly.subscribe(
            name, callback, with_envelope=with_envelope, buffer=buffer, overflow=overflow
        )
        worker = Worker(unit)
        with self._lock:
            self._workers.append(worker)
            if self._state in ("running", "stopping"):
                worker.start()

        def unsubscribe() -> None:
            stream.remove(subscription)

        return unsubscribe

    def call(self, actor: str, method: str, request: Any) -> Future[Reply[Any]]:
        """Call a service from outside the actors. The future's result is always a
        ``Reply`` (errors and timeouts are values), never an exception."""
        future: Future[Reply[Any]] = Future()
        if self._state != "running":
            future.set_result(Reply(error=ServiceError(f"{actor}.{method}: the system is {self._state}")))
            return future
        inline = self._inline.get(actor)
        if inline is None:
            self._assembly.request("external", actor, method, request, None, future.set_result)
            return future
        self._enter()  # seen by stop() as work in progress, like a publish
        try:
            self._assembly.request("external", actor, method, request, None, future.set_result, inline)
        finally:
            self._leave()
        return future

    # ---- introspection -----------------------------------------------------------

    @property
    def host(self) -> Assembly:
        """The assembled system behind this one (streams, actors, services,
        dead letters): what a transport attaches to for remote service calls."""
        return self._assembly

    @property
    def dead_letters(self) -> list[DeadLetter]:
        """The most recent dead letters (also published on ``$deadletter``)."""
        return list(self._assembly.dead_letters)

    def state(self, actor: str) -> str | None:
        return self._assembly.cores[actor].state

    def stats(self) -> dict[str, Any]:
        return self._assembly.stats()

    def _crossing(self) -> tuple[frozenset[str], frozenset[str]]:
        """(outgoing, incoming) event names for the transport of this process."""
        if self.process is None:
            return frozenset(), frozenset()
        local = {spec.name for spec in self._assembly.local}
        external = {event.name for event in self.topology.events if event.external}
        emitted_here: set[str] = set()
        emitted_there: set[str] = set()
        consumed_here: set[str] = set()
        consumed_there: set[str] = set()
        for spec in self.topology.actors:
            here = spec.name in local
            (emitted_here if here else emitted_there).update(spec.emits)
            (consumed_here if here else consumed_there).update(consumed_names(spec))
        outgoing = (emitted_here | external) & consumed_there
        incoming = consumed_here & (emitted_there | external)
        return frozenset(outgoing), frozenset(incoming)
