"""Top-level declarations: duplicates, identifiers, field types, keys, renames, buffers."""

from __future__ import annotations

from collections.abc import Iterable

from .. import model as m
from ..diagnostics import did_you_mean
from ..names import (
    ANNOTATION_NAMES,
    EVENT_ATTRIBUTES,
    GENERATED_NAMES,
    base_class_name,
    python_keyword_problem,
    state_alias_name,
)
from ..transform import PRIMITIVES
from .scope import Scope, type_text

MAX_SIZE = 2**31 - 1
KEY_TYPES = frozenset({"int", "str", "bytes"})


def check_declarations(scope: Scope) -> None:
    spec = scope.spec
    _check_module(scope, spec.module)
    report_duplicates(scope, "event", (e.name for e in spec.events))
    report_duplicates(scope, "actor", (a.name for a in spec.actors))
    for event in spec.events:
        _check_event(scope, event)
    _check_event_cycles(scope)
    _check_renames(scope)
    _check_buffers(scope)
    for actor in spec.actors:
        check_identifier(scope, actor.name, "actor")
    _check_module_namespace(scope)


def report_duplicates(scope: Scope, kind: str, names: Iterable[m.Name], where: str = "") -> None:
    """E110 for every repeat of a name, pointing back at the first one.

    ``where`` ends the message, e.g. " in event `Order`"."""
    first: dict[str, m.Name] = {}
    for name in names:
        earlier = first.get(name.text)
        if earlier is None:
            first[name.text] = name
            continue
        scope.sink.error(
            "E110",
            f"duplicate {kind} `{name.text}`{where}",
            name.span,
            f"`{name.text}` is already declared at line {earlier.span.line}",
        )


def check_identifier(scope: Scope, name: m.Name, kind: str) -> bool:
    """Keywords and reserved spellings; True when the name is usable in Python."""
    problem = python_keyword_problem(name.text)
    if problem == "keyword":
        scope.sink.error(
            "E120",
            f"{kind} name `{name.text}` is a Python keyword",
            name.span,
            f"rename it, e.g. `{name.text}_`",
        )
        return False
    if problem == "soft":
        scope.sink.warning(
            "W120", f"{kind} name `{name.text}` is a Python soft keyword", name.span, "consider renaming it"
        )
    if name.text.startswith("_"):
        scope.sink.error(
            "E122",
            f"{kind} name `{name.text}` starts with `_`",
            name.span,
            "names starting with `_` are reserved",
        )
        return False
    return True


def check_size(scope: Scope, value: int, what: str, span: m.Span) -> None:
    if value < 1:
        scope.sink.error("E210", f"{what} must be at least 1, not {value}", span)
    elif value > MAX_SIZE:
        scope.sink.error("E210", f"{what} must be at most {MAX_SIZE}", span)


def check_duration(scope: Scope, seconds: float, what: str, span: m.Span) -> None:
    if seconds <= 0:
        scope.sink.error("E210", f"{what} must be longer than zero", span)


def _check_module(scope: Scope, module: m.Name) -> None:
    package = module.text.replace(".", "_")
    if python_keyword_problem(package) == "keyword" or package in GENERATED_NAMES:
        scope.sink.error(
            "E121",
            f"module `{module.text}` gives the package name `{package}`, which Python code cannot import safely",
            module.span,
            "choose another module name",
        )
    elif package.startswith("_"):
        scope.sink.error("E122", f"module name `{module.text}` starts with `_`", module.span)


