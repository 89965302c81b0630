"""The template-facing view objects, and lookups the view builders share.

Everything a template prints is a field or property here: names, annotations,
docstring literals, Python literals. ``view`` builds the files' views from a
checked model; ``wiring`` builds the topology module's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import model as m
from .imports import Imports
from .layout import Brackets, Text, annotation, fits, lay_out, prefixed, string_literal
from .naming import checked_identifier


class ViewError(ValueError):
    """The model is inconsistent in a way ``check`` should have reported."""


def docstring(text: str) -> str:
    """A docstring literal of ``text``, which may quote spec string literals.

    Backslashes and unprintable characters are escaped; a quote is escaped only
    where it could end the literal (in a run of three, or at the very end), so
    ``customer != ""`` stays readable.
    """
    escaped = text.replace("\\", "\\\\")
    if not escaped.isprintable():
        escaped = "".join(c if c.isprintable() else f"\\U{ord(c):08x}" for c in escaped)
    escaped = _QUOTE_RUN.sub(lambda run: '\\"' * len(run.group()), escaped)
    # black pads a docstring that ends with a quote, and strips the ends.
    escaped = escaped.strip(" ")
    return f'"""{escaped} """' if escaped.endswith('"') else f'"""{escaped}"""'


_QUOTE_RUN = re.compile(r'"{3,}|"+$')


def _definition(name: str, params: tuple[ParamView, ...], returns: str, indent: str) -> str:
    texts = (f"{p.name}: {p.annotation}" if p.annotation else p.name for p in params)
    line = f"{indent}def {name}({', '.join(texts)}) -> {returns}:"
    if fits(line):  # most do: skip building the layout tree
        return line
    nodes = tuple(prefixed(f"{p.name}: ", annotation(p.annotation)) if p.annotation else Text(p.name) for p in params)
    return "\n".join(lay_out(Brackets(f"def {name}(", nodes, f") -> {returns}:", parameters=True), indent))


def class_header(name: str, bases: tuple[str, ...]) -> str:
    """``class name(bases):`` at the top level, as black lays it out."""
    return "\n".join(lay_out(Brackets(f"class {name}(", tuple(Text(b) for b in bases), "):")))


@dataclass(frozen=True)
class FieldView:
    name: str
    annotation: str
    default: str | None
    """Python text of the default value, or None for a required field."""


@dataclass(frozen=True)
class EventView:
    class_name: str
    doc: str
    fields: tuple[FieldView, ...]

    @property
    def class_header(self) -> str:
        return class_header(self.class_name, ("Event", "frozen=True", "kw_only=True"))


@dataclass(frozen=True)
class ParamView:
    name: str
    annotation: str
    """Python text of the annotation; empty for ``self``."""


@dataclass(frozen=True)
class MethodView:
    name: str
    params: tuple[ParamView, ...]
    returns: str
    doc: str
    kind: str
    """``handler`` (the user must override it), ``service`` (likewise, returns a
    reply), ``hook`` (optional no-op), ``call`` (a typed request helper)."""
    call_actor: str = ""
    """Python literals of the callee for ``call`` helpers."""
    call_method: str = ""

    def definition(self, indent: str) -> str:
        """The ``def`` line(s) at ``indent``, as black lays them out."""
        return _definition(self.name, (ParamView("self", ""), *self.params), self.returns, indent)

    def call_statement(self, indent: str) -> str:
        """A call helper's body: ``ctx.call(...)`` at ``indent``."""
        args = (Text(self.call_actor), Text(self.call_method), Text("request"), Text("then"))
        return "\n".join(lay_out(Brackets("ctx.call(", args), indent))

    @property
    def arguments(self) -> str:
        """The parameters as call arguments, for helpers that forward them."""
        return ", ".join(p.name for p in self.params)


@dataclass(frozen=True)
class ActorView:
    name: str
    base_name: str
    doc: str
    context: str
    """Annotation of ``ctx``: ``Context[<union of emitted events>]``."""
    state_alias: str | None
    state_literal: Brackets | None
    """``Literal[...]`` of the state names, for an actor with a state machine."""
    methods: tuple[MethodView, ...]
    emits_anything: bool

    @property
    def name_literal(self) -> str:
        return string_literal(self.name)

    @property
    def base_header(self) -> str:
        """The generated base class's ``class`` line(s)."""
        return class_header(self.base_name, ("Actor",))

    @property
    def starter_header(self) -> str:
        """The starter handler class's ``class`` line(s)."""
        return class_header(self.name, (self.base_name,))

    @property
    def state_definition(self) -> str:
        """``<Actor>State: TypeAlias = Literal[...]``, as black lays it out."""
        if self.state_alias is None or self.state_literal is None:
            raise ViewError(f"actor {self.name} has no state machine")
        return "\n".join(lay_out(self.state_literal.prefixed(f"{self.state_alias}: TypeAlias = ")))

    @property
    def user_methods(self) -> tuple[MethodView, ...]:
        """Methods a handler class must define (handlers and services)."""
        return tuple(method for method in self.methods if method.kind in ("handler", "service"))

    @property
    def starter_methods(self) -> tuple[MethodView, ...]:
        """What the starter handler class spells out: the methods to define,
        or ``on_start`` for a source actor that consumes nothing."""
        if self.user_methods:
            return self.user_methods
        return tuple(method for method in self.methods if method.name == "on_start")

    @property
    def hooks(self) -> tuple[MethodView, ...]:
        return tuple(method for method in self.methods if method.kind == "hook")

    @property
    def call_helpers(self) -> tuple[MethodView, ...]:
        return tuple(method for method in self.methods if method.kind == "call")


