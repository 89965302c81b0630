"""The view of the generated ``topology.py``: ``TOPOLOGY = Topology(...)``.

The constructor call is built as a ``layout`` tree of ``streamer.topology``
calls, every string a literal of a validated name, and printed the way black
lays it out. Filter and watch expressions become small typed module-level
functions (so mypy checks them against the event classes) compiled by
``predicates``.
"""

from __future__ import annotations

from . import model as m
from .imports import Imports
from .layout import Brackets, Node, Text, keyword, lay_out, string_literal
from .naming import (
    checked_identifier,
    handler_name,
    enter_hook_name,
    exit_hook_name,
    parameter_names,
    snake_case,
)
from .predicates import return_statement, spec_text
from .viewmodel import (
    ParamView,
    PredicateView,
    SpecIndex,
    TopologyFile,
    ViewError,
    docstring,
    emitted_events,
    part_names,
)

DEFAULT_PARTITIONS = 6
"""Partitions of a topic the deploy section names without a count."""


def _call(func: str, **kwargs: Node | str) -> Brackets:
    """A constructor call with keyword arguments (a ``str`` is Python text)."""
    return Brackets(
        f"{func}(",
        tuple(keyword(key, Text(value) if isinstance(value, str) else value) for key, value in kwargs.items()),
    )


def _tuple(items: list[Brackets] | list[str]) -> Brackets:
    return Brackets("(", tuple(Text(item) if isinstance(item, str) else item for item in items), display=True)


def _literal(name: str) -> str:
    """The string literal of a validated spec (or derived) name."""
    return string_literal(checked_identifier(name))


def _names_tuple(names: tuple[m.Name, ...] | list[str]) -> Brackets:
    return _tuple([_literal(n if isinstance(n, str) else n.text) for n in names])


def _optional_name(name: m.Name | None) -> str:
    return "None" if name is None else _literal(name.text)


