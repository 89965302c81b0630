"""ActorCore: one actor's gate pipeline and handlers, independent of threads.

Pipeline, per event name, precomputed at construction:
filters -> ordered gate -> state-machine gate -> handler and join/collect/watch
offers -> automatic transitions. The threaded runner and the test driver both
feed items to the route tables this class builds, so they share every rule.

Released items (ordered gate catching up, state changes) are processed in
``_settle`` after the item that released them, never recursively inside a handler.
"""

from __future__ import annotations

import functools
import logging
import threading
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from .clock import Clock
from .collect import CollectGate
from .composites import CompositeOffers
from .context import Context
from .envelope import Envelope, next_id
from .errors import ServiceError, StreamerError, TopologyError
from .filters import Pass, compile_pass
from .items import REMOTE, TASK, RemoteItem, Task
from .join import JoinGate
from .machine import MachineGate
from .mailbox import LANE, LATEST, LaneItem, LatestSlot
from .ordered import OrderedGate
from .services import REQUEST, Reply, ReplyHandle, ServiceCall, ServiceRegistry
from .topology import ActorSpec, ServiceSpec, Topology
from .watch import WatchGate

if TYPE_CHECKING:
    from .actor import Actor
    from .broker import Stream

log = logging.getLogger("streamer.actor")

Route = Callable[[Any], None]
Handler = Callable[..., Any]


class Host(Protocol):
    """What an actor needs from the system around it."""

    clock: Clock
    services: ServiceRegistry

    def stream(self, name: str) -> Stream: ...

    def dead_letter(
        self, actor: str, reason: str, error: BaseException | str | None, envelope: Envelope | None
    ) -> None: ...

    def post(self, actor: str, item: Any, worker: int = 0) -> bool: ...

    def escalate(self, actor: str, error: BaseException) -> None: ...

    def request(
        self,
        source: str,
        actor: str,
        method: str,
        request: Any,
        cause: Envelope | None,
        deliver: Callable[[Reply[Any]], None],
    ) -> None: ...


class _Info:
    """Everything the pipeline needs about one input event name of one actor."""

    __slots__ = ("name", "check", "predicate", "ordered", "gated", "handler_name", "offers", "moves")

    def __init__(self, name: str) -> None:
        self.name = name
        self.check: Pass | None = None
        self.predicate: Callable[[Any], Any] | None = None
        """Set when the only filter rule is one predicate (hot path)."""
        self.ordered = False
        self.gated = False
        self.handler_name: str | None = None
        self.offers: list[Callable[[Context[Any], Envelope], None]] = []
        self.moves = False
        """Some transition is triggered by this name."""