@dataclass(frozen=True)
class EventsFile:
    header: str
    imports: Imports
    events: tuple[EventView, ...]


@dataclass(frozen=True)
class ActorsFile:
    header: str
    imports: Imports
    actors: tuple[ActorView, ...]


@dataclass(frozen=True)
class PredicateView:
    """A compiled filter or watch condition: a typed module-level function."""

    function: str
    params: tuple[ParamView, ...]
    body: str
    """The ``return`` statement, indented, as black lays it out."""
    doc: str

    @property
    def definition(self) -> str:
        """The ``def`` line(s), as black lays them out."""
        return _definition(self.function, self.params, "bool", "")


@dataclass(frozen=True)
class TopologyFile:
    header: str
    imports: Imports
    predicates: tuple[PredicateView, ...]
    topology: str
    """The ``TOPOLOGY = Topology(...)`` statement, laid out as black prints it."""


@dataclass(frozen=True)
class MainFile:
    header: str
    imports: Imports
    package: str
    handlers_module: str
    """Python literal of the default handler module name."""

    @property
    def run_statement(self) -> str:
        """The ``__main__`` guard's body, as black lays it out."""
        run_main = Brackets("run_main(", (Text("TOPOLOGY"), Text(self.handlers_module), Text("sys.argv[1:]")))
        return "\n".join(lay_out(Brackets("sys.exit(", (run_main,)), "    "))


@dataclass(frozen=True)
class InitFile:
    header: str
    imports: Imports
    exports: tuple[str, ...]
    doc: str


@dataclass(frozen=True)
class HandlersFile:
    imports: Imports
    package: str
    spec_name: str
    actors: tuple[ActorView, ...]


@dataclass(frozen=True)
class PackageView:
    package: str
    spec_name: str
    events: EventsFile
    actors: ActorsFile
    topology: TopologyFile
    main: MainFile
    init: InitFile
    handlers: HandlersFile

    @property
    def handlers_module(self) -> str:
        return f"{self.package}_handlers"


class SpecIndex:
    """Lookups by name over a checked spec."""

    def __init__(self, spec: m.Spec) -> None:
        self.spec = spec
        self.events = {event.name.text: event for event in spec.events}
        self.actors = {actor.name.text: actor for actor in spec.actors}
        self.aliases = {rename.alias.text: rename.target.text for rename in spec.renames}

    def event(self, name: m.Name | str) -> m.EventDecl:
        text = name if isinstance(name, str) else name.text
        text = self.aliases.get(text, text)
        try:
            return self.events[text]
        except KeyError:
            raise ViewError(f"unknown event {text!r}") from None

    def event_class(self, name: m.Name | str, imports: Imports | None, module: str) -> str:
        class_name = checked_identifier(self.event(name).name.text)
        if imports is not None:
            imports.name(module, class_name)
        return class_name

    def service(self, call: m.CallDecl) -> m.ServiceDecl:
        actor = self.actors.get(call.actor.text)
        if actor is None:
            raise ViewError(f"call to unknown actor {call.actor.text!r}")
        for service in actor.services:
            if service.method.text == call.method.text:
                return service
        raise ViewError(f"call to unknown service {call.actor.text}.{call.method.text}")


def part_names(actor: m.ActorDecl) -> set[str]:
    """Events that feed a join, collect or watch of ``actor``."""
    parts: set[str] = set()
    for join in actor.joins:
        parts.update(part.text for part in join.parts)
    for collect in actor.collects:
        parts.update((collect.item.text, collect.until.text))
    for watch in actor.watches:
        parts.update(name.text for name in watch.inputs)
    return parts


def emitted_events(actor: m.ActorDecl) -> list[str]:
    """What the actor publishes: its declared emits, then the events its joins'
    and collects' expiries emit on its behalf (the runtime publishes those
    through the actor's context, so they must be declared to it)."""
    names = [name.text for name in actor.emits]
    expiries = [join.expiry for join in actor.joins] + [collect.expiry for collect in actor.collects]
    for expiry in expiries:
        if expiry is not None and expiry.action == "emit" and expiry.emit is not None:
            names.append(expiry.emit.text)
    return list(dict.fromkeys(names))