class _TopologyBuilder:
    def __init__(self, spec: m.Spec, index: SpecIndex, imports: Imports) -> None:
        self.spec = spec
        self.index = index
        self.imports = imports
        self.predicates: list[PredicateView] = []

    def cls(self, name: str) -> str:
        return self.imports.name("streamer.topology", name)

    def event_class(self, name: m.Name | str) -> str:
        return self.index.event_class(name, self.imports, ".events")

    def topology(self, spec_name: str) -> Brackets:
        spec = self.spec
        events = [
            _call(
                self.cls("EventSpec"),
                name=_literal(event.name.text),
                type=self.event_class(event.name),
                key=_optional_name(event.key),
                external=repr(event.external),
            )
            for event in spec.events
        ]
        streams = [
            _call(
                self.cls("StreamSpec"),
                event=_literal(buffer.event.text),
                buffer=repr(buffer.size),
                overflow=string_literal(buffer.overflow),
            )
            for buffer in sorted(spec.buffers, key=lambda b: b.event.text)
        ]
        renames = [
            _tuple([_literal(r.alias.text), _literal(r.target.text)])
            for r in sorted(spec.renames, key=lambda r: r.alias.text)
        ]
        processes, topics = self.deploy()
        return _call(
            self.cls("Topology"),
            module=string_literal(spec.module.text),
            events=_tuple(events),
            actors=_tuple([self.actor(actor) for actor in spec.actors]),
            streams=_tuple(streams),
            renames=_tuple(renames),
            processes=_tuple(processes),
            topics=_tuple(topics),
            metadata="{" + f'"spec": {string_literal(spec_name)}' + "}",
        )

    def deploy(self) -> tuple[list[Brackets], list[Brackets]]:
        deploy = self.spec.deploy
        if deploy is None:
            return [], []
        processes = [
            _call(
                self.cls("ProcessSpec"),
                name=_literal(process.name.text),
                actors=_names_tuple([p.actor.text for p in process.placements]),
                replicas=repr(process.replicas),
                exactly_once=repr(process.exactly_once),
            )
            for process in deploy.processes
        ]
        topics = [
            _call(
                self.cls("TopicSpec"),
                event=_literal(topic.event.text),
                topic=string_literal(
                    topic.topic if topic.topic is not None else f"{self.spec.module.text}.{topic.event.text}"
                ),
                partitions=repr(topic.partitions if topic.partitions is not None else DEFAULT_PARTITIONS),
            )
            for topic in sorted(deploy.topics, key=lambda t: t.event.text)
        ]
        return processes, topics

    def actor(self, actor: m.ActorDecl) -> Brackets:
        parts = part_names(actor)
        inputs = [
            _call(
                self.cls("Input"),
                event=_literal(i.event.text),
                handler="None" if i.event.text in parts else string_literal(handler_name(i.event.text)),
                latest=repr(i.latest),
            )
            for i in actor.inputs
        ]
        mailbox = actor.mailbox
        calls = [
            _call(self.cls("CallSpec"), actor=_literal(c.actor.text), method=_literal(c.method.text))
            for c in actor.calls
        ]
        return _call(
            self.cls("ActorSpec"),
            name=_literal(actor.name.text),
            inputs=_tuple(inputs),
            emits=_names_tuple(emitted_events(actor)),
            filters=_tuple([self.filter(actor, f, i) for i, f in enumerate(actor.filters)]),
            joins=_tuple([self.join(j) for j in actor.joins]),
            collects=_tuple([self.collect(c) for c in actor.collects]),
            watches=_tuple([self.watch(actor, w) for w in actor.watches]),
            ordered=self.ordered(actor.ordered),
            machine=self.machine(actor.machine),
            services=_tuple([self.service(s) for s in actor.services]),
            calls=_tuple(calls),
            workers=repr(actor.workers),
            mailbox=repr(mailbox.size if mailbox is not None else 1024),
            overflow=string_literal(mailbox.overflow if mailbox is not None else "block"),
            supervision=string_literal(actor.supervision),
        )

    def predicate(
        self,
        function: str,
        params: tuple[ParamView, ...],
        expression: m.Expr,
        mapping: dict[str | None, str],
        doc: str,
    ) -> None:
        self.predicates.append(
            PredicateView(
                function=function,
                params=params,
                body=return_statement(expression, mapping, "    "),
                doc=docstring(doc),
            )
        )

    def filter(self, actor: m.ActorDecl, decl: m.FilterDecl, position: int) -> Brackets:
        event = checked_identifier(decl.event.text)
        kwargs: dict[str, Node | str] = {"event": _literal(event)}
        if decl.kind == "only_from":
            kwargs["only_from"] = _names_tuple(decl.actors)
            text = f"{event} only from {', '.join(a.text for a in decl.actors)}"
        elif decl.kind == "not_from":
            kwargs["not_from"] = _names_tuple(decl.actors)
            text = f"{event} not from {', '.join(a.text for a in decl.actors)}"
        else:
            if decl.predicate is None:
                raise ViewError(f"filter on {event} without a predicate")
            function = f"_{snake_case(actor.name.text)}_{snake_case(event)}_filter_{position}"
            params = (ParamView("event", self.event_class(decl.event)),)
            self.predicate(
                function,
                params,
                decl.predicate,
                {None: "event", event: "event"},
                f"{actor.name.text}: filter {event} where {spec_text(decl.predicate)}",
            )
            kwargs["predicate"] = function
            text = f"{event} where {spec_text(decl.predicate)}"
        kwargs["text"] = string_literal(text)
        return _call(self.cls("Filter"), **kwargs)

    def expiry(self, decl: m.ExpiryDecl | None) -> Node:
        if decl is None:
            return Text("None")
        return _call(
            self.cls("Expiry"),
            after=repr(float(decl.after)),
            action=string_literal(decl.action),
            emit=_optional_name(decl.emit),
        )

    def join(self, join: m.JoinDecl) -> Brackets:
        return _call(
            self.cls("JoinSpec"),
            name=_literal(join.name.text),
            parts=_names_tuple(join.parts),
            key=_optional_name(join.key),
            expiry=self.expiry(join.expiry),
            handler=string_literal(handler_name(join.name.text)),
        )

    def collect(self, collect: m.CollectDecl) -> Brackets:
        return _call(
            self.cls("CollectSpec"),
            name=_literal(collect.name.text),
            item=_literal(collect.item.text),
            item_key=_literal(collect.item_key.text),
            until=_literal(collect.until.text),
            list_field=_literal(collect.list_field.text),
            expiry=self.expiry(collect.expiry),
            handler=string_literal(handler_name(collect.name.text)),
        )

    def watch(self, actor: m.ActorDecl, watch: m.WatchDecl) -> Brackets:
        predicate = "None"
        if watch.condition is not None:
            function = f"_{snake_case(actor.name.text)}_{snake_case(watch.name.text)}_when"
            names = [i.text for i in watch.inputs]
            param_names = parameter_names(names)
            params = tuple(ParamView(p, self.event_class(i)) for p, i in zip(param_names, watch.inputs))
            self.predicate(
                function,
                params,
                watch.condition,
                dict(zip(names, param_names)),
                f"{actor.name.text}: watch {watch.name.text} when {spec_text(watch.condition)}",
            )
            predicate = function
        return _call(
            self.cls("WatchSpec"),
            name=_literal(watch.name.text),
            inputs=_names_tuple(watch.inputs),
            predicate=predicate,
            handler=string_literal(handler_name(watch.name.text)),
        )

    def ordered(self, ordered: m.OrderedDecl | None) -> Node:
        if ordered is None:
            return Text("None")
        return _call(
            self.cls("OrderedSpec"),
            events=_names_tuple(ordered.events),
            field=_literal(ordered.field.text),
            start=repr(ordered.start),
            advance=string_literal(ordered.advance),
            stale=string_literal(ordered.stale),
        )

    def machine(self, machine: m.MachineDecl | None) -> Node:
        if machine is None:
            return Text("None")
        initial = [s for s in machine.states if s.initial]
        if len(initial) != 1:
            raise ViewError("a state machine needs exactly one initial state")
        states = [
            _call(
                self.cls("StateSpec"),
                name=_literal(s.name.text),
                accepts=_names_tuple(s.accepts),
                defers=_names_tuple(s.defers),
                rejects=_names_tuple(s.rejects),
                final=repr(s.final),
                on_enter=string_literal(enter_hook_name(s.name.text)),
                on_exit=string_literal(exit_hook_name(s.name.text)),
            )
            for s in machine.states
        ]
        transitions = [
            _call(
                self.cls("Transition"),
                source=_literal(t.source.text),
                target=_literal(t.target.text),
                on=_optional_name(t.on),
            )
            for t in machine.transitions
        ]
        return _call(
            self.cls("MachineSpec"),
            initial=_literal(initial[0].name.text),
            states=_tuple(states),
            transitions=_tuple(transitions),
            otherwise=string_literal(machine.otherwise),
        )

    def service(self, service: m.ServiceDecl) -> Brackets:
        return _call(
            self.cls("ServiceSpec"),
            method=_literal(service.method.text),
            request=_literal(service.request.text),
            reply=_literal(service.reply.text),
            timeout=repr(float(service.timeout)),
            handler=_literal(service.method.text),
        )


def topology_file(spec: m.Spec, index: SpecIndex, header: str, spec_name: str) -> TopologyFile:
    imports = Imports()
    imports.name("__future__", "annotations")
    builder = _TopologyBuilder(spec, index, imports)
    topology = builder.topology(spec_name).prefixed("TOPOLOGY = ")
    return TopologyFile(header, imports, tuple(builder.predicates), "\n".join(lay_out(topology)))
