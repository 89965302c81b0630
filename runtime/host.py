"""The assembled system, minus threads: streams, actors, subscriptions, dead
letters and service routing built from a ``Topology``.

``System`` runs an assembly on worker threads; ``TestDriver`` runs one on the
calling thread. Each unit of work is a mailbox plus the route table that
consumes it (one per actor worker, one per outside subscriber).
"""

from __future__ import annotations

import itertools
import logging
import threading
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .binding import bind
from .broker import Broker, Stream, Subscription
from .clock import Clock
from .core import ActorCore, new_request_envelope
from .deadletter import DEAD_LETTER_STREAM, DeadLetter
from .envelope import Envelope, new_envelope, next_id
from .errors import EventTypeError, ServiceError, StreamerError, TopologyError
from .items import REMOTE, Ack, RemoteItem
from .mailbox import LANE, LATEST, LaneItem, LatestSlot, Mailbox
from .services import REQUEST, Reply, ServiceCall, ServiceRegistry
from .topology import ActorSpec, Overflow, ServiceSpec, Topology

log = logging.getLogger("streamer.system")

MakeMailbox = Callable[[str, int, Overflow], Mailbox]
Route = Callable[[Any], None]

DEAD_LETTERS_KEPT = 10_000


@dataclass
class Unit:
    """A mailbox and the table that consumes it: what one worker thread runs."""

    label: str
    mailbox: Mailbox
    table: dict[str, Route]
    core: ActorCore | None = None
    worker: int = 0
    exclusive: threading.Lock = field(default_factory=threading.Lock)
    """Held by whoever runs the table: the worker for each batch, or a caller
    running a service call inline (see ``Worker.run_inline``)."""


def _release(item: Any, reason: str) -> None:
    """A queued item was shed or refused: acknowledge remote envelopes anyway."""
    if type(item) is LaneItem:
        item = item.item
    if type(item) is RemoteItem:
        item.done()


def local_actors(topology: Topology, process: str | None) -> list[ActorSpec]:
    if process is None:
        return list(topology.actors)
    for placement in topology.processes:
        if placement.name == process:
            return [topology.actor(name) for name in placement.actors]
    known = ", ".join(p.name for p in topology.processes) or "none declared"
    raise TopologyError(f"unknown process {process!r} (processes: {known})")


def consumed_names(spec: ActorSpec) -> set[str]:
    names = {item.event for item in spec.inputs}
    names.update(rule.event for rule in spec.filters)
    for join in spec.joins:
        names.update(join.parts)
    for collect in spec.collects:
        names.update((collect.item, collect.until))
    for watch in spec.watches:
        names.update(watch.inputs)
    return names


def validate(topology: Topology) -> None:
    """Reject references to undeclared events or actors up front, all at once."""
    events = {event.name for event in topology.events}
    actors = {actor.name for actor in topology.actors}
    problems = []
    for alias, target in topology.renames:
        if target not in events:
            problems.append(f"rename {alias} -> {target}: {target} is not declared")
    for stream in topology.streams:
        if stream.event not in events:
            problems.append(f"buffer for undeclared event {stream.event}")
    for actor in topology.actors:
        for name in sorted(consumed_names(actor) | set(actor.emits)):
            if name not in events:
                problems.append(f"actor {actor.name} uses undeclared event {name}")
        for call in actor.calls:
            if call.actor not in actors:
                problems.append(f"actor {actor.name} calls undeclared actor {call.actor}")
        for service in actor.services:
            for name in (service.request, service.reply):
                if name not in events:
                    problems.append(f"service {actor.name}.{service.method} uses undeclared event {name}")
    for placement in topology.processes:
        for name in placement.actors:
            if name not in actors:
                problems.append(f"process {placement.name} places undeclared actor {name}")
    if problems:
        raise TopologyError("invalid topology: " + "; ".join(problems))