def _check_event(scope: Scope, event: m.EventDecl) -> None:
    name = event.name
    if check_identifier(scope, name, "event") and name.text in GENERATED_NAMES:
        scope.sink.error(
            "E121",
            f"event name `{name.text}` clashes with a name the generated code uses",
            name.span,
            "rename the event",
        )
    report_duplicates(scope, "field", (f.name for f in event.fields), f" in event `{name.text}`")
    for f in event.fields:
        if not check_identifier(scope, f.name, "field"):
            continue
        if f.name.text in EVENT_ATTRIBUTES:
            scope.sink.error(
                "E121",
                f"field name `{f.name.text}` would replace `Event.{f.name.text}` of the runtime",
                f.name.span,
                "rename the field",
            )
        elif f.name.text in ANNOTATION_NAMES or f.name.text in scope.events:
            scope.sink.error(
                "E121",
                f"field name `{f.name.text}` would hide the type `{f.name.text}` in the generated class",
                f.name.span,
                "rename the field",
            )
        _check_type(scope, f.type)
    if event.key is not None:
        key = scope.require_field(name.text, event.key)
        if key is not None and not (key.type.kind == "primitive" and key.type.name in KEY_TYPES):
            scope.sink.error(
                "E207",
                f"key field `{event.key.text}` has type `{type_text(key.type)}`; a key must be int, str or bytes",
                event.key.span,
            )


def _check_type(scope: Scope, t: m.TypeRef) -> None:
    if t.item is not None:
        _check_type(scope, t.item)
    if t.kind == "event" and t.name is not None and t.name not in scope.events:
        scope.sink.error(
            "E107",
            f"unknown type `{t.name}`",
            t.span,
            did_you_mean(t.name, set(scope.events) | PRIMITIVES),
        )


def _required_refs(t: m.TypeRef) -> str | None:
    """The event a field *must* contain (not optional, not inside a list)."""
    return t.name if t.kind == "event" else None


def _check_event_cycles(scope: Scope) -> None:
    """An event that contains itself through required fields can never be built."""
    graph = {
        name: [r for f in decl.fields if (r := _required_refs(f.type)) is not None and r in scope.events]
        for name, decl in scope.events.items()
    }
    for start, decl in scope.events.items():
        seen: set[str] = set()
        stack = list(graph[start])
        while stack:
            node = stack.pop()
            if node == start:
                scope.sink.error(
                    "E212",
                    f"event `{start}` contains itself through required fields, so it can never be built",
                    decl.name.span,
                    "make one of the fields optional (`T?`) or a list",
                )
                break
            if node not in seen:
                seen.add(node)
                stack.extend(graph[node])


def _check_renames(scope: Scope) -> None:
    report_duplicates(scope, "rename", (r.alias for r in scope.spec.renames))
    for rename in scope.spec.renames:
        if rename.alias.text in scope.events:
            scope.sink.error(
                "E110",
                f"`{rename.alias.text}` is already an event; a rename needs a new name",
                rename.alias.span,
            )
        scope.require_event(rename.target)


def _check_buffers(scope: Scope) -> None:
    report_duplicates(scope, "buffer for event", (b.event for b in scope.spec.buffers))
    for buffer in scope.spec.buffers:
        scope.require_event(buffer.event)
        check_size(scope, buffer.size, "buffer size", buffer.span)


def _check_module_namespace(scope: Scope) -> None:
    """Events, actor classes (handler module), ``<Actor>Base`` and ``<Actor>State``
    share module namespaces in the generated package; no two may coincide."""
    owners: dict[str, str] = {e.name.text: f"event `{e.name.text}`" for e in scope.spec.events}
    for actor in scope.spec.actors:
        name = actor.name.text
        if name.startswith("_") or python_keyword_problem(name) == "keyword":
            continue
        derived = [(name, f"actor `{name}`"), (base_class_name(name), f"the base class of actor `{name}`")]
        if actor.machine is not None:
            derived.append((state_alias_name(name), f"the state type of actor `{name}`"))
        for generated, owner in derived:
            earlier = owners.get(generated)
            if generated in GENERATED_NAMES:
                earlier = "a name the generated code uses"
            if earlier is not None and earlier != owner:
                message = (
                    f"actor name `{name}` clashes with {earlier}"
                    if generated == name
                    else f"actor `{name}` gets the class `{generated}`, which clashes with {earlier}"
                )
                scope.sink.error(
                    "E121",
                    message,
                    actor.name.span,
                    "rename the actor",
                )
            owners.setdefault(generated, owner)
