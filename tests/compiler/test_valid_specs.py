"""Every spec under tests/specs parses and checks without a single diagnostic,
and the parser builds the model the spec says."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamerc import model as m
from streamerc.check import check
from streamerc.parse import parse

SPECS = Path(__file__).parents[1] / "specs"
SPEC_FILES = sorted(SPECS.glob("*.stm"))


def load(name: str) -> m.Spec:
    path = SPECS / name
    return parse(path.read_text(encoding="utf-8"), path.name)


def test_the_shared_specs_exist() -> None:
    names = {p.name for p in SPEC_FILES}
    assert {"orders.stm", "blocks.stm", "all_constructs.stm"} <= names


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.name)
def test_valid_spec_checks_clean(path: Path) -> None:
    spec = parse(path.read_text(encoding="utf-8"), path.name)
    assert check(spec) == []


def test_orders_model() -> None:
    spec = load("orders.stm")
    assert spec.module.text == "shop.orders"
    assert spec.package == "shop_orders"
    assert [e.name.text for e in spec.events if e.external] == ["OrderRequest", "Inventory", "Cancel"]
    shipper = next(a for a in spec.actors if a.name.text == "Shipper")
    (join,) = shipper.joins
    assert [p.text for p in join.parts] == ["ValidOrder", "Inventory"]
    assert join.key is not None and join.key.text == "order_id"
    assert join.expiry is not None and (join.expiry.after, join.expiry.action) == (5.0, "emit")
    assert join.expiry.emit is not None and join.expiry.emit.text == "ShipTimeout"
    assert shipper.mailbox is not None and (shipper.mailbox.size, shipper.mailbox.overflow) == (256, "block")
    machine = shipper.machine
    assert machine is not None and machine.otherwise == "defer"
    assert [(s.name.text, s.initial, s.final) for s in machine.states] == [
        ("Waiting", True, False),
        ("Shipping", False, False),
        ("Done", False, True),
    ]
    assert [(t.source.text, t.target.text, t.on.text if t.on else None) for t in machine.transitions] == [
        ("Waiting", "Shipping", "Ready"),
        ("Waiting", "Done", "Cancel"),
        ("Shipping", "Done", None),
    ]
    shipping = machine.states[1]
    assert [n.text for n in shipping.defers] == ["Cancel"]


def test_blocks_model() -> None:
    spec = load("blocks.stm")
    assembler = spec.actors[0]
    (collect,) = assembler.collects
    assert (collect.name.text, collect.item.text, collect.item_key.text) == ("Complete", "Tx", "hash")
    assert (collect.until.text, collect.list_field.text) == ("Block", "hashes")
    assert collect.expiry is not None and collect.expiry.after == 30.0
    ordered = assembler.ordered
    assert ordered is not None
    assert ([e.text for e in ordered.events], ordered.field.text) == (["Block"], "height")
    assert (ordered.start, ordered.advance, ordered.stale) == (1, "auto", "deadletter")
    assert [s.name.text for s in assembler.machine.states] == ["Init", "Collecting", "Done"]  # type: ignore[union-attr]
    indexer = spec.actors[1]
    assert (indexer.workers, indexer.supervision) == (4, "restart")


def test_all_constructs_model() -> None:
    spec = load("all_constructs.stm")
    order = spec.events[0]
    types = {f.name.text: f.type for f in order.fields}
    assert types["tags"].kind == "list" and types["tags"].item is not None
    assert types["tags"].item.name == "str"
    assert types["note"].kind == "optional"
    checked = next(e for e in spec.events if e.name.text == "Checked")
    assert checked.fields[1].type == m.TypeRef("event", checked.fields[1].type.span, name="Order")
    quote = next(e for e in spec.events if e.name.text == "Quote")
    extras = quote.fields[2].type
    assert extras.kind == "list" and extras.item is not None and extras.item.kind == "optional"
    assert [(r.alias.text, r.target.text) for r in spec.renames] == [("LegacyOrder", "Order")]
    assert [(b.event.text, b.size, b.overflow) for b in spec.buffers] == [
        ("Stock", 256, "drop_newest"),
        ("Tick", 64, "block"),
    ]
    intake, matcher, gatherer, monitor, pricing, sink = spec.actors
    assert [(i.event.text, i.latest) for i in intake.inputs] == [("Order", False), ("Config", True)]
    assert (intake.workers, intake.supervision) == (2, "restart")
    assert intake.mailbox is not None and intake.mailbox.overflow == "drop_oldest"
    assert [f.kind for f in intake.filters] == ["not_from", "where", "where"]
    assert [(c.actor.text, c.method.text) for c in intake.calls] == [("Pricing", "quote")]
    pair = matcher.joins[1]
    assert pair.key is None and pair.expiry is not None
    assert (pair.expiry.after, pair.expiry.action) == (1.0, "drop")
    assert matcher.joins[0].expiry is not None and matcher.joins[0].expiry.after == 0.5
    assert matcher.machine is not None and matcher.machine.otherwise == "reject"
    assert gatherer.collects[0].expiry is not None
    assert (gatherer.collects[0].expiry.after, gatherer.collects[0].expiry.action) == (120.0, "deadletter")
    (watch,) = monitor.watches
    assert [i.text for i in watch.inputs] == ["Upper", "Lower"]
    assert isinstance(watch.condition, m.BoolOp) and watch.condition.op == "and"
    assert monitor.ordered is not None
    assert (monitor.ordered.start, monitor.ordered.advance, monitor.ordered.stale) == (1, "manual", "pass")
    (service,) = pricing.services
    assert (service.method.text, service.request.text, service.reply.text, service.timeout) == (
        "quote",
        "QuoteRequest",
        "Quote",
        2.0,
    )
    assert pricing.supervision == "escalate"
    assert sink.mailbox is not None and sink.mailbox.overflow == "error"
    deploy = spec.deploy
    assert deploy is not None
    assert [(t.event.text, t.topic, t.partitions) for t in deploy.topics] == [
        ("Order", "demo.orders.v1", 12),
        ("Stock", None, 3),
    ]
    assert [
        (p.name.text, p.replicas, p.exactly_once, [x.actor.text for x in p.placements])
        for p in deploy.processes
    ] == [
        ("front", 1, False, ["Intake", "Pricing"]),
        ("core", 2, True, ["Matcher", "Gatherer"]),
        ("edge", 1, False, ["Monitor", "Sink"]),
    ]


def test_all_constructs_uses_every_grammar_rule() -> None:
    """Every named rule and alternative of the grammar occurs in all_constructs.stm."""
    from streamerc.syntax import lark_parser

    parser = lark_parser()
    rules = set()
    for rule in parser.rules:
        name = str(rule.alias or rule.origin.name)
        inlined = rule.options.expand1 and not rule.alias
        if (
            name.startswith("_")
            or name in ("declarations_only", "operand")
            or inlined
            and len(rule.expansion) == 1
        ):
            continue
        rules.add(name)
    tree = parser.parse((SPECS / "all_constructs.stm").read_text(encoding="utf-8"), start="start")
    used = {str(t.data) for t in tree.iter_subtrees()}
    assert rules - used == set()
    assert len(rules) > 60