class Assembly:
    def __init__(
        self,
        topology: Topology,
        handlers: Any,
        *,
        clock: Clock,
        process: str | None,
        make_mailbox: MakeMailbox,
        workers: Callable[[ActorSpec], int],
        escalate: Callable[[str, BaseException], None],
    ) -> None:
        validate(topology)
        self.topology = topology
        self.clock = clock
        self.process = process
        self.services = ServiceRegistry(clock)
        self._make_mailbox = make_mailbox
        self._escalate = escalate
        self.broker = Broker(topology.renames)
        for event in topology.events:
            self.broker.declare(event.name, event.type, event.key)
        self._dead_stream = self.broker.declare(DEAD_LETTER_STREAM, DeadLetter)
        self.dead_letters: deque[DeadLetter] = deque(maxlen=DEAD_LETTERS_KEPT)
        self._dead_count = itertools.count()
        self.local = local_actors(topology, process)
        classes = bind(handlers, self.local)
        self.cores: dict[str, ActorCore] = {}
        self.mailboxes: dict[str, list[Mailbox]] = {}
        self.units: list[Unit] = []
        self._remote_streams: dict[str, Stream] = {}
        """Streams by the names the transport delivers (aliases resolved once)."""
        self._services: dict[tuple[str, str], tuple[ServiceSpec, type[Any]]] = {
            (actor.name, service.method): (service, topology.event(service.request).type)
            for actor in topology.actors
            for service in actor.services
        }
        self.remote_request: Callable[[ServiceCall, str], bool] | None = None
        """Set by a transport that carries service calls to other processes."""
        buffers = {stream.event: stream for stream in topology.streams}
        for spec in self.local:
            count = max(1, workers(spec))
            labels = [f"actor {spec.name}[{i}]" for i in range(count)] if count > 1 else [f"actor {spec.name}"]
            boxes = [make_mailbox(label, spec.mailbox, spec.overflow) for label in labels]
            stateful = bool(spec.machine or spec.ordered or spec.joins or spec.collects or spec.watches)
            core = ActorCore(spec, topology, classes[spec.name], self, serialize=count > 1 and stateful)
            self.cores[spec.name] = core
            self.mailboxes[spec.name] = boxes
            for index, box in enumerate(boxes):
                ctx = core.context(index)
                self.units.append(Unit(box.label, box, core.routes(ctx), core, index))
            latest = {item.event for item in spec.inputs if item.latest}
            for name in sorted(consumed_names(spec)):
                stream = self.broker.stream(name)
                buffer = buffers.get(name)
                stream.add(
                    Subscription(
                        f"{name} -> {spec.name}",
                        boxes,
                        key=stream.key,
                        latest=name in latest,
                        buffer=buffer.buffer if buffer is not None else None,
                        overflow=buffer.overflow if buffer is not None else "block",
                    )
                )

    # ---- Host protocol (used by ActorCore) ----------------------------------

    def stream(self, name: str) -> Stream:
        return self.broker.stream(name)

    def dead_letter(
        self, actor: str, reason: str, error: BaseException | str | None, envelope: Envelope | None
    ) -> None:
        if isinstance(error, BaseException):
            text = "".join(traceback.format_exception(error))
        else:
            text = error or ""
        letter = DeadLetter(actor=actor, reason=reason, error=text, envelope=envelope)
        self.dead_letters.append(letter)
        count = next(self._dead_count) + 1
        if count <= 10 or count % 1000 == 0:
            last_line = text.strip().splitlines()[-1] if text.strip() else ""
            log.warning("dead letter #%d from %s: %s%s", count, actor, reason, f" ({last_line})" if last_line else "")
        ident, now = next_id(), self.clock.now()
        if envelope is None:
            wrapped = Envelope(ident, DEAD_LETTER_STREAM, actor, ident, None, now, letter)
        else:
            wrapped = Envelope(ident, DEAD_LETTER_STREAM, actor, envelope.trace_id, envelope.id, now, letter)
        if not self._dead_stream.closed:
            self._dead_stream.publish(wrapped)

    @property
    def dead_letter_count(self) -> int:
        return int(repr(self._dead_count)[6:-1])

    def post(self, actor: str, item: Any, worker: int = 0) -> bool:
        boxes = self.mailboxes.get(actor)
        if boxes is None:
            return False
        return boxes[worker % len(boxes)].put_control(item)

    def escalate(self, actor: str, error: BaseException) -> None:
        self._escalate(actor, error)

    def request(
        self,
        source: str,
        actor: str,
        method: str,
        request: Any,
        cause: Envelope | None,
        deliver: Callable[[Reply[Any]], None],
        inline: Callable[[ServiceCall], bool] | None = None,
    ) -> None:
        """Send a service call; ``deliver`` gets its reply. ``inline`` may run the
        call on this thread instead of queueing it (True when it did)."""
        label = f"{actor}.{method}"
        found = self._services.get((actor, method))
        if found is None:
            try:
                spec = self.topology.actor(actor)
            except KeyError:
                deliver(Reply(error=ServiceError(f"{label}: unknown actor {actor!r}")))
                return
            offered = ", ".join(s.method for s in spec.services) or "none"
            deliver(Reply(error=ServiceError(f"{label}: no such service (offered: {offered})")))
            return
        service, expected = found
        if type(request) is not expected:
            deliver(
                Reply(error=ServiceError(f"{label} takes {expected.__name__}, got {type(request).__name__}"))
            )
            return
        correlation = self.services.open(label, service.timeout, deliver)
        envelope = new_request_envelope(service.request, source, request, cause, self.clock.now())
        call = ServiceCall(method, envelope, correlation)
        if inline is not None and inline(call):
            return
        if actor in self.mailboxes:
            delivered = self.post(actor, call)
        elif self.remote_request is not None:
            delivered = self.remote_request(call, actor)
        else:
            delivered = False
        if not delivered:
            self.services.resolve(
                correlation, Reply(error=ServiceError(f"{label}: actor {actor} is not running in this process"))
            )

    # ---- outside input -------------------------------------------------------

    def publish(self, event: Any, source: str, name: str | None) -> Envelope:
        if not isinstance(source, str) or not source:
            raise StreamerError(f"source must be a non-empty string, got {source!r}")
        stream = self.broker.stream_for(event, name)
        envelope = new_envelope(stream.name, event, source, self.clock.now())
        stream.publish(envelope)
        return envelope

    def deliver_remote(self, envelope: Envelope, done: Callable[[], None]) -> None:
        """Transport entry: see ``streamer.transport``."""
        stream = self._remote_streams.get(envelope.name)
        if stream is None:
            stream = self._remote_streams[envelope.name] = self.broker.stream(envelope.name)
        box = stream.direct
        if box is not None and envelope.event.__class__ is stream.type and not stream.closed:
            # The stream feeds one plain mailbox: ``deliver_item`` inlined.
            box.put(RemoteItem(envelope, done))
            return
        if type(envelope.event) is not stream.type:
            raise EventTypeError(
                f"stream {stream.name!r} carries {stream.type.__name__}, got {type(envelope.event).__name__}"
            )
        if stream.closed:
            stream.publish(envelope)  # raises SystemStoppedError
        subscriptions = stream.subscriptions
        if not subscriptions:
            done()
            return
        if len(subscriptions) == 1:
            subscriptions[0].deliver_item(RemoteItem(envelope, done), envelope)
            return
        release = Ack(len(subscriptions), done).release
        for subscription in subscriptions:
            subscription.deliver_item(RemoteItem(envelope, release), envelope)

    def subscribe(
        self,
        name: str,
        callback: Callable[[Any], Any],
        *,
        with_envelope: bool,
        buffer: int,
        overflow: Overflow,
    ) -> tuple[Unit, Stream, Subscription]:
        stream = self.broker.stream(name)
        label = f"subscriber {getattr(callback, '__qualname__', 'callback')} of {stream.name}"
        box = self._make_mailbox(label, buffer, overflow)

        def route(envelope: Envelope) -> None:
            try:
                callback(envelope if with_envelope else envelope.event)
            except Exception as error:
                if stream.name == DEAD_LETTER_STREAM:
                    log.exception("%s raised", label)
                else:
                    self.dead_letter(label, "subscriber callback raised", error, envelope)

        table = wrapper_routes()
        table[stream.name] = route
        unit = Unit(label, box, table)
        subscription = Subscription(label, [box])
        self.units.append(unit)
        stream.add(subscription)
        return unit, stream, subscription

    # ---- introspection -------------------------------------------------------

    def held(self) -> int:
        return sum(core.held() for core in self.cores.values())

    def stats(self) -> dict[str, Any]:
        return {
            "streams": {stream.name: {"published": stream.published} for stream in self.broker.streams()},
            "actors": {
                name: {
                    "taken": sum(box.taken for box in self.mailboxes[name]),
                    "queued": sum(len(box) for box in self.mailboxes[name]),
                    "shed": sum(box.shed for box in self.mailboxes[name]),
                    "filtered": core.filtered,
                    "failed": core.failed,
                    "expired": core.expired,
                    "stale": core.stale,
                    "held": core.held(),
                    "restarts": core.restarts,
                    "stopped": core.stopped,
                    "state": core.state,
                }
                for name, core in self.cores.items()
            },
            "dead_letters": self.dead_letter_count,
        }


def wrapper_routes() -> dict[str, Route]:
    """Routes that unwrap lane, latest and remote items into the same table."""
    table: dict[str, Route] = {}

    def lane(item: LaneItem) -> None:
        item.lane.mailbox.lane_taken(item.lane)
        table[item.item.name](item.item)

    def latest(slot: LatestSlot) -> None:
        inner = slot.mailbox.latest_taken(slot)
        if inner is not None:
            table[inner.name](inner)

    def remote(item: RemoteItem) -> None:
        try:
            table[item.envelope.name](item.envelope)
        finally:
            item.done()

    table[LANE] = lane
    table[LATEST] = latest
    table[REMOTE] = remote
    table[REQUEST] = lambda item: None
    return table


def make_on_shed() -> Callable[[Any, str], None]:
    return _release
