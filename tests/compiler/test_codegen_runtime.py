"""Generated packages run on the runtime as their signatures promise.

Each golden spec is built into a temporary directory, imported, and driven
with ``streamer.TestDriver`` (one thread, virtual clock) through handler
classes that subclass the generated bases, the way users write them. This
checks what golden files cannot: that compiled filter predicates select the
right events, and that joins, collects, watches, services, calls and state
hooks reach the handlers with the arguments the generated signatures declare.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from streamer import Actor, TestDriver

from streamerc.build import compile_spec, generate, write_package

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def build(tmp_path: Path) -> Iterator[Any]:
    loaded: list[str] = []

    def load(case: str) -> ModuleType:
        compiled = compile_spec(GOLDEN / f"{case}.stm")
        assert compiled.ok and compiled.spec is not None
        write_package(generate(compiled.spec), tmp_path, handlers_dir=tmp_path / "starter")
        package = compiled.spec.package
        loaded.append(package)
        return importlib.import_module(package)

    sys.path.insert(0, str(tmp_path))
    try:
        yield load
    finally:
        sys.path.remove(str(tmp_path))
        for name in list(sys.modules):
            if any(name == p or name.startswith(p + ".") for p in loaded):
                del sys.modules[name]


def quiet(base: type[Actor], **methods: Any) -> type[Actor]:
    """A handler class for ``base`` whose listed methods are the given functions."""
    return type(base.__name__.removesuffix("Base"), (base,), methods)


def test_compiled_filters_select_events(build: Any) -> None:
    pkg = build("filters")
    seen: list[str] = []
    probe = quiet(pkg.ProbeBase, on_reading=lambda self, ctx, event: seen.append(event.sensor))
    handlers = {
        "Probe": probe,
        "Gateway": quiet(pkg.GatewayBase),
        "Importer": quiet(pkg.ImporterBase),
        "Pager": quiet(pkg.PagerBase, on_alarm=lambda self, ctx, event: None),
    }
    driver = TestDriver(pkg.TOPOLOGY, handlers)

    def reading(sensor: str, **changes: Any) -> Any:
        fields: dict[str, Any] = dict(
            sensor=sensor, value=1.0, level=2, tags=["t"], label=None, raw=b"\x00", valid=True
        )
        fields.update(changes)
        return pkg.Reading(**fields)

    driver.send(reading("a"), source="Gateway")  # passes every rule
    driver.send(reading('b"c', label="x", raw=b"\x00"), source="Importer")  # escaped literal matches
    driver.send(reading("a"), source="Stranger")  # only from Gateway, Importer
    driver.send(reading("z"), source="Gateway")  # not in ["a", "b\"c"]
    driver.send(reading("a", tags=["1", "2", "3", "4"]), source="Gateway")  # len(tags) <= 3
    driver.send(reading("a", label="", raw=b"\x00"), source="Gateway")  # label == none or (label != "" ...)
    driver.send(reading("a", level=0, value=9.0), source="Gateway")  # (level > 1 or level == -1)
    driver.send(reading("a", level=-1, value=2500.0), source="Gateway")  # value != 2.5e3
    driver.send(reading('b"c', level=-1, value=0.1, valid=False), source="Gateway")  # `or not valid`
    assert seen == ["a", 'b"c', 'b"c']


def test_join_parts_arrive_in_declared_order_and_expiry_emits(build: Any) -> None:
    pkg = build("joins")
    pairs: list[tuple[Any, Any]] = []
    both: list[tuple[int, int]] = []
    missing: list[Any] = []
    matcher = quiet(
        pkg.MatcherBase,
        on_pair=lambda self, ctx, left, right: pairs.append((left, right)),
        on_quiet=lambda self, ctx, left, right: None,
        on_lost=lambda self, ctx, left, right: None,
        on_both=lambda self, ctx, ping, pong: both.append((ping.n, pong.n)),
    )
    reporter = quiet(pkg.ReporterBase, on_missing=lambda self, ctx, event: missing.append(event))
    driver = TestDriver(pkg.TOPOLOGY, {"Matcher": matcher, "Reporter": reporter})
    driver.send(pkg.Right(id="k1", right=2))
    driver.send(pkg.Left(id="k1", left=1))
    assert pairs == [(pkg.Left(id="k1", left=1), pkg.Right(id="k1", right=2))]
    driver.send(pkg.Pong(n=2))
    driver.send(pkg.Ping(n=1))
    assert both == [(1, 2)]
    driver.send(pkg.Left(id="k2", left=3))
    driver.advance(0.3)  # Pair expires after 250ms and emits Missing
    assert missing == [pkg.Missing(key="k2", missing=["Right"])]


def test_collect_hands_the_list_event_and_items_in_list_order(build: Any) -> None:
    pkg = build("collect")
    fired: list[tuple[Any, list[Any]]] = []
    gatherer = quiet(
        pkg.GathererBase, on_bundle=lambda self, ctx, manifest, items: fired.append((manifest, items))
    )
    reporter = quiet(pkg.ReporterBase, on_incomplete=lambda self, ctx, event: None)
    driver = TestDriver(pkg.TOPOLOGY, {"Gatherer": gatherer, "Reporter": reporter})
    driver.send(pkg.Item(hash=b"2", data=b"two"))
    driver.send(pkg.Manifest(id=7, hashes=[b"1", b"2"]))
    assert fired == []
    driver.send(pkg.Item(hash=b"1", data=b"one"))
    ((manifest, items),) = fired
    assert manifest.id == 7
    assert [item.data for item in items] == [b"one", b"two"]


def test_watch_predicate_and_handler_get_the_latest_values(build: Any) -> None:
    pkg = build("watch")
    breaches: list[tuple[int, int]] = []
    monitor = quiet(
        pkg.MonitorBase,
        on_breach=lambda self, ctx, price, limit: breaches.append((price.value, limit.value)),
        on_any=lambda self, ctx, price, limit: None,
        on_config=lambda self, ctx, event: None,
    )
    logger = quiet(pkg.LoggerBase, on_crossed=lambda self, ctx, event: None)
    driver = TestDriver(pkg.TOPOLOGY, {"Monitor": monitor, "Logger": logger})
    driver.send(pkg.Price(value=5))
    driver.send(pkg.Limit(value=10))
    driver.send(pkg.Price(value=11))
    driver.send(pkg.Limit(value=3))
    assert breaches == [(11, 10), (11, 3)]


def test_service_reply_and_typed_call_helper(build: Any) -> None:
    pkg = build("service")
    replies: list[Any] = []

    def balance(self: Any, ctx: Any, request: Any) -> Any:
        return pkg.Balance(account=request.account, amount=100)

    def on_payment(self: Any, ctx: Any, event: Any) -> None:
        def then(ctx: Any, reply: Any) -> None:
            replies.append(reply.value)
            if reply.ok and reply.value.amount >= event.amount:
                ctx.emit(pkg.Approved(account=event.account))

        self.call_ledger_balance(ctx, pkg.BalanceQuery(account=event.account), then)

    approved: list[str] = []
    handlers = {
        "Ledger": quiet(pkg.LedgerBase, balance=balance, audit=lambda self, ctx, request: None),
        "Cashier": quiet(pkg.CashierBase, on_payment=on_payment),
        "Bank": quiet(pkg.BankBase, on_approved=lambda self, ctx, event: approved.append(event.account)),
    }
    driver = TestDriver(pkg.TOPOLOGY, handlers)
    assert driver.call("Ledger", "balance", pkg.BalanceQuery(account="x")).value == pkg.Balance(
        account="x", amount=100
    )
    driver.send(pkg.Payment(account="acme", amount=60))
    driver.send(pkg.Payment(account="big", amount=600))
    assert replies == [pkg.Balance(account="acme", amount=100), pkg.Balance(account="big", amount=100)]
    assert approved == ["acme"]


def test_state_machine_transitions_defer(build: Any) -> None:
    pkg = build("machine")
    log: list[str] = []
    worker = quiet(
        pkg.WorkerBase,
        on_begin=lambda self, ctx, event: log.append("begin"),
        on_work=lambda self, ctx, event: log.append("work"),
        on_halt=lambda self, ctx, event: log.append("halt"),
    )
    archive = quiet(pkg.ArchiveBase, on_report=lambda self, ctx, event: None)
    driver = TestDriver(pkg.TOPOLOGY, {"Worker": worker, "Archive": archive})
    assert driver.state("Worker") == "Idle"
    driver.send(pkg.Work(id="early"))  # deferred in Idle
    assert log == []
    driver.send(pkg.Begin(id="go"))  # Idle -> Running releases the deferred Work
    driver.send(pkg.Halt(id="end"))
    assert log == ["begin", "work", "halt"]
    assert driver.state("Worker") == "Finished"


def test_state_machine_transitions_and_hooks(build: Any) -> None:
    pkg = build("machine")
    log: list[str] = []

    def record(label: str) -> Any:
        return lambda self, ctx, *event: log.append(label)

    worker = quiet(
        pkg.WorkerBase,
        on_begin=record("begin"),
        on_work=record("work"),
        on_halt=record("halt"),
        on_enter_running=record("enter Running"),
        on_exit_idle=record("exit Idle"),
        on_enter_finished=record("enter Finished"),
    )
    driver = TestDriver(
        pkg.TOPOLOGY, {"Worker": worker, "Archive": quiet(pkg.ArchiveBase, on_report=record("report"))}
    )
    assert driver.state("Worker") == "Idle"
    driver.send(pkg.Work(id="early"))  # deferred in Idle
    driver.send(pkg.Begin(id="go"))  # Idle -> Running releases the deferred Work
    assert driver.state("Worker") == "Running"
    driver.send(pkg.Halt(id="end"))
    assert driver.state("Worker") == "Finished"
    assert log == ["begin", "exit Idle", "enter Running", "work", "halt", "enter Finished"]
