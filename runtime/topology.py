"""Declarative description of a system: what generated code hands the runtime.

The compiler renders a spec into instances of these frozen dataclasses (see the
generated ``topology.py`` of a package); the runtime interprets them. Hand-written
topologies are equally valid, which is how the runtime is tested without the
compiler. Names are the spec's names; ``handler`` fields are method names on the
user's actor class.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from .event import Event

Overflow = Literal["block", "drop_newest", "drop_oldest", "error"]
"""What a full bounded queue does with a new item: wait for room (backpressure),
shed the new item, shed the oldest queued item, or raise ``QueueFullError`` at
the sender. Shedding is always counted."""

SupervisionPolicy = Literal["resume", "restart", "stop", "escalate"]
"""What happens when a handler raises: keep going with the same instance; build a
fresh instance and reset the state machine; stop this actor; stop the system."""

ExpiryAction = Literal["drop", "deadletter", "emit"]
Unaccepted = Literal["defer", "reject"]
StalePolicy = Literal["drop", "deadletter", "pass"]
Advance = Literal["auto", "manual"]


@dataclass(frozen=True)
class EventSpec:
    name: str
    type: type[Event]
    key: str | None = None
    """Field whose value keys the event: Kafka message key and worker partition."""
    external: bool = False
    """Fed from outside the system (no actor emits it)."""


@dataclass(frozen=True)
class StreamSpec:
    """Per-event buffer settings for every subscription of that event's stream."""

    event: str
    buffer: int = 1024
    overflow: Overflow = "block"


@dataclass(frozen=True)
class Filter:
    event: str
    only_from: tuple[str, ...] = ()
    not_from: tuple[str, ...] = ()
    predicate: Callable[[Any], bool] | None = None
    text: str = ""
    """The rule as written in the spec, for metrics, graphs and messages."""


@dataclass(frozen=True)
class Input:
    event: str
    handler: str | None
    """Method called with each event; None when the event only feeds joins,
    collects or watches."""
    latest: bool = False
    """Latest-value input: a one-slot mailbox that keeps the newest value and
    suppresses consecutive duplicates."""


@dataclass(frozen=True)
class Expiry:
    after: float
    """Seconds after the first part (join) or the list event (collect) arrived."""
    action: ExpiryAction = "drop"
    emit: str | None = None
    """Event emitted when ``action == "emit"``: for a join it has fields
    ``key`` and ``missing: list[str]`` (part names); for a collect ``key`` (the
    list event's key or None) and ``missing: list[<item key type>]``."""


@dataclass(frozen=True)
class JoinSpec:
    name: str
    parts: tuple[str, ...]
    key: str | None
    """Field shared by every part; None joins one item of each part (AND)."""
    expiry: Expiry | None
    handler: str
    """Called as ``handler(ctx, *parts)`` in part order."""


@dataclass(frozen=True)
class CollectSpec:
    name: str
    item: str
    item_key: str
    until: str
    list_field: str
    expiry: Expiry | None
    handler: str
    """Called as ``handler(ctx, list_event, items)`` with items in list order."""


@dataclass(frozen=True)
class WatchSpec:
    """Predicate over the latest value of each input; fires on every arrival
    while all inputs are present and the predicate holds. Nothing is consumed."""

    name: str
    inputs: tuple[str, ...]
    predicate: Callable[..., bool] | None
    handler: str


@dataclass(frozen=True)
class OrderedSpec:
    events: tuple[str, ...]
    field: str
    start: int = 0
    advance: Advance = "auto"
    """auto: handling the event whose sequence equals the current one moves the
    current sequence to ``seq + 1``; manual: only ``ctx.advance(n)`` moves it."""
    stale: StalePolicy = "deadletter"
    """For events whose sequence is below the current one."""
    held_limit: int = 10_000


@dataclass(frozen=True)
class StateSpec:
    name: str
    accepts: tuple[str, ...] = ()
    defers: tuple[str, ...] = ()
    rejects: tuple[str, ...] = ()
    final: bool = False
    on_enter: str | None = None
    """Method called (with ``ctx``) when the machine enters this state, if the
    actor's class defines it; also on start for the initial state."""
    on_exit: str | None = None
    """Method called (with ``ctx``) when the machine leaves this state."""


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    on: str | None = None
    """Input (event, join, collect or watch name) whose handler completing in
    ``source`` moves the machine; None: only the handler moves it, via
    ``ctx.goto(target)``."""


@dataclass(frozen=True)
class MachineSpec:
    initial: str
    states: tuple[StateSpec, ...]
    transitions: tuple[Transition, ...] = ()
    otherwise: Unaccepted = "defer"
    """For an event some state accepts but the current one neither accepts,
    defers nor rejects explicitly."""
    held_limit: int = 10_000


@dataclass(frozen=True)
class ServiceSpec:
    method: str
    request: str
    reply: str
    timeout: float
    handler: str
    """Called as ``handler(ctx, request)``; returns the reply, or None and
    replies later with ``ctx.reply(value)`` (see ``Context.defer_reply``)."""


@dataclass(frozen=True)
class CallSpec:
    actor: str
    method: str


@dataclass(frozen=True)
class ActorSpec:
    name: str
    inputs: tuple[Input, ...] = ()
    emits: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()
    joins: tuple[JoinSpec, ...] = ()
    collects: tuple[CollectSpec, ...] = ()
    watches: tuple[WatchSpec, ...] = ()
    ordered: OrderedSpec | None = None
    machine: MachineSpec | None = None
    services: tuple[ServiceSpec, ...] = ()
    calls: tuple[CallSpec, ...] = ()
    workers: int = 1
    mailbox: int = 1024
    overflow: Overflow = "block"
    supervision: SupervisionPolicy = "resume"
    max_restarts: int = 10


@dataclass(frozen=True)
class TopicSpec:
    event: str
    topic: str
    partitions: int = 6


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    actors: tuple[str, ...]
    replicas: int = 1
    exactly_once: bool = False


@dataclass(frozen=True)
class Topology:
    module: str
    events: tuple[EventSpec, ...]
    actors: tuple[ActorSpec, ...]
    streams: tuple[StreamSpec, ...] = ()
    renames: tuple[tuple[str, str], ...] = ()
    """(alias, target): publishing under the alias delivers to the target."""
    processes: tuple[ProcessSpec, ...] = ()
    topics: tuple[TopicSpec, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)

    def event(self, name: str) -> EventSpec:
        for spec in self.events:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def actor(self, name: str) -> ActorSpec:
        for spec in self.actors:
            if spec.name == name:
                return spec
        raise KeyError(name)
