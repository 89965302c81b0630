"""The view of the generated ``topology.py``: ``TOPOLOGY = Topology(...)``.

The constructor call is built as Python text from ``streamer.topology``
classes, every string a ``repr`` of a validated name. Filter and watch
expressions become small typed module-level functions (so mypy checks them
against the event classes) compiled by ``predicates``.
"""

from __future__ import annotations

from . import model as m
from .imports import Imports
from .naming import (
    checked_identifier,
    handler_name,
    enter_hook_name,
    exit_hook_name,
    parameter_names,
    snake_case,
)
from .predicates import python_expr, spec_text
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


class _Call:
    """Python text of a constructor call with keyword arguments."""

    def __init__(self, func: str, **kwargs: str) -> None:
        self.func = func
        self.kwargs = kwargs

    def __str__(self) -> str:
        args = ", ".join(f"{key}={value}" for key, value in self.kwargs.items())
        return f"{self.func}({args})"


def _tuple(items: list[str]) -> str:
    if len(items) == 1:
        return f"({items[0]},)"
    return "(" + ", ".join(items) + ")"


def _names_tuple(names: tuple[m.Name, ...] | list[str]) -> str:
    texts = [n if isinstance(n, str) else n.text for n in names]
    return _tuple([repr(checked_identifier(text)) for text in texts])


