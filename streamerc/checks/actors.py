"""Actor clauses: inputs, filters, joins, collects, watches, ordered gates,
services, calls, sizes, and the Python names their handlers get."""

from __future__ import annotations

from .. import model as m
from ..diagnostics import did_you_mean
from ..names import (
    ACTOR_ATTRIBUTES,
    call_helper_name,
    enter_hook_name,
    exit_hook_name,
    handler_name,
    is_safe_identifier,
)
from .declarations import check_duration, check_identifier, check_size, report_duplicates
from .expressions import check_condition
from .scope import Scope, consumed, part_events, same_type, type_text


def check_actor(scope: Scope, actor: m.ActorDecl) -> None:
    where = f" in actor `{actor.name.text}`"
    report_duplicates(scope, "input", (i.event for i in actor.inputs), where)
    report_duplicates(scope, "emitted event", actor.emits, where)
    for i in actor.inputs:
        scope.require_event(i.event)
    for e in actor.emits:
        scope.require_event(e)
    _check_input_names(scope, actor)
    for f in actor.filters:
        _check_filter(scope, actor, f)
    for join in actor.joins:
        _check_join(scope, actor, join)
    for collect in actor.collects:
        _check_collect(scope, actor, collect)
    for watch in actor.watches:
        _check_watch(scope, actor, watch)
    if actor.ordered is not None:
        _check_ordered(scope, actor, actor.ordered)
    _check_services(scope, actor)
    for call in actor.calls:
        _check_call(scope, call)
    check_size(scope, actor.workers, f"workers of `{actor.name.text}`", actor.name.span)
    if actor.mailbox is not None:
        check_size(scope, actor.mailbox.size, "mailbox size", actor.mailbox.span)
    _check_method_names(scope, actor)


def require_consumed(scope: Scope, actor: m.ActorDecl, event: m.Name, role: str) -> bool:
    """The event must exist and be in the actor's ``consumes``."""
    if event.text not in scope.events:
        scope.require_event(event)
        return False
    if event.text not in consumed(actor):
        scope.sink.error(
            "E131",
            f"{role} `{event.text}` is not consumed by `{actor.name.text}`",
            event.span,
            f"add `{event.text}` to `consumes`",
        )
        return False
    return True


def _check_input_names(scope: Scope, actor: m.ActorDecl) -> None:
    """Join, collect and watch names share one namespace with the events."""
    named = [
        *(j.name for j in actor.joins),
        *(c.name for c in actor.collects),
        *(w.name for w in actor.watches),
    ]
    report_duplicates(scope, "join/collect/watch name", named, f" in actor `{actor.name.text}`")
    for name in named:
        check_identifier(scope, name, "input")
        if name.text in scope.events:
            scope.sink.error(
                "E110",
                f"`{name.text}` is already an event; give the {_kind(actor, name)} its own name",
                name.span,
            )


def _kind(actor: m.ActorDecl, name: m.Name) -> str:
    if any(j.name is name for j in actor.joins):
        return "join"
    if any(c.name is name for c in actor.collects):
        return "collect"
    return "watch"


def _check_filter(scope: Scope, actor: m.ActorDecl, f: m.FilterDecl) -> None:
    if not require_consumed(scope, actor, f.event, "filtered event"):
        return
    for source in f.actors:
        sender = scope.require_actor(source)
        if (
            sender is not None
            and f.kind == "only_from"
            and f.event.text not in {e.text for e in sender.emits}
        ):
            scope.sink.warning(
                "W132",
                f"actor `{source.text}` does not emit `{f.event.text}`, so nothing from it passes",
                source.span,
                f"add `{f.event.text}` to the `emits` of `{source.text}`",
            )
    if f.predicate is not None:
        check_condition(scope, f.predicate, {None: f.event.text, f.event.text: f.event.text})