class ActorCore:
    def __init__(
        self,
        spec: ActorSpec,
        topology: Topology,
        factory: Callable[[], Actor],
        host: Host,
        *,
        serialize: bool,
    ) -> None:
        self.name = spec.name
        self.spec = spec
        self.host = host
        self.clock = host.clock
        self._factory = factory
        self.ordered = OrderedGate(spec.ordered) if spec.ordered is not None else None
        self.machine = MachineGate(spec.machine, spec.name) if spec.machine is not None else None
        self.joins = {join.name: JoinGate(join, spec.name) for join in spec.joins}
        self.collects = {collect.name: CollectGate(collect) for collect in spec.collects}
        self.watches = {watch.name: WatchGate(watch) for watch in spec.watches}
        self.services: dict[str, ServiceSpec] = {service.method: service for service in spec.services}
        self.calls = {(call.actor, call.method) for call in spec.calls}
        self.emit_map: dict[type[Any], tuple[str, Stream]] = {}
        for name in spec.emits:
            stream = host.stream(name)
            if stream.type in self.emit_map:
                raise TopologyError(
                    f"actor {self.name} emits two streams of type {stream.type.__name__}: "
                    f"{self.emit_map[stream.type][0]} and {name}"
                )
            self.emit_map[stream.type] = (stream.name, stream)
        self.event_types = {event.name: event.type for event in topology.events}
        self.keys = {event.name: event.key for event in topology.events}
        self._infos = self._build_infos(topology)
        self.stopped = False
        self.restarts = 0
        self.failed = 0
        self.expired = 0
        self.stale = 0
        self._lock = threading.RLock() if serialize else None
        self._settling = False
        self._contexts: list[Context[Any]] = []
        self._tables: list[dict[str, Route]] = []
        try:
            self.instance = self._new_instance()
        except Exception as error:
            raise StreamerError(f"cannot build the handler of actor {self.name}: {error!r}") from error

    # ---- construction ------------------------------------------------------

    def _build_infos(self, topology: Topology) -> dict[str, _Info]:
        spec = self.spec
        infos: dict[str, _Info] = {}
        offers = CompositeOffers(self)

        def info(name: str) -> _Info:
            if name not in self.event_types:
                raise TopologyError(f"actor {self.name} consumes undeclared event {name!r}")
            if name not in infos:
                infos[name] = _Info(name)
            return infos[name]

        for item in spec.inputs:
            info(item.event).handler_name = item.handler
        by_event: dict[str, list[Any]] = {}
        for rule in spec.filters:
            by_event.setdefault(rule.event, []).append(rule)
        for name, rules in by_event.items():
            info(name).check = compile_pass(rules)
            if len(rules) == 1 and not rules[0].only_from and not rules[0].not_from:
                info(name).predicate = rules[0].predicate
        if self.ordered is not None:
            for name in self.ordered.spec.events:
                info(name).ordered = True
        if self.machine is not None:
            for name in self.machine.gated:
                if name in self.event_types:
                    info(name).gated = True
            moving = {t.on for t in self.machine.spec.transitions if t.on is not None}
            for name in moving:
                if name in infos:
                    infos[name].moves = True
        for join in self.joins.values():
            for part in join.spec.parts:
                info(part).offers.append(offers.join(join, part))
        for collect in self.collects.values():
            info(collect.spec.item).offers.append(offers.collect_item(collect))
            info(collect.spec.until).offers.append(offers.collect_list(collect))
        for watch in self.watches.values():
            for name in watch.spec.inputs:
                info(name).offers.append(offers.watch(watch, name))
        return infos

    def _new_instance(self) -> Actor:
        instance = self._factory()
        instance._streamer_core = self
        return instance

    def context(self, worker: int) -> Context[Any]:
        ctx: Context[Any] = Context(self, worker)
        self._contexts.append(ctx)
        return ctx

    def routes(self, ctx: Context[Any]) -> dict[str, Route]:
        """The dispatch table one worker uses: item name -> route."""
        table: dict[str, Route] = {}
        self._fill(table, ctx)
        self._tables.append(table)
        return table

    def _fill(self, table: dict[str, Route], ctx: Context[Any]) -> None:
        for name, info in self._infos.items():
            table[name] = self._route(ctx, info)

        def lane(item: LaneItem) -> None:
            item.lane.mailbox.lane_taken(item.lane)
            inner = item.item
            table[inner.name](inner)

        def latest(slot: LatestSlot) -> None:
            inner = slot.mailbox.latest_taken(slot)
            if inner is not None:
                table[inner.name](inner)

        def remote(item: RemoteItem) -> None:
            try:
                envelope = item.envelope
                table[envelope.name](envelope)
            finally:
                item.done()

        def task(item: Task) -> None:
            if self.stopped:
                self.host.dead_letter(self.name, "actor stopped before a scheduled task ran", None, None)
                return
            item.fn(ctx)
            self._settle(ctx)

        def request(call: ServiceCall) -> None:
            self._serve(ctx, call)

        table[LANE] = lane
        table[LATEST] = latest
        table[REMOTE] = remote
        table[TASK] = task
        table[REQUEST] = request
        if self._lock is not None:
            lock = self._lock
            for name, route in list(table.items()):
                if name not in (LANE, LATEST, REMOTE):
                    table[name] = _locked(lock, route)

    def _route(self, ctx: Context[Any], info: _Info) -> Route:
        name = info.name
        if self.stopped:
            return lambda envelope: self.host.dead_letter(self.name, "actor stopped", None, envelope)
        handler = self._handler(info.handler_name)
        plain = (
            info.check is None
            and not info.ordered
            and not info.gated
            and not info.offers
            and not info.moves
            and self.machine is None
            and self.ordered is None
        )
        if plain and handler is not None:
            failed = self.handle_failure

            def fast(envelope: Envelope) -> None:
                ctx.envelope = envelope
                try:
                    handler(ctx, envelope.event)
                except Exception as error:
                    failed(ctx, error, envelope, name)

            return fast
        if plain:
            return lambda envelope: None
        if (
            handler is None
            and info.check is None
            and self.machine is None
            and self.ordered is None
            and len(info.offers) == 1
        ):
            # An event that only feeds one join, collect or watch: a partial
            # calls the offer without a Python frame of its own.
            return functools.partial(info.offers[0], ctx)
        if info.ordered or info.offers or handler is None:
            process = self._process
            return lambda envelope: process(ctx, envelope, info)
        return self._gated_route(ctx, info, handler)

    def _gated_route(self, ctx: Context[Any], info: _Info, handler: Handler) -> Route:
        """Filters and/or the machine gate in front of one handler: the common
        shape, specialised to keep per-event work small."""
        name, check, machine, ordered = info.name, info.check, self.machine, self.ordered
        gated, moves = info.gated, info.moves
        failed, after_order, settle = self.handle_failure, self._after_order, self._settle
        predicate = info.predicate
        if predicate is not None and machine is not None and ordered is None and not moves:
            return self._filtered_machine_route(ctx, info, handler, predicate, machine)

        def route(envelope: Envelope) -> None:
            if predicate is not None:  # the one filter is a predicate: call it directly
                try:
                    if not predicate(envelope.event):
                        ctx.filtered += 1
                        return
                except Exception as error:
                    failed(ctx, error, envelope, f"filter on {name}")
                    return
            elif check is not None:
                try:
                    if not check(envelope):
                        ctx.filtered += 1
                        return
                except Exception as error:
                    failed(ctx, error, envelope, f"filter on {name}")
                    return
            if machine is None:
                ctx.envelope = envelope
                try:
                    handler(ctx, envelope.event)
                except Exception as error:
                    failed(ctx, error, envelope, name)
                if ordered is not None:
                    settle(ctx)  # the handler may have advanced the sequence
                return
            if gated and machine.table[name] != "accept" or moves:
                after_order(ctx, envelope, info)
            else:
                ctx.envelope = envelope
                try:
                    handler(ctx, envelope.event)
                except Exception as error:
                    failed(ctx, error, envelope, name)
            if machine.changed or ordered is not None:
                settle(ctx)

        return route

    def _filtered_machine_route(
        self,
        ctx: Context[Any],
        info: _Info,
        handler: Handler,
        predicate: Callable[[Any], Any],
        machine: MachineGate,
    ) -> Route:
        """``_gated_route`` for one filter predicate in front of the state machine
        (no ordered gate, no transition on this name): the one-hop shape."""
        name, gated = info.name, info.gated
        failed, after_order, settle = self.handle_failure, self._after_order, self._settle

        def route(envelope: Envelope) -> None:
            event = envelope.event
            try:
                if not predicate(event):
                    ctx.filtered += 1
                    return
            except Exception as error:
                failed(ctx, error, envelope, f"filter on {name}")
                return
            if gated and machine.table[name] != "accept":
                after_order(ctx, envelope, info)
            else:
                ctx.envelope = envelope
                try:
                    handler(ctx, event)
                except Exception as error:
                    failed(ctx, error, envelope, name)
            if machine.changed:
                settle(ctx)

        return route

    def _handler(self, method: str | None) -> Handler | None:
        if method is None:
            return None
        handler: Handler = getattr(self.instance, method)
        return handler

    # ---- the pipeline ------------------------------------------------------

    def _process(self, ctx: Context[Any], envelope: Envelope, info: _Info) -> None:
        if info.check is not None:
            try:
                passed = info.check(envelope)
            except Exception as error:
                self.handle_failure(ctx, error, envelope, f"filter on {info.name}")
                return
            if not passed:
                ctx.filtered += 1
                return
        if info.ordered:
            gate = self.ordered
            assert gate is not None
            try:
                sequence = int(getattr(envelope.event, gate.field))
            except (AttributeError, TypeError, ValueError) as error:
                self.host.dead_letter(self.name, f"no usable sequence field {gate.field!r}", error, envelope)
                return
            current = gate.current
            if sequence > current:
                if gate.full():
                    self.host.dead_letter(
                        self.name, f"ordered gate full ({gate.spec.held_limit} held)", None, envelope
                    )
                else:
                    gate.hold(sequence, (envelope, info))
                return
            if sequence < current:
                self._stale(ctx, envelope, info, sequence)
            else:
                self._after_order(ctx, envelope, info)
                gate.passed(sequence)
        else:
            self._after_order(ctx, envelope, info)
        self._settle(ctx)

    def _stale(self, ctx: Context[Any], envelope: Envelope, info: _Info, sequence: int) -> None:
        gate = self.ordered
        assert gate is not None
        policy = gate.spec.stale
        if policy == "pass":
            self._after_order(ctx, envelope, info)
            return
        self.stale += 1
        if policy == "deadletter":
            self.host.dead_letter(
                self.name, f"stale: sequence {sequence} below current {gate.current}", None, envelope
            )

    def _after_order(self, ctx: Context[Any], envelope: Envelope, info: _Info) -> None:
        machine = self.machine
        if info.gated and machine is not None:
            decision = machine.decide(info.name)
            if decision == "defer":
                self._defer(info.name, ("event", envelope, info), envelope)
                return
            if decision == "reject":
                self.host.dead_letter(self.name, f"rejected in state {machine.state}", None, envelope)
                return
        self._deliver(ctx, envelope, info)

    def _defer(self, name: str, held: tuple[Any, ...], envelope: Envelope | None) -> None:
        machine = self.machine
        assert machine is not None
        if machine.full():
            self.host.dead_letter(
                self.name,
                f"deferred in state {machine.state} but {machine.spec.held_limit} events are already held",
                None,
                envelope,
            )
            return
        machine.hold(name, held)

    def _deliver(self, ctx: Context[Any], envelope: Envelope, info: _Info) -> None:
        machine = self.machine
        source = machine.state if machine is not None else None
        ok = True
        if info.handler_name is not None:
            ctx.envelope = envelope
            try:
                getattr(self.instance, info.handler_name)(ctx, envelope.event)
            except Exception as error:
                ok = False
                self.handle_failure(ctx, error, envelope, info.name)
        for offer in info.offers:
            offer(ctx, envelope)
        if ok and info.moves and machine is not None and source is not None:
            self._auto_move(ctx, source, info.name)

    def fire(self, ctx: Context[Any], name: str, method: str, args: tuple[Any, ...], envelope: Envelope) -> None:
        """A join, collect or watch completed: gate its name, then run its handler."""
        machine = self.machine
        if machine is None:
            ctx.envelope = envelope
            try:
                getattr(self.instance, method)(ctx, *args)
            except Exception as error:
                self.handle_failure(ctx, error, envelope, name)
            return
        if name in machine.gated:
            decision = machine.decide(name)
            if decision == "defer":
                self._defer(name, ("fire", name, method, args, envelope), envelope)
                return
            if decision == "reject":
                self.host.dead_letter(self.name, f"{name} rejected in state {machine.state}", None, envelope)
                return
        self._run_fire(ctx, name, method, args, envelope)

    def _run_fire(
        self, ctx: Context[Any], name: str, method: str, args: tuple[Any, ...], envelope: Envelope
    ) -> None:
        machine = self.machine
        source = machine.state if machine is not None else None
        ctx.envelope = envelope
        try:
            getattr(self.instance, method)(ctx, *args)
        except Exception as error:
            self.handle_failure(ctx, error, envelope, name)
            return
        if machine is not None and source is not None:
            self._auto_move(ctx, source, name)

    def _auto_move(self, ctx: Context[Any], source: str, name: str) -> None:
        machine = self.machine
        assert machine is not None
        if machine.state != source:
            return  # the handler moved the machine itself
        target = machine.automatic_target(source, name)
        if target is not None:
            self._change_state(ctx, target)

    def _settle(self, ctx: Context[Any]) -> None:
        """Process what the last item released: ordered events whose turn came,
        deferred items the new state decides. Runs until nothing more is released."""
        if self._settling:
            return
        ordered, machine = self.ordered, self.machine
        if (ordered is None or not ordered.releasable()) and (machine is None or not machine.changed):
            return
        self._settling = True
        try:
            while True:
                if ordered is not None and ordered.releasable():
                    sequence, (envelope, info) = ordered.pop()
                    if sequence == ordered.current:
                        self._after_order(ctx, envelope, info)
                        ordered.passed(sequence)
                    else:
                        self._stale(ctx, envelope, info, sequence)
                    continue
                if machine is not None:
                    decided = machine.next_decided()
                    if decided is not None:
                        decision, held = decided
                        if decision == "reject":
                            self.host.dead_letter(
                                self.name, f"rejected in state {machine.state}", None, held[-1]
                            )
                        elif held[0] == "event":
                            self._deliver(ctx, held[1], held[2])
                        else:
                            self._run_fire(ctx, held[1], held[2], held[3], held[4])
                        continue
                break
        finally:
            self._settling = False

    def discard(self, collect: str, where: Callable[[Any], bool]) -> int:
        gate = self.collects.get(collect)
        if gate is None:
            raise StreamerError(f"actor {self.name} has no collect named {collect!r}")
        return gate.discard(where, lambda envelope: envelope.event)

    # ---- state machine and ordered gate --------------------------------------

    @property
    def state(self) -> str | None:
        return None if self.machine is None else self.machine.state

    @property
    def filtered(self) -> int:
        """Events stopped by filters (counted per worker, so without locks)."""
        return sum(ctx.filtered for ctx in self._contexts)

    def goto(self, ctx: Context[Any], target: str) -> None:
        machine = self.machine
        if machine is None:
            raise StreamerError(f"actor {self.name} has no state machine")
        machine.check_goto(target)
        self._change_state(ctx, target)

    def _change_state(self, ctx: Context[Any], target: str) -> None:
        machine = self.machine
        assert machine is not None
        self._hook(ctx, machine.exit_hooks[machine.state])
        machine.set_state(target)
        self._hook(ctx, machine.enter_hooks[target])

    def _hook(self, ctx: Context[Any], method: str | None) -> None:
        if method is None:
            return
        hook = getattr(self.instance, method, None)
        if hook is None:
            return
        try:
            hook(ctx)
        except Exception as error:
            self.handle_failure(ctx, error, ctx.envelope, method)

    def advance(self, sequence: int) -> None:
        if self.ordered is None:
            raise StreamerError(f"actor {self.name} has no ordered gate")
        self.ordered.advance(sequence)

    # ---- services --------------------------------------------------------------

    def call(
        self,
        ctx: Context[Any],
        actor: str,
        method: str,
        request: Any,
        then: Callable[[Context[Any], Reply[Any]], None],
    ) -> None:
        if (actor, method) not in self.calls:
            raise TopologyError(f"actor {self.name} does not declare 'calls {actor}.{method}'")
        cause = ctx.envelope
        worker = ctx.worker

        def run(continuation_ctx: Context[Any], reply: Reply[Any]) -> None:
            continuation_ctx.envelope = cause
            try:
                then(continuation_ctx, reply)
            except Exception as error:
                self.handle_failure(continuation_ctx, error, cause, f"continuation of {actor}.{method}")

        def deliver(reply: Reply[Any]) -> None:
            if not self.host.post(self.name, Task(lambda c: run(c, reply)), worker):
                log.warning("%s: reply of %s.%s arrived after shutdown", self.name, actor, method)

        self.host.request(self.name, actor, method, request, cause, deliver)

    def _serve(self, ctx: Context[Any], call: ServiceCall) -> None:
        registry = self.host.services
        label = f"{self.name}.{call.method}"
        spec = self.services.get(call.method)
        if spec is None:
            registry.resolve(call.correlation, Reply(error=ServiceError(f"{label}: no such service")))
            return
        if self.stopped:
            registry.resolve(call.correlation, Reply(error=ServiceError(f"{label}: actor stopped")))
            return
        expected = self.event_types[spec.reply]
        handle: ReplyHandle[Any] = ReplyHandle(registry, call.correlation, expected, label)
        ctx.envelope = call.envelope
        ctx._reply = handle
        ctx._answered = False
        try:
            value = getattr(self.instance, spec.handler)(ctx, call.envelope.event)
        except Exception as error:
            handle.fail(error)
            self.handle_failure(ctx, error, call.envelope, label)
            return
        finally:
            ctx._reply = None
        if value is not None:
            handle.reply(value)
        elif not ctx._answered:
            handle.fail("the service returned no reply (return one, or use ctx.defer_reply())")
        self._settle(ctx)

    # ---- failures and supervision ------------------------------------------------

    def handle_failure(self, ctx: Context[Any], error: Exception, envelope: Envelope | None, where: str) -> None:
        self.failed += 1
        text = "".join(traceback.format_exception(error))
        self.host.dead_letter(self.name, f"handler for {where} raised", text, envelope)
        policy = self.spec.supervision
        if policy == "resume":
            return
        if policy == "restart":
            if self.restarts >= self.spec.max_restarts:
                log.error("%s: %d restarts used up, stopping the actor", self.name, self.restarts)
                self.stop()
            else:
                self.restart(ctx)
            return
        if policy == "stop":
            self.stop()
            return
        self.host.escalate(self.name, error)

    def restart(self, ctx: Context[Any]) -> None:
        """A fresh instance of the handler class and the machine back at its
        initial state; held events stay held and are re-decided."""
        self.restarts += 1
        log.warning("%s: restarting (restart %d)", self.name, self.restarts)
        try:
            self.instance = self._new_instance()
        except Exception as error:
            log.error("%s: cannot build a new instance (%s), stopping the actor", self.name, error)
            self.stop()
            return
        self._refresh()
        if self.machine is not None:
            self.machine.reset()
            self._hook(ctx, self.machine.enter_hooks[self.machine.state])

    def stop(self) -> None:
        """Stop handling: from now on the actor's events are dead-lettered."""
        if not self.stopped:
            log.error("%s: stopped by its supervision policy", self.name)
        self.stopped = True
        self._refresh()

    def _refresh(self) -> None:
        for ctx, table in zip(self._contexts, self._tables):
            self._fill(table, ctx)

    # ---- lifecycle ---------------------------------------------------------------

    def on_start(self, ctx: Context[Any]) -> None:
        ctx.envelope = None
        if self.machine is not None:
            self._hook(ctx, self.machine.enter_hooks[self.machine.state])
        self._hook(ctx, "on_start")

    def on_stop(self, ctx: Context[Any]) -> None:
        ctx.envelope = None
        self._hook(ctx, "on_stop")

    def held(self) -> int:
        """Events held by this actor's gates (ordered, machine, joins, collects)."""
        count = len(self.ordered) if self.ordered is not None else 0
        count += len(self.machine) if self.machine is not None else 0
        count += sum(gate.held_count() for gate in self.joins.values())
        count += sum(gate.held_count() for gate in self.collects.values())
        return count

    def emit_error(self, event: Any) -> str:
        declared = ", ".join(self.spec.emits) or "nothing"
        kind = type(event).__name__
        if not hasattr(event, "__struct_fields__"):
            return f"actor {self.name} can only emit events, got {kind}"
        return f"actor {self.name} does not declare that it emits {kind} (it emits: {declared})"


def _locked(lock: threading.RLock, route: Route) -> Route:
    def run(item: Any) -> None:
        with lock:
            route(item)

    return run


def new_request_envelope(name: str, source: str, request: Any, cause: Envelope | None, now: float) -> Envelope:
    ident = next_id()
    if cause is None:
        return Envelope(ident, name, source, ident, None, now, request)
    return Envelope(ident, name, source, cause.trace_id, cause.id, now, request)


__all__ = ["ActorCore", "Host"]