def _optional_name(name: m.Name | None) -> str:
    return "None" if name is None else repr(checked_identifier(name.text))


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

    def topology(self, spec_name: str) -> str:
        spec = self.spec
        events = [
            str(
                _Call(
                    self.cls("EventSpec"),
                    name=repr(checked_identifier(event.name.text)),
                    type=self.event_class(event.name),
                    key=_optional_name(event.key),
                    external=repr(event.external),
                )
            )
            for event in spec.events
        ]
        streams = [
            str(
                _Call(
                    self.cls("StreamSpec"),
                    event=repr(checked_identifier(buffer.event.text)),
                    buffer=repr(buffer.size),
                    overflow=repr(buffer.overflow),
                )
            )
            for buffer in sorted(spec.buffers, key=lambda b: b.event.text)
        ]
        renames = [
            _tuple([repr(checked_identifier(r.alias.text)), repr(checked_identifier(r.target.text))])
            for r in sorted(spec.renames, key=lambda r: r.alias.text)
        ]
        processes, topics = self.deploy()
        return str(
            _Call(
                self.cls("Topology"),
                module=repr(spec.module.text),
                events=_tuple(events),
                actors=_tuple([self.actor(actor) for actor in spec.actors]),
                streams=_tuple(streams),
                renames=_tuple(renames),
                processes=_tuple(processes),
                topics=_tuple(topics),
                metadata="{" + f"'spec': {spec_name!r}" + "}",
            )
        )

    def deploy(self) -> tuple[list[str], list[str]]:
        deploy = self.spec.deploy
        if deploy is None:
            return [], []
        processes = [
            str(
                _Call(
                    self.cls("ProcessSpec"),
                    name=repr(checked_identifier(process.name.text)),
                    actors=_names_tuple([p.actor.text for p in process.placements]),
                    replicas=repr(process.replicas),
                    exactly_once=repr(process.exactly_once),
                )
            )
            for process in deploy.processes
        ]
        topics = [
            str(
                _Call(
                    self.cls("TopicSpec"),
                    event=repr(checked_identifier(topic.event.text)),
                    topic=repr(
                        topic.topic
                        if topic.topic is not None
                        else f"{self.spec.module.text}.{topic.event.text}"
                    ),
                    partitions=repr(topic.partitions if topic.partitions is not None else DEFAULT_PARTITIONS),
                )
            )
            for topic in sorted(deploy.topics, key=lambda t: t.event.text)
        ]
        return processes, topics

    def actor(self, actor: m.ActorDecl) -> str:
        parts = part_names(actor)
        inputs = [
            str(
                _Call(
                    self.cls("Input"),
                    event=repr(checked_identifier(i.event.text)),
                    handler="None" if i.event.text in parts else repr(handler_name(i.event.text)),
                    latest=repr(i.latest),
                )
            )
            for i in actor.inputs
        ]
        mailbox = actor.mailbox
        return str(
            _Call(
                self.cls("ActorSpec"),
                name=repr(checked_identifier(actor.name.text)),
                inputs=_tuple(inputs),
                emits=_names_tuple(emitted_events(actor)),
                filters=_tuple([self.filter(actor, f, i) for i, f in enumerate(actor.filters)]),
                joins=_tuple([self.join(j) for j in actor.joins]),
                collects=_tuple([self.collect(c) for c in actor.collects]),
                watches=_tuple([self.watch(actor, w) for w in actor.watches]),
                ordered=self.ordered(actor.ordered),
                machine=self.machine(actor.machine),
                services=_tuple([self.service(s) for s in actor.services]),
                calls=_tuple(
                    [
                        str(
                            _Call(
                                self.cls("CallSpec"),
                                actor=repr(checked_identifier(c.actor.text)),
                                method=repr(checked_identifier(c.method.text)),
                            )
                        )
                        for c in actor.calls
                    ]
                ),
                workers=repr(actor.workers),
                mailbox=repr(mailbox.size if mailbox is not None else 1024),
                overflow=repr(mailbox.overflow if mailbox is not None else "block"),
                supervision=repr(actor.supervision),
            )
        )

    def filter(self, actor: m.ActorDecl, decl: m.FilterDecl, position: int) -> str:
        event = checked_identifier(decl.event.text)
        kwargs: dict[str, str] = {"event": repr(event)}
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
            self.predicates.append(
                PredicateView(
                    function=function,
                    params=params,
                    expression=python_expr(decl.predicate, {None: "event", event: "event"}),
                    doc=docstring(f"{actor.name.text}: filter {event} where {spec_text(decl.predicate)}"),
                )
            )
            kwargs["predicate"] = function
            text = f"{event} where {spec_text(decl.predicate)}"
        kwargs["text"] = repr(text)
        return str(_Call(self.cls("Filter"), **kwargs))

    def expiry(self, decl: m.ExpiryDecl | None) -> str:
        if decl is None:
            return "None"
        return str(
            _Call(
                self.cls("Expiry"),
                after=repr(float(decl.after)),
                action=repr(decl.action),
                emit=_optional_name(decl.emit),
            )
        )

    def join(self, join: m.JoinDecl) -> str:
        return str(
            _Call(
                self.cls("JoinSpec"),
                name=repr(checked_identifier(join.name.text)),
                parts=_names_tuple(join.parts),
                key=_optional_name(join.key),
                expiry=self.expiry(join.expiry),
                handler=repr(handler_name(join.name.text)),
            )
        )

    def collect(self, collect: m.CollectDecl) -> str:
        return str(
            _Call(
                self.cls("CollectSpec"),
                name=repr(checked_identifier(collect.name.text)),
                item=repr(checked_identifier(collect.item.text)),
                item_key=repr(checked_identifier(collect.item_key.text)),
                until=repr(checked_identifier(collect.until.text)),
                list_field=repr(checked_identifier(collect.list_field.text)),
                expiry=self.expiry(collect.expiry),
                handler=repr(handler_name(collect.name.text)),
            )
        )

    def watch(self, actor: m.ActorDecl, watch: m.WatchDecl) -> str:
        predicate = "None"
        if watch.condition is not None:
            function = f"_{snake_case(actor.name.text)}_{snake_case(watch.name.text)}_when"
            names = [i.text for i in watch.inputs]
            param_names = parameter_names(names)
            params = tuple(ParamView(p, self.event_class(i)) for p, i in zip(param_names, watch.inputs))
            mapping: dict[str | None, str] = dict(zip(names, param_names))
            self.predicates.append(
                PredicateView(
                    function=function,
                    params=params,
                    expression=python_expr(watch.condition, mapping),
                    doc=docstring(
                        f"{actor.name.text}: watch {watch.name.text} when {spec_text(watch.condition)}"
                    ),
                )
            )
            predicate = function
        return str(
            _Call(
                self.cls("WatchSpec"),
                name=repr(checked_identifier(watch.name.text)),
                inputs=_names_tuple(watch.inputs),
                predicate=predicate,
                handler=repr(handler_name(watch.name.text)),
            )
        )

    def ordered(self, ordered: m.OrderedDecl | None) -> str:
        if ordered is None:
            return "None"
        return str(
            _Call(
                self.cls("OrderedSpec"),
                events=_names_tuple(ordered.events),
                field=repr(checked_identifier(ordered.field.text)),
                start=repr(ordered.start),
                advance=repr(ordered.advance),
                stale=repr(ordered.stale),
            )
        )

    def machine(self, machine: m.MachineDecl | None) -> str:
        if machine is None:
            return "None"
        initial = [s for s in machine.states if s.initial]
        if len(initial) != 1:
            raise ViewError("a state machine needs exactly one initial state")
        states = [
            str(
                _Call(
                    self.cls("StateSpec"),
                    name=repr(checked_identifier(s.name.text)),
                    accepts=_names_tuple(s.accepts),
                    defers=_names_tuple(s.defers),
                    rejects=_names_tuple(s.rejects),
                    final=repr(s.final),
                    on_enter=repr(enter_hook_name(s.name.text)),
                    on_exit=repr(exit_hook_name(s.name.text)),
                )
            )
            for s in machine.states
        ]
        transitions = [
            str(
                _Call(
                    self.cls("Transition"),
                    source=repr(checked_identifier(t.source.text)),
                    target=repr(checked_identifier(t.target.text)),
                    on=_optional_name(t.on),
                )
            )
            for t in machine.transitions
        ]
        return str(
            _Call(
                self.cls("MachineSpec"),
                initial=repr(checked_identifier(initial[0].name.text)),
                states=_tuple(states),
                transitions=_tuple(transitions),
                otherwise=repr(machine.otherwise),
            )
        )

    def service(self, service: m.ServiceDecl) -> str:
        return str(
            _Call(
                self.cls("ServiceSpec"),
                method=repr(checked_identifier(service.method.text)),
                request=repr(checked_identifier(service.request.text)),
                reply=repr(checked_identifier(service.reply.text)),
                timeout=repr(float(service.timeout)),
                handler=repr(checked_identifier(service.method.text)),
            )
        )


def topology_file(spec: m.Spec, index: SpecIndex, header: str, spec_name: str) -> TopologyFile:
    imports = Imports()
    imports.name("__future__", "annotations")
    builder = _TopologyBuilder(spec, index, imports)
    topology = builder.topology(spec_name)
    return TopologyFile(header, imports, tuple(builder.predicates), topology)
