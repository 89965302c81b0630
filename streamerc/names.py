"""Which spec names would break the generated Python, and why.

The generated modules import a fixed set of names (``Event``, ``Actor``,
``Context``, the ``streamer.topology`` classes, ...) and derive others from spec
names (``<Actor>Base``, ``on_<event>``). A spec name equal to one of them would
shadow it, so the checker rejects it with a clear message instead of letting
the generated code fail to import or type-check.
"""

from __future__ import annotations

import keyword

from .naming import (
    base_class_name,
    call_helper_name,
    enter_hook_name,
    exit_hook_name,
    handler_name,
    snake_case,
    state_alias_name,
)

PYTHON_KEYWORDS = frozenset(keyword.kwlist)
SOFT_KEYWORDS = frozenset(keyword.softkwlist)

GENERATED_NAMES = frozenset(
    {
        # imported by generated modules
        "annotations",
        "Event",
        "Actor",
        "Context",
        "Reply",
        "TYPE_CHECKING",
        "Literal",
        "TypeAlias",
        "Callable",
        "Never",
        "sys",
        "run_main",
        "streamer",
        "msgspec",
        "typing",
        # defined by the generated topology module
        "TOPOLOGY",
        # streamer.topology classes the topology module imports
        "Topology",
        "EventSpec",
        "StreamSpec",
        "Filter",
        "Input",
        "Expiry",
        "JoinSpec",
        "CollectSpec",
        "WatchSpec",
        "OrderedSpec",
        "StateSpec",
        "Transition",
        "MachineSpec",
        "ServiceSpec",
        "CallSpec",
        "ActorSpec",
        "TopicSpec",
        "ProcessSpec",
    }
)
"""Module-level names of generated code that events and actor-derived class
names must not take."""

ANNOTATION_NAMES = frozenset({"int", "float", "str", "bytes", "bool", "list", "None"})
"""Names used in field annotations; a field with such a name would shadow the
type for the fields after it in the class body."""

EVENT_ATTRIBUTES: frozenset[str] = frozenset()
"""Public attributes of ``streamer.Event`` (a ``msgspec.Struct``; none today).
A field with such a name would replace them; a test keeps this in step."""

ACTOR_ATTRIBUTES = frozenset({"NAME", "state", "on_start", "on_stop"})
"""Attributes of ``streamer.Actor`` that no generated method may replace."""


def python_keyword_problem(name: str) -> str | None:
    """'keyword' for hard keywords, 'soft' for soft keywords, None otherwise."""
    if name in PYTHON_KEYWORDS:
        return "keyword"
    if name in SOFT_KEYWORDS:
        return "soft"
    return None


def is_safe_identifier(name: str) -> bool:
    """True when the naming helpers can derive Python names from ``name``."""
    return name.isidentifier() and name.isascii() and not keyword.iskeyword(name)


__all__ = [
    "ACTOR_ATTRIBUTES",
    "ANNOTATION_NAMES",
    "EVENT_ATTRIBUTES",
    "GENERATED_NAMES",
    "PYTHON_KEYWORDS",
    "SOFT_KEYWORDS",
    "base_class_name",
    "call_helper_name",
    "enter_hook_name",
    "exit_hook_name",
    "handler_name",
    "is_safe_identifier",
    "python_keyword_problem",
    "snake_case",
    "state_alias_name",
]
