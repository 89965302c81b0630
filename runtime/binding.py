"""Binding a topology's actors to the user's handler classes.

Handlers come as a mapping ``actor name -> class`` or as a module, in which each
actor's class is the unique subclass of its generated base (``<Actor>Base``)
or of ``streamer.Actor`` with ``NAME == actor``. Missing handler methods are
reported for all actors at once, before anything runs.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from types import ModuleType
from typing import Any, cast

from .actor import Actor
from .errors import HandlerMissingError
from .topology import ActorSpec

Handlers = Mapping[str, type[Actor]] | ModuleType


def required_methods(spec: ActorSpec) -> list[str]:
    """Every method the runtime will call on the actor's class."""
    names = [item.handler for item in spec.inputs if item.handler is not None]
    names += [join.handler for join in spec.joins]
    names += [collect.handler for collect in spec.collects]
    names += [watch.handler for watch in spec.watches]
    names += [service.handler for service in spec.services]
    return list(dict.fromkeys(names))


def _is_missing(cls: type, method: str) -> bool:
    attribute = getattr(cls, method, None)
    return attribute is None or not callable(attribute) or getattr(attribute, "__isabstractmethod__", False)


def _find_in_module(module: ModuleType, actor: str) -> type[Actor] | None:
    base_name = f"{actor}Base"
    candidates = []
    for value in vars(module).values():
        if not inspect.isclass(value) or not issubclass(value, Actor) or value is Actor:
            continue
        if value.__name__ == base_name or value.__dict__.get("__streamer_generated__", False):
            continue
        bases = {klass.__name__ for klass in value.__mro__[1:]}
        if value.NAME == actor or base_name in bases:
            candidates.append(value)
    unique = list(dict.fromkeys(candidates))
    if len(unique) > 1:
        names = ", ".join(sorted(cls.__qualname__ for cls in unique))
        raise HandlerMissingError(
            f"module {module.__name__} has several handler classes for actor {actor}: {names}"
        )
    return unique[0] if unique else None


def bind(handlers: Handlers | Any, actors: Iterable[ActorSpec]) -> dict[str, type[Actor]]:
    """The handler class of every actor; one ``HandlerMissingError`` listing every problem."""
    problems: list[str] = []
    bound: dict[str, type[Actor]] = {}
    for spec in actors:
        cls: Any
        if isinstance(handlers, ModuleType):
            cls = _find_in_module(handlers, spec.name)
            where = f"module {handlers.__name__}"
        elif isinstance(handlers, Mapping):
            cls = handlers.get(spec.name)
            where = "the handlers mapping"
        else:
            raise HandlerMissingError(
                f"handlers must be a module or a mapping of actor name to class, got {type(handlers).__name__}"
            )
        if cls is None:
            problems.append(
                f"no handler class for actor {spec.name} in {where} "
                f"(subclass {spec.name}Base, or streamer.Actor with NAME = {spec.name!r})"
            )
            continue
        if not inspect.isclass(cls):
            problems.append(f"handler for actor {spec.name} must be a class, got {cls!r}")
            continue
        missing = [method for method in required_methods(spec) if _is_missing(cls, method)]
        if missing:
            problems.append(f"{cls.__qualname__} (actor {spec.name}) lacks handler method(s): {', '.join(missing)}")
            continue
        bound[spec.name] = cast(type[Actor], cls)
    if problems:
        raise HandlerMissingError("; ".join(problems))
    return bound
