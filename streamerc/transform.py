"""Lark parse tree -> ``streamerc.model`` nodes, with exact spans.

Problems the grammar cannot express (a clause given twice, a bad escape in a
string, a number out of range) are reported to a ``DiagnosticSink`` here; the
builder always returns a complete model so several such problems surface in
one run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, cast

from lark import Token, Transformer, v_args
from lark.tree import Meta

from . import literals
from . import model as m
from .diagnostics import DiagnosticSink
from .literals import LiteralError

T = TypeVar("T")

Overflow = Literal["block", "drop_newest", "drop_oldest", "error"]
PRIMITIVES = frozenset({"int", "float", "str", "bytes", "bool"})


@dataclass(frozen=True)
class _Tagged:
    """An intermediate result: which clause/rule produced ``value``."""

    tag: str
    value: Any
    span: m.Span


def _kids(children: list[Any], tag: str) -> list[Any]:
    return [c.value for c in children if isinstance(c, _Tagged) and c.tag == tag]


def _one(children: list[Any], tag: str) -> Any:
    found = _kids(children, tag)
    return found[0] if found else None


class SpecBuilder(Transformer[Token, m.Spec]):
    """Builds a ``model.Spec``; collects diagnostics instead of raising."""

    def __init__(self, file: str, source: str, sink: DiagnosticSink) -> None:
        super().__init__(visit_tokens=False)
        self.file = file
        self.source = source
        self.sink = sink

    # ---- positions -------------------------------------------------------

    def span(self, meta: Meta) -> m.Span:
        if getattr(meta, "empty", True):
            return m.Span(self.file, 1, 1, 1, 1)
        return m.Span(self.file, meta.line, meta.column, meta.end_line, meta.end_column)

    def tok_span(self, tok: Token) -> m.Span:
        line = tok.line or 1
        column = tok.column or 1
        end_line = tok.end_line or line
        end_column = tok.end_column or column + len(tok)
        return m.Span(self.file, line, column, end_line, end_column)

    def name(self, tok: Token) -> m.Name:
        return m.Name(str(tok), self.tok_span(tok))

    def names(self, toks: list[Any]) -> tuple[m.Name, ...]:
        return tuple(self.name(t) for t in toks if isinstance(t, Token))

    def literal(self, tok: Token, decode: Callable[[str], T], fallback: T, text: str | None = None) -> T:
        """Decode a literal token; a bad one is reported (E003) and ``fallback`` used."""
        try:
            return decode(str(tok) if text is None else text)
        except LiteralError as error:
            self.sink.error("E003", error.message, self.tok_span(tok), error.hint)
            return fallback

    def integer(self, tok: Token, text: str | None = None) -> int:
        return self.literal(tok, literals.integer, 0, text)

    def duration(self, tok: Token) -> float:
        return self.literal(tok, literals.duration, 1.0)

    def duplicate_clause(self, what: str, span: m.Span) -> None:
        self.sink.error("E004", f"`{what}` is given more than once here", span, "keep one")

    # ---- top level ---------------------------------------------------------

    @v_args(meta=True)
    def start(self, meta: Meta, children: list[Any]) -> m.Spec:
        module = children[0]
        events = tuple(_kids(children, "event"))
        actors = tuple(_kids(children, "actor"))
        renames = tuple(_kids(children, "rename"))
        buffers = tuple(_kids(children, "buffer"))
        deploys: list[m.DeployDecl] = _kids(children, "deploy")
        for extra in deploys[1:]:
            self.sink.error("E004", "a spec has one `deploy` section", extra.span, "merge the sections")
        return m.Spec(
            file=self.file,
            module=module,
            events=events,
            actors=actors,
            renames=renames,
            buffers=buffers,
            deploy=deploys[0] if deploys else None,
            source=self.source,
        )

    @v_args(meta=True)
    def module_decl(self, meta: Meta, children: list[Any]) -> m.Name:
        return cast(m.Name, children[0])

    @v_args(meta=True)
    def dotted_name(self, meta: Meta, children: list[Token]) -> m.Name:
        return m.Name(".".join(str(c) for c in children), self.span(meta))

    # ---- events ------------------------------------------------------------

    @v_args(meta=True)
    def event_decl(self, meta: Meta, children: list[Any]) -> _Tagged:
        name_tok = next(c for c in children if isinstance(c, Token))
        decl = m.EventDecl(
            name=self.name(name_tok),
            fields=tuple(_kids(children, "field")),
            key=_one(children, "key"),
            external=bool(_kids(children, "external")),
            span=self.span(meta),
        )
        return _Tagged("event", decl, decl.span)

    @v_args(meta=True)
    def external(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _Tagged("external", True, self.span(meta))

    @v_args(meta=True)
    def event_key(self, meta: Meta, children: list[Token]) -> _Tagged:
        return _Tagged("key", self.name(children[0]), self.span(meta))

    @v_args(meta=True)
    def field(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _Tagged("field", m.FieldDecl(self.name(children[0]), children[1]), self.span(meta))

    @v_args(meta=True)
    def type(self, meta: Meta, children: list[Any]) -> m.TypeRef:
        base = cast(m.TypeRef, children[0])
        if len(children) > 1:
            return m.TypeRef("optional", self.span(meta), item=base)
        return base

    @v_args(meta=True)
    def optional_mark(self, meta: Meta, children: list[Any]) -> str:
        return "?"

    @v_args(meta=True)
    def list_type(self, meta: Meta, children: list[Any]) -> m.TypeRef:
        return m.TypeRef("list", self.span(meta), item=children[0])

    @v_args(meta=True)
    def named_type(self, meta: Meta, children: list[Token]) -> m.TypeRef:
        text = str(children[0])
        kind: Literal["primitive", "event"] = "primitive" if text in PRIMITIVES else "event"
        return m.TypeRef(kind, self.span(meta), name=text)

    # ---- top-level stream settings -----------------------------------------

    @v_args(meta=True)
    def rename_decl(self, meta: Meta, children: list[Token]) -> _Tagged:
        span = self.span(meta)
        return _Tagged("rename", m.RenameDecl(self.name(children[0]), self.name(children[1]), span), span)

    @v_args(meta=True)
    def buffer_decl(self, meta: Meta, children: list[Any]) -> _Tagged:
        span = self.span(meta)
        overflow: Overflow = _one(children, "overflow") or "block"
        decl = m.BufferDecl(self.name(children[0]), self.integer(children[1]), overflow, span)
        return _Tagged("buffer", decl, span)

    @v_args(meta=True)
    def overflow(self, meta: Meta, children: list[Token]) -> _Tagged:
        return _Tagged("overflow", str(children[0]), self.span(meta))

    # ---- actors ----------------------------------------------------------------

    @v_args(meta=True)
    def actor_decl(self, meta: Meta, children: list[Any]) -> _Tagged:
        span = self.span(meta)
        name = self.name(children[0])
        clauses = [c for c in children[1:] if isinstance(c, _Tagged)]

        def single(tag: str, keyword: str) -> Any:
            found = [c for c in clauses if c.tag == tag]
            for extra in found[1:]:
                self.duplicate_clause(keyword, extra.span)
            return found[0].value if found else None

        inputs = tuple(i for c in clauses if c.tag == "consumes" for i in c.value)
        emits = tuple(n for c in clauses if c.tag == "emits" for n in c.value)
        workers = single("workers", "workers")
        decl = m.ActorDecl(
            name=name,
            inputs=inputs,
            emits=emits,
            filters=tuple(_kids(clauses, "filter")),
            joins=tuple(_kids(clauses, "join")),
            collects=tuple(_kids(clauses, "collect")),
            watches=tuple(_kids(clauses, "watch")),
            ordered=single("ordered", "ordered"),
            machine=single("states", "states"),
            services=tuple(_kids(clauses, "service")),
            calls=tuple(c for group in _kids(clauses, "calls") for c in group),
            workers=1 if workers is None else workers,
            mailbox=single("mailbox", "mailbox"),
            supervision=single("on_error", "on error") or "resume",
            span=span,
        )
        return _Tagged("actor", decl, span)

    @v_args(meta=True)
    def consumes(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _Tagged("consumes", tuple(children), self.span(meta))

    @v_args(meta=True)
    def input(self, meta: Meta, children: list[Any]) -> m.InputDecl:
        tok = children[-1]
        return m.InputDecl(self.name(tok), latest=len(children) > 1)

    @v_args(meta=True)
    def latest(self, meta: Meta, children: list[Any]) -> str:
        return "latest"

    @v_args(meta=True)
    def name_list(self, meta: Meta, children: list[Token]) -> tuple[m.Name, ...]:
        return self.names(children)

    @v_args(meta=True)
    def emits(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _Tagged("emits", children[0], self.span(meta))

    @v_args(meta=True)
    def workers(self, meta: Meta, children: list[Token]) -> _Tagged:
        return _Tagged("workers", self.integer(children[0]), self.span(meta))

    @v_args(meta=True)
    def mailbox(self, meta: Meta, children: list[Any]) -> _Tagged:
        span = self.span(meta)
        overflow: Overflow = _one(children, "overflow") or "block"
        return _Tagged("mailbox", m.MailboxDecl(self.integer(children[0]), overflow, span), span)

    @v_args(meta=True)
    def on_error(self, meta: Meta, children: list[Token]) -> _Tagged:
        return _Tagged("on_error", str(children[0]), self.span(meta))

    def _filter(
        self, meta: Meta, children: list[Any], kind: Literal["only_from", "not_from", "where"]
    ) -> _Tagged:
        span = self.span(meta)
        event = self.name(children[0])
        actors: tuple[m.Name, ...] = children[1] if kind != "where" else ()
        predicate = children[1] if kind == "where" else None
        return _Tagged("filter", m.FilterDecl(event, kind, actors, predicate, span), span)

    @v_args(meta=True)
    def filter_only_from(self, meta: Meta, children: list[Any]) -> _Tagged:
        return self._filter(meta, children, "only_from")

    @v_args(meta=True)
    def filter_not_from(self, meta: Meta, children: list[Any]) -> _Tagged:
        return self._filter(meta, children, "not_from")

    @v_args(meta=True)
    def filter_where(self, meta: Meta, children: list[Any]) -> _Tagged:
        return self._filter(meta, children, "where")

    @v_args(meta=True)
    def join(self, meta: Meta, children: list[Any]) -> _Tagged:
        span = self.span(meta)
        decl = m.JoinDecl(
            name=self.name(children[0]),
            parts=children[1],
            key=_one(children, "join_key"),
            expiry=_one(children, "expiry"),
            span=span,
        )
        return _Tagged("join", decl, span)

    @v_args(meta=True)
    def join_key(self, meta: Meta, children: list[Token]) -> _Tagged:
        return _Tagged("join_key", self.name(children[0]), self.span(meta))

    @v_args(meta=True)
    def collect(self, meta: Meta, children: list[Any]) -> _Tagged:
        span = self.span(meta)
        name, item, item_key, until, list_field = (self.name(t) for t in children[:5])
        decl = m.CollectDecl(name, item, item_key, until, list_field, _one(children, "expiry"), span)
        return _Tagged("collect", decl, span)

    @v_args(meta=True)
    def expiry(self, meta: Meta, children: list[Any]) -> _Tagged:
        span = self.span(meta)
        action: tuple[Literal["drop", "deadletter", "emit"], m.Name | None] = ("drop", None)
        if len(children) > 1:
            action = children[1]
        decl = m.ExpiryDecl(self.duration(children[0]), action[0], action[1], span)
        return _Tagged("expiry", decl, span)

    def expire_drop(self, children: list[Any]) -> tuple[str, None]:
        return ("drop", None)

    def expire_deadletter(self, children: list[Any]) -> tuple[str, None]:
        return ("deadletter", None)

    def expire_emit(self, children: list[Token]) -> tuple[str, m.Name]:
        return ("emit", self.name(children[0]))

    @v_args(meta=True)
    def watch(self, meta: Meta, children: list[Any]) -> _Tagged:
        span = self.span(meta)
        decl = m.WatchDecl(self.name(children[0]), children[1], _one(children, "when"), span)
        return _Tagged("watch", decl, span)

    @v_args(meta=True)
    def watch_when(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _Tagged("when", children[0], self.span(meta))

    @v_args(meta=True)
    def ordered(self, meta: Meta, children: list[Any]) -> _Tagged:
        span = self.span(meta)
        start = _one(children, "from")
        decl = m.OrderedDecl(
            events=children[0],
            field=self.name(children[1]),
            start=0 if start is None else start,
            advance=_one(children, "advance") or "auto",
            stale=_one(children, "stale") or "deadletter",
            span=span,
        )
        return _Tagged("ordered", decl, span)

    @v_args(meta=True)
    def ordered_from(self, meta: Meta, children: list[Token]) -> _Tagged:
        return _Tagged("from", self.integer(children[0]), self.span(meta))

    @v_args(meta=True)
    def ordered_advance(self, meta: Meta, children: list[Token]) -> _Tagged:
        return _Tagged("advance", str(children[0]), self.span(meta))

    @v_args(meta=True)
    def ordered_stale(self, meta: Meta, children: list[Token]) -> _Tagged:
        return _Tagged("stale", str(children[0]), self.span(meta))

    @v_args(meta=True)
    def service(self, meta: Meta, children: list[Token]) -> _Tagged:
        span = self.span(meta)
        method, request, reply = (self.name(t) for t in children[:3])
        decl = m.ServiceDecl(method, request, reply, self.duration(children[3]), span)
        return _Tagged("service", decl, span)

    @v_args(meta=True)
    def calls(self, meta: Meta, children: list[m.CallDecl]) -> _Tagged:
        return _Tagged("calls", tuple(children), self.span(meta))

    @v_args(meta=True)
    def call_target(self, meta: Meta, children: list[Token]) -> m.CallDecl:
        return m.CallDecl(self.name(children[0]), self.name(children[1]), self.span(meta))

    # ---- state machines ----------------------------------------------------

    @v_args(meta=True)
    def states(self, meta: Meta, children: list[Any]) -> _Tagged:
        span = self.span(meta)
        decl = m.MachineDecl(
            states=tuple(_kids(children, "state")),
            transitions=tuple(_kids(children, "transition")),
            otherwise=_one(children, "otherwise") or "defer",
            span=span,
        )
        return _Tagged("states", decl, span)

    @v_args(meta=True)
    def otherwise(self, meta: Meta, children: list[Token]) -> _Tagged:
        return _Tagged("otherwise", str(children[0]), self.span(meta))

    @v_args(meta=True)
    def state(self, meta: Meta, children: list[Any]) -> _Tagged:
        span = self.span(meta)
        modifiers = [c for c in children if isinstance(c, _Tagged) and c.tag == "modifier"]
        seen: set[str] = set()
        for mod in modifiers:
            if mod.value in seen:
                self.duplicate_clause(mod.value, mod.span)
            seen.add(mod.value)
        name_tok = next(c for c in children if isinstance(c, Token))
        rules: list[_Tagged] = _one(children, "body") or []
        decl = m.StateDecl(
            name=self.name(name_tok),
            initial="initial" in seen,
            final="final" in seen,
            accepts=tuple(n for r in rules if r.tag == "accept" for n in r.value),
            defers=tuple(n for r in rules if r.tag == "defer" for n in r.value),
            rejects=tuple(n for r in rules if r.tag == "reject" for n in r.value),
            span=span,
        )
        return _Tagged("state", decl, span)

    @v_args(meta=True)
    def state_modifier(self, meta: Meta, children: list[Token]) -> _Tagged:
        return _Tagged("modifier", str(children[0]), self.span(meta))

    @v_args(meta=True)
    def state_body(self, meta: Meta, children: list[_Tagged]) -> _Tagged:
        return _Tagged("body", list(children), self.span(meta))

    @v_args(meta=True)
    def accept(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _Tagged("accept", children[0], self.span(meta))

    @v_args(meta=True)
    def defer(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _Tagged("defer", children[0], self.span(meta))

    @v_args(meta=True)
    def reject(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _Tagged("reject", children[0], self.span(meta))

    @v_args(meta=True)
    def transition(self, meta: Meta, children: list[Any]) -> _Tagged:
        span = self.span(meta)
        decl = m.TransitionDecl(self.name(children[0]), self.name(children[1]), _one(children, "on"), span)
        return _Tagged("transition", decl, span)

    @v_args(meta=True)
    def transition_on(self, meta: Meta, children: list[Token]) -> _Tagged:
        return _Tagged("on", self.name(children[0]), self.span(meta))

    # ---- deployment ------------------------------------------------------------

    @v_args(meta=True)
    def deploy_decl(self, meta: Meta, children: list[Any]) -> _Tagged:
        span = self.span(meta)
        decl = m.DeployDecl(
            processes=tuple(_kids(children, "process")),
            topics=tuple(_kids(children, "topic")),
            span=span,
        )
        return _Tagged("deploy", decl, span)

    @v_args(meta=True)
    def topic(self, meta: Meta, children: list[Any]) -> _Tagged:
        span = self.span(meta)
        name = self.name(children[0])
        topic: str | None = None
        for c in children[1:]:
            if isinstance(c, Token) and c.type == "STRING":
                topic = self.literal(c, literals.string, "")
        decl = m.TopicDecl(name, topic, _one(children, "partitions"), span)
        return _Tagged("topic", decl, span)

    @v_args(meta=True)
    def topic_partitions(self, meta: Meta, children: list[Token]) -> _Tagged:
        return _Tagged("partitions", self.integer(children[0]), self.span(meta))

    @v_args(meta=True)
    def process(self, meta: Meta, children: list[Any]) -> _Tagged:
        span = self.span(meta)
        replicas = 1
        actors: tuple[m.Name, ...] = ()
        for c in children[1:]:
            if isinstance(c, Token) and c.type == "REPLICAS":
                replicas = self.integer(c, str(c)[1:])
            elif isinstance(c, tuple):
                actors = c
        decl = m.ProcessDecl(
            name=self.name(children[0]),
            placements=tuple(m.Placement(a) for a in actors),
            replicas=replicas,
            exactly_once=bool(_kids(children, "exactly_once")),
            span=span,
        )
        return _Tagged("process", decl, span)

    @v_args(meta=True)
    def exactly_once(self, meta: Meta, children: list[Any]) -> _Tagged:
        return _Tagged("exactly_once", True, self.span(meta))

    # ---- expressions -------------------------------------------------------------

    @v_args(meta=True)
    def or_expr(self, meta: Meta, children: list[m.Expr]) -> m.Expr:
        return m.BoolOp("or", tuple(children), self.span(meta))

    @v_args(meta=True)
    def and_expr(self, meta: Meta, children: list[m.Expr]) -> m.Expr:
        return m.BoolOp("and", tuple(children), self.span(meta))

    @v_args(meta=True)
    def not_(self, meta: Meta, children: list[m.Expr]) -> m.Expr:
        return m.Not(children[0], self.span(meta))

    @v_args(meta=True)
    def comparison(self, meta: Meta, children: list[Any]) -> m.Expr:
        left, op, right = children
        return m.Compare(str(op), left, right, self.span(meta))  # type: ignore[arg-type]

    @v_args(meta=True)
    def in_(self, meta: Meta, children: list[m.Expr]) -> m.Expr:
        return m.Compare("in", children[0], children[1], self.span(meta))

    @v_args(meta=True)
    def not_in(self, meta: Meta, children: list[m.Expr]) -> m.Expr:
        return m.Compare("not in", children[0], children[1], self.span(meta))

    @v_args(meta=True)
    def field_ref(self, meta: Meta, children: list[Token]) -> m.Expr:
        if len(children) == 2:
            return m.FieldRef(self.name(children[0]), self.name(children[1]), self.span(meta))
        return m.FieldRef(None, self.name(children[0]), self.span(meta))

    @v_args(meta=True)
    def call(self, meta: Meta, children: list[Any]) -> m.Expr:
        return m.Call(self.name(children[0]), children[1], self.span(meta))

    @v_args(meta=True)
    def list_expr(self, meta: Meta, children: list[m.Expr]) -> m.Expr:
        return m.ListExpr(tuple(children), self.span(meta))

    @v_args(meta=True)
    def int_lit(self, meta: Meta, children: list[Token]) -> m.Expr:
        return m.Const(self.integer(children[0]), self.span(meta))

    @v_args(meta=True)
    def float_lit(self, meta: Meta, children: list[Token]) -> m.Expr:
        return m.Const(self.literal(children[0], literals.real, 0.0), self.span(meta))

    @v_args(meta=True)
    def str_lit(self, meta: Meta, children: list[Token]) -> m.Expr:
        return m.Const(self.literal(children[0], literals.string, ""), self.span(meta))

    @v_args(meta=True)
    def bytes_lit(self, meta: Meta, children: list[Token]) -> m.Expr:
        return m.Const(self.literal(children[0], literals.bytes_, b""), self.span(meta))

    @v_args(meta=True)
    def true_lit(self, meta: Meta, children: list[Token]) -> m.Expr:
        return m.Const(True, self.span(meta))

    @v_args(meta=True)
    def false_lit(self, meta: Meta, children: list[Token]) -> m.Expr:
        return m.Const(False, self.span(meta))

    @v_args(meta=True)
    def none_lit(self, meta: Meta, children: list[Token]) -> m.Expr:
        return m.Const(None, self.span(meta))