def _check_join(scope: Scope, actor: m.ActorDecl, join: m.JoinDecl) -> None:
    report_duplicates(scope, "part", join.parts, f" in join `{join.name.text}`")
    parts = [p for p in join.parts if require_consumed(scope, actor, p, "join part")]
    if len(join.parts) < 2:
        scope.sink.error("E213", f"join `{join.name.text}` needs at least two parts", join.name.span)
    key_type: m.TypeRef | None = None
    if join.key is not None and len(parts) == len(join.parts):
        first: m.Name | None = None
        for part in parts:
            found = scope.fields(part.text).get(join.key.text)
            if found is None:
                scope.sink.error(
                    "E202",
                    f"join key `{join.key.text}` is not a field of `{part.text}`",
                    join.key.span,
                    did_you_mean(join.key.text, scope.fields(part.text)),
                )
                continue
            if first is None or key_type is None:
                first, key_type = part, found.type
            elif not same_type(key_type, found.type):
                scope.sink.error(
                    "E203",
                    f"join key `{join.key.text}` is `{type_text(key_type)}` in `{first.text}` "
                    f"but `{type_text(found.type)}` in `{part.text}`",
                    join.key.span,
                )
    if join.expiry is None:
        scope.sink.warning(
            "W201",
            f"join `{join.name.text}` has no expiry: incomplete sets are kept forever",
            join.name.span,
            "add e.g. `within 30s expire deadletter`",
        )
        return
    str_list = m.TypeRef("list", join.span, item=m.TypeRef("primitive", join.span, name="str"))
    key_known = join.key is None or key_type is not None
    _check_expiry(scope, join.expiry, key_type, str_list, key_known)


def _check_collect(scope: Scope, actor: m.ActorDecl, collect: m.CollectDecl) -> None:
    item_ok = require_consumed(scope, actor, collect.item, "collected event")
    until_ok = require_consumed(scope, actor, collect.until, "list event")
    item_key = scope.require_field(collect.item.text, collect.item_key) if item_ok else None
    list_field = scope.require_field(collect.until.text, collect.list_field) if until_ok else None
    if list_field is not None and list_field.type.kind != "list":
        scope.sink.error(
            "E205",
            f"`{collect.until.text}.{collect.list_field.text}` is `{type_text(list_field.type)}`, not a list",
            collect.list_field.span,
        )
    elif list_field is not None and item_key is not None:
        if not same_type(list_field.type.item, item_key.type):
            scope.sink.error(
                "E204",
                f"`{collect.until.text}.{collect.list_field.text}` lists `{type_text(list_field.type.item)}` "
                f"but `{collect.item.text}.{collect.item_key.text}` is `{type_text(item_key.type)}`",
                collect.item_key.span,
            )
    if collect.expiry is None:
        scope.sink.warning(
            "W201",
            f"collect `{collect.name.text}` has no expiry: incomplete lists are kept forever",
            collect.name.span,
            "add e.g. `within 30s expire deadletter`",
        )
        return
    until = scope.events.get(collect.until.text)
    key_type = None
    if until is not None and until.key is not None:
        key_field = scope.fields(until.name.text).get(until.key.text)
        key_type = key_field.type if key_field is not None else None
    missing = m.TypeRef("list", collect.span, item=item_key.type) if item_key is not None else None
    key_known = until is not None and (until.key is None or key_type is not None)
    _check_expiry(scope, collect.expiry, key_type, missing, key_known)


def _check_expiry(
    scope: Scope,
    expiry: m.ExpiryDecl,
    key_type: m.TypeRef | None,
    missing: m.TypeRef | None,
    key_known: bool,
) -> None:
    """The emitted event gets ``key`` (the set's key, or None when the set has
    no key) and ``missing``. ``key_known`` is False when an error elsewhere
    hides the key's type; the key field is then not checked."""
    check_duration(scope, expiry.after, "an expiry", expiry.span)
    if expiry.emit is None or scope.require_event(expiry.emit) is None:
        return
    event = expiry.emit.text
    fields = scope.fields(event)
    key_texts = ["?"] if key_type is None else [type_text(key_type), type_text(key_type) + "?"]
    want_key = "an optional type (`T?`)" if key_type is None else f"`{type_text(key_type)}`"
    key = fields.get("key")
    if not key_known:
        pass
    elif key is None:
        scope.sink.error(
            "E206",
            f"expiry event `{event}` needs a field `key` of type {want_key}",
            expiry.emit.span,
        )
    elif (
        key_type is None
        and key.type.kind != "optional"
        or (key_type is not None and type_text(key.type) not in key_texts)
    ):
        scope.sink.error(
            "E206",
            f"field `key` of expiry event `{event}` must have type {want_key}, not `{type_text(key.type)}`",
            expiry.emit.span,
        )
    miss = fields.get("missing")
    if missing is not None and (miss is None or not same_type(miss.type, missing)):
        found = "" if miss is None else f", not `{type_text(miss.type)}`"
        scope.sink.error(
            "E206",
            f"expiry event `{event}` needs a field `missing: {type_text(missing)}`{found}",
            expiry.emit.span,
        )
    extra = [
        f for f in fields.values() if f.name.text not in ("key", "missing") and f.type.kind != "optional"
    ]
    if extra:
        listed = ", ".join(f"`{f.name.text}`" for f in extra)
        scope.sink.error(
            "E206",
            f"expiry event `{event}` has required field{'s' if len(extra) > 1 else ''} {listed} "
            "that the expiry cannot fill",
            expiry.emit.span,
            f"make {'them' if len(extra) > 1 else 'it'} optional, e.g. "
            f"`{extra[0].name.text}: {type_text(extra[0].type)}?`",
        )


