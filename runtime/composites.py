"""Offers that feed an actor's joins, collects and watches, with their expiries.

Each offer is a closure built once per (gate, input event) at construction;
when a gate completes, the actor core fires the handler through its state
machine gate (``ActorCore.fire``). Expiries run as tasks on the actor's thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .clock import Timer
from .collect import CollectGate, PendingList
from .context import Context
from .envelope import Envelope
from .items import Task
from .join import EMPTY_SLOT, JoinGate, JoinPending
from .topology import Expiry
from .watch import WatchGate

if TYPE_CHECKING:
    from .core import ActorCore

Offer = Callable[[Context[Any], Envelope], None]

_Expired = tuple[Any, list[Any], list[Envelope], str]
"""What an expired set held: its key, what was missing (and as text), its envelopes."""


class CompositeOffers:
    def __init__(self, core: ActorCore) -> None:
        self.core = core

    def join(self, gate: JoinGate, part: str) -> Offer:
        core = self.core
        key_field = gate.spec.key
        expires = gate.spec.expiry is not None
        now = core.clock.now
        fire = core.fire

        pending_sets, width, index = gate.pending, len(gate.spec.parts), gate.index[part]
        name, method = gate.name, gate.spec.handler
        empty = EMPTY_SLOT
        plain = core.machine is None  # fire straight into the handler (what ``core.fire`` does then)
        failed = core.handle_failure

        def offer(ctx: Context[Any], envelope: Envelope) -> None:
            try:
                key = None if key_field is None else getattr(envelope.event, key_field)
            except AttributeError as error:
                core.host.dead_letter(core.name, f"join {gate.name}: no key field {key_field!r}", error, envelope)
                return
            pending = pending_sets.get(key)
            if pending is None and width > 1:  # the common first part of a key, inlined
                slots = [empty] * width
                slots[index] = envelope
                pending_sets[key] = pending = JoinPending(key, slots, now() if expires else 0.0)
                if expires:
                    self._schedule_join_expiry(gate, pending, ctx.worker)
                return
            if pending is not None and pending.extra is None:
                # The common completion: a free slot, nothing queued behind it
                # (``gate.offer`` inlined; same outcome).
                slots = pending.slots
                if slots[index] is empty:
                    slots[index] = envelope
                    if empty in slots:
                        return
                    del pending_sets[key]
                    if expires:
                        gate.cancel_timer(key)
                    if width == 2:  # the common pair, without a comprehension
                        args: tuple[Any, ...] = (slots[0].event, slots[1].event)
                    else:
                        args = tuple([part_envelope.event for part_envelope in slots])
                    if plain:
                        ctx.envelope = envelope
                        try:
                            getattr(core.instance, method)(ctx, *args)
                        except Exception as error:
                            failed(ctx, error, envelope, name)
                    else:
                        fire(ctx, name, method, args, envelope)
                    return
            complete, created = gate.offer(part, key, envelope, now() if expires else 0.0)
            if created is not None and expires:
                self._schedule_join_expiry(gate, created, ctx.worker)
            if complete is not None:
                args = tuple([part_envelope.event for part_envelope in complete])
                fire(ctx, name, method, args, envelope)

        return offer

    def _schedule_join_expiry(self, gate: JoinGate, pending: JoinPending, worker: int) -> None:
        def take() -> _Expired | None:
            if not gate.expire(pending):
                return None
            missing = pending.missing(gate.spec.parts)
            return pending.key, missing, pending.held(), ", ".join(missing)

        assert gate.spec.expiry is not None
        gate.timers[pending.key] = self._schedule_expiry(f"join {gate.name}", gate.spec.expiry, worker, take)

    def _schedule_expiry(
        self, what: str, expiry: Expiry, worker: int, take: Callable[[], _Expired | None]
    ) -> Timer:
        """Arm the timer that expires one pending join or collect set on the actor's
        thread: ``take`` removes the set from its gate and says what it held (None
        when it completed meanwhile); then the expiry's action applies."""
        core = self.core
        post, name = core.host.post, core.name

        def expire(ctx: Context[Any]) -> None:
            expired = take()
            if expired is None:
                return
            key, missing, held, missing_text = expired
            core.expired += 1
            if expiry.action == "deadletter":
                reason = f"{what} expired after {expiry.after:g}s, missing {missing_text}"
                for envelope in held:
                    core.host.dead_letter(core.name, reason, None, envelope)
            elif expiry.action == "emit" and expiry.emit is not None:
                ctx.envelope = held[0] if held else None
                self._emit_expiry(ctx, expiry.emit, key, missing, held)

        return core.clock.call_later(expiry.after, lambda: post(name, Task(expire), worker))

    def _emit_expiry(
        self, ctx: Context[Any], event_name: str, key: Any, missing: list[Any], held: list[Envelope]
    ) -> None:
        core = self.core
        try:
            ctx.emit(core.event_types[event_name](key=key, missing=missing))
        except Exception as error:
            core.handle_failure(ctx, error, held[0] if held else None, f"expiry event {event_name}")

    def collect_item(self, gate: CollectGate) -> Offer:
        core = self.core
        key_field = gate.spec.item_key

        def offer(ctx: Context[Any], envelope: Envelope) -> None:
            try:
                key = getattr(envelope.event, key_field)
            except AttributeError as error:
                core.host.dead_letter(
                    core.name, f"collect {gate.name}: no key field {key_field!r}", error, envelope
                )
                return
            complete, evicted = gate.add_item(key, envelope)
            for old in evicted:
                core.host.dead_letter(
                    core.name, f"collect {gate.name}: item replaced or over the limit", None, old
                )
            for pending in complete:
                self._fire_collect(ctx, gate, pending)

        return offer

    def collect_list(self, gate: CollectGate) -> Offer:
        core = self.core
        list_field = gate.spec.list_field

        def offer(ctx: Context[Any], envelope: Envelope) -> None:
            try:
                wanted = list(getattr(envelope.event, list_field))
            except (AttributeError, TypeError) as error:
                core.host.dead_letter(
                    core.name, f"collect {gate.name}: no list field {list_field!r}", error, envelope
                )
                return
            pending = gate.add_list(envelope, wanted)
            if not pending.missing:
                self._fire_collect(ctx, gate, pending)
            elif gate.spec.expiry is not None:
                self._schedule_collect_expiry(gate, pending, ctx.worker)

        return offer

    def _fire_collect(self, ctx: Context[Any], gate: CollectGate, pending: PendingList) -> None:
        core = self.core
        items = [item.event for item in gate.take(pending)]
        list_envelope: Envelope = pending.item
        core.fire(ctx, gate.name, gate.spec.handler, (list_envelope.event, items), list_envelope)

    def _schedule_collect_expiry(self, gate: CollectGate, pending: PendingList, worker: int) -> None:
        core = self.core

        def take() -> _Expired | None:
            if not gate.expire(pending):
                return None
            missing = [key for key in pending.wanted if key in pending.missing]
            list_envelope: Envelope = pending.item
            key_field = core.keys.get(gate.spec.until)
            key = getattr(list_envelope.event, key_field) if key_field else None
            return key, missing, [list_envelope], repr(missing)

        assert gate.spec.expiry is not None
        pending.timer = self._schedule_expiry(f"collect {gate.name}", gate.spec.expiry, worker, take)

    def watch(self, gate: WatchGate, name: str) -> Offer:
        core = self.core
        def offer(ctx: Context[Any], envelope: Envelope) -> None:
            try:
                values = gate.offer(name, envelope.event)
            except Exception as error:
                core.handle_failure(ctx, error, envelope, f"watch {gate.name} predicate")
                return
            if values is not None:
                core.fire(ctx, gate.name, gate.spec.handler, tuple(values), envelope)

        return offer
