"""The compiler's model of a spec: the AST with positions, names as written.

``parse`` builds these nodes from the Lark tree; ``resolve``/``check`` read them
and report diagnostics; ``view`` turns a checked model into template-facing
objects. Every node carries a ``Span`` so any diagnostic can point at it.
References to other declarations are kept as ``Name`` (text + span) and looked
up through ``Spec`` indexes, never as object links, so the model stays a plain
tree that is easy to build in tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Span:
    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    """Exclusive end column, 1-based like ``column``."""


@dataclass(frozen=True)
class Name:
    text: str
    span: Span


# ---- types -------------------------------------------------------------

Primitive = Literal["int", "float", "str", "bytes", "bool"]


@dataclass(frozen=True)
class TypeRef:
    """``int``, ``list[str]``, ``Order?``: a primitive, an event name, a list, an optional."""

    kind: Literal["primitive", "event", "list", "optional"]
    span: Span
    name: str | None = None
    """Primitive or event name for those kinds."""
    item: TypeRef | None = None
    """Element type for ``list`` and ``optional``."""


@dataclass(frozen=True)
class FieldDecl:
    name: Name
    type: TypeRef


@dataclass(frozen=True)
class EventDecl:
    name: Name
    fields: tuple[FieldDecl, ...]
    key: Name | None
    external: bool
    span: Span


# ---- expressions (filter predicates, watch conditions) ------------------

Literal_ = int | float | str | bytes | bool | None


@dataclass(frozen=True)
class FieldRef:
    """``total`` inside a filter of one event, or ``S1.value`` in a watch."""

    event: Name | None
    field: Name
    span: Span


@dataclass(frozen=True)
class Const:
    value: Literal_
    span: Span


@dataclass(frozen=True)
class Call:
    """Only ``len(x)`` is allowed."""

    func: Name
    arg: Expr
    span: Span


@dataclass(frozen=True)
class Compare:
    op: Literal["==", "!=", "<", "<=", ">", ">=", "in", "not in"]
    left: Expr
    right: Expr
    span: Span


@dataclass(frozen=True)
class ListExpr:
    items: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True)
class BoolOp:
    op: Literal["and", "or"]
    operands: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True)
class Not:
    operand: Expr
    span: Span


Expr = FieldRef | Const | Call | Compare | ListExpr | BoolOp | Not


# ---- actor clauses ------------------------------------------------------


@dataclass(frozen=True)
class InputDecl:
    event: Name
    latest: bool


@dataclass(frozen=True)
class FilterDecl:
    event: Name
    kind: Literal["only_from", "not_from", "where"]
    actors: tuple[Name, ...]
    predicate: Expr | None
    span: Span


@dataclass(frozen=True)
class ExpiryDecl:
    after: float
    """Seconds."""
    action: Literal["drop", "deadletter", "emit"]
    emit: Name | None
    span: Span


@dataclass(frozen=True)
class JoinDecl:
    name: Name
    parts: tuple[Name, ...]
    key: Name | None
    expiry: ExpiryDecl | None
    span: Span


@dataclass(frozen=True)
class CollectDecl:
    name: Name
    item: Name
    item_key: Name
    until: Name
    list_field: Name
    expiry: ExpiryDecl | None
    span: Span


@dataclass(frozen=True)
class WatchDecl:
    name: Name
    inputs: tuple[Name, ...]
    condition: Expr | None
    span: Span


@dataclass(frozen=True)
class OrderedDecl:
    events: tuple[Name, ...]
    field: Name
    start: int
    advance: Literal["auto", "manual"]
    stale: Literal["drop", "deadletter", "pass"]
    span: Span


@dataclass(frozen=True)
class StateDecl:
    name: Name
    initial: bool
    final: bool
    accepts: tuple[Name, ...]
    defers: tuple[Name, ...]
    rejects: tuple[Name, ...]
    span: Span


@dataclass(frozen=True)
class TransitionDecl:
    source: Name
    target: Name
    on: Name | None
    span: Span


@dataclass(frozen=True)
class MachineDecl:
    states: tuple[StateDecl, ...]
    transitions: tuple[TransitionDecl, ...]
    otherwise: Literal["defer", "reject"]
    span: Span


@dataclass(frozen=True)
class ServiceDecl:
    method: Name
    request: Name
    reply: Name
    timeout: float
    span: Span


@dataclass(frozen=True)
class CallDecl:
    actor: Name
    method: Name
    span: Span


@dataclass(frozen=True)
class MailboxDecl:
    size: int
    overflow: Literal["block", "drop_newest", "drop_oldest", "error"]
    span: Span


@dataclass(frozen=True)
class ActorDecl:
    name: Name
    inputs: tuple[InputDecl, ...]
    emits: tuple[Name, ...]
    filters: tuple[FilterDecl, ...] = ()
    joins: tuple[JoinDecl, ...] = ()
    collects: tuple[CollectDecl, ...] = ()
    watches: tuple[WatchDecl, ...] = ()
    ordered: OrderedDecl | None = None
    machine: MachineDecl | None = None
    services: tuple[ServiceDecl, ...] = ()
    calls: tuple[CallDecl, ...] = ()
    workers: int = 1
    mailbox: MailboxDecl | None = None
    supervision: Literal["resume", "restart", "stop", "escalate"] = "resume"
    span: Span | None = None


# ---- top level ------------------------------------------------------------


@dataclass(frozen=True)
class RenameDecl:
    alias: Name
    target: Name
    span: Span


@dataclass(frozen=True)
class BufferDecl:
    event: Name
    size: int
    overflow: Literal["block", "drop_newest", "drop_oldest", "error"]
    span: Span


@dataclass(frozen=True)
class Placement:
    actor: Name


@dataclass(frozen=True)
class ProcessDecl:
    name: Name
    placements: tuple[Placement, ...]
    replicas: int
    exactly_once: bool
    span: Span


@dataclass(frozen=True)
class TopicDecl:
    event: Name
    topic: str | None
    partitions: int | None
    span: Span


@dataclass(frozen=True)
class DeployDecl:
    processes: tuple[ProcessDecl, ...]
    topics: tuple[TopicDecl, ...]
    span: Span


@dataclass(frozen=True)
class Spec:
    file: str
    module: Name
    events: tuple[EventDecl, ...] = ()
    actors: tuple[ActorDecl, ...] = ()
    renames: tuple[RenameDecl, ...] = ()
    buffers: tuple[BufferDecl, ...] = ()
    deploy: DeployDecl | None = None
    source: str = field(default="", repr=False)
    """The spec text, kept for diagnostics."""

    @property
    def package(self) -> str:
        """Python package name: the module with dots turned into underscores."""
        return self.module.text.replace(".", "_")