def _check_watch(scope: Scope, actor: m.ActorDecl, watch: m.WatchDecl) -> None:
    report_duplicates(scope, "input", watch.inputs, f" in watch `{watch.name.text}`")
    ok = [require_consumed(scope, actor, i, "watched event") for i in watch.inputs]
    if watch.condition is None or not all(ok):
        return
    env: dict[str | None, str] = {i.text: i.text for i in watch.inputs}
    if len(watch.inputs) == 1:
        env[None] = watch.inputs[0].text
    check_condition(scope, watch.condition, env)


def _check_ordered(scope: Scope, actor: m.ActorDecl, ordered: m.OrderedDecl) -> None:
    report_duplicates(scope, "ordered event", ordered.events)
    for event in ordered.events:
        if not require_consumed(scope, actor, event, "ordered event"):
            continue
        found = scope.require_field(event.text, ordered.field)
        if found is not None and type_text(found.type) != "int":
            scope.sink.error(
                "E208",
                f"sequence field `{event.text}.{ordered.field.text}` must be `int`, not `{type_text(found.type)}`",
                ordered.field.span,
            )


def _check_services(scope: Scope, actor: m.ActorDecl) -> None:
    report_duplicates(scope, "service", (s.method for s in actor.services), f" in actor `{actor.name.text}`")
    for service in actor.services:
        check_identifier(scope, service.method, "service method")
        scope.require_event(service.request, "request event")
        scope.require_event(service.reply, "reply event")
        check_duration(scope, service.timeout, "a service timeout", service.span)


def _check_call(scope: Scope, call: m.CallDecl) -> None:
    target = scope.require_actor(call.actor)
    if target is None:
        return
    methods = [s.method.text for s in target.services]
    if call.method.text not in methods:
        hint = did_you_mean(call.method.text, methods)
        if hint is None:
            hint = (
                f"`{call.actor.text}` offers " + ", ".join(f"`{x}`" for x in methods)
                if methods
                else f"`{call.actor.text}` declares no `service`"
            )
        scope.sink.error(
            "E105", f"actor `{call.actor.text}` has no service `{call.method.text}`", call.method.span, hint
        )


def _check_method_names(scope: Scope, actor: m.ActorDecl) -> None:
    """Two spec names must not give the same Python method on the actor's base class."""
    runtime = "the runtime's `Actor`"
    methods: dict[str, str] = {name: runtime for name in ACTOR_ATTRIBUTES}

    def claim(method: str, owner: str, span: m.Span) -> None:
        earlier = methods.get(method)
        if earlier is not None and earlier != owner:
            scope.sink.error(
                "E121",
                f"{owner} gets the method name `{method}`, which {earlier} already has",
                span,
                "rename it" if earlier == runtime else "rename one of them",
            )
        methods.setdefault(method, owner)

    parts = part_events(actor)
    for name, decl in consumed(actor).items():
        if name not in parts and is_safe_identifier(name):
            claim(handler_name(name), f"event `{name}`", decl.span)
    for group, kind in ((actor.joins, "join"), (actor.collects, "collect"), (actor.watches, "watch")):
        for item in group:
            if is_safe_identifier(item.name.text):
                claim(handler_name(item.name.text), f"{kind} `{item.name.text}`", item.name.span)
    for service in actor.services:
        method = service.method.text
        if not is_safe_identifier(method):
            continue
        claim(method, f"service `{method}`", service.method.span)
    if actor.machine is not None:
        for state in actor.machine.states:
            if is_safe_identifier(state.name.text):
                claim(enter_hook_name(state.name.text), f"state `{state.name.text}`", state.name.span)
                claim(exit_hook_name(state.name.text), f"state `{state.name.text}`", state.name.span)
    for call in actor.calls:
        if is_safe_identifier(call.actor.text) and is_safe_identifier(call.method.text):
            owner = f"call `{call.actor.text}.{call.method.text}`"
            claim(call_helper_name(call.actor.text, call.method.text), owner, call.span)
