"""Handlers of the order pipeline (orders.stm): plain Python, never generated.

Each class subclasses the base streamerc generated for its actor; mypy checks
every signature and every ``ctx.emit`` against the spec. The Gateway feeds a
fixed demo day of orders when the system starts; the Auditor prints every
outcome and, once each order that passed the Validator's filter has one, stops
the run the way Ctrl-C would (the runtime then drains and exits cleanly).
"""

from __future__ import annotations

import signal
from typing import Never

from shop_orders import (
    AuditorBase,
    Context,
    DispatcherBase,
    GatewayBase,
    Inventory,
    Order,
    Rejected,
    Shipment,
    ShipperBase,
    ShipTimeout,
    TruckDeparted,
    TruckReturned,
    ValidatorBase,
    ValidOrder,
    WarehouseBase,
)

TRUCK_CAPACITY = 3
OUT_OF_STOCK = {"piano"}
UNKNOWN_TO_THE_WAREHOUSE = {"unicorn"}  # no inventory record: the join times out

DEMO_ORDERS = [
    Order(id="A-01", customer="ada", items=["lamp"], total=30.0),
    Order(id="A-02", customer="bob", items=["desk", "chair"], total=250.0),
    Order(id="A-03", customer="cy", items=[], total=0.0),
    Order(id="A-04", customer="spam-bot", items=["pills"], total=1.0),
    Order(id="A-05", customer="dee", items=["piano"], total=900.0),
    Order(id="A-06", customer="eve", items=["unicorn"], total=10.0),
    Order(id="A-07", customer="fay", items=["rug"], total=120.0),
    Order(id="A-08", customer="gus", items=["mug", "mug"], total=16.0),
    Order(id="A-09", customer="hal", items=["sofa"], total=700.0, note="leave at the door"),
    Order(id="A-10", customer="ivy", items=["kettle"], total=40.0),
    Order(id="A-11", customer="jon", items=["book"], total=12.0),
]
FILTERED_CUSTOMERS = {"spam-bot"}  # the Validator's `filter ... where customer != "spam-bot"`
EXPECTED_OUTCOMES = sum(1 for order in DEMO_ORDERS if order.customer not in FILTERED_CUSTOMERS)


def request_stop() -> None:
    """End the demo run the way Ctrl-C does: the runtime drains every accepted
    event, runs the on_stop hooks and exits 0. (Tests driving these handlers
    with ``streamer.TestDriver`` replace this function.)"""
    signal.raise_signal(signal.SIGINT)


class Gateway(GatewayBase):
    def on_start(self, ctx: Context[Order]) -> None:
        for order in DEMO_ORDERS:
            ctx.emit(order)


class Validator(ValidatorBase):
    def on_order(self, ctx: Context[ValidOrder | Rejected], event: Order) -> None:
        if not event.items:
            ctx.emit(Rejected(order_id=event.id, reason="no items"))
        elif event.total <= 0:
            ctx.emit(Rejected(order_id=event.id, reason="nothing to pay"))
        else:
            ctx.emit(ValidOrder(order_id=event.id, customer=event.customer, total=event.total))


class Warehouse(WarehouseBase):
    def __init__(self) -> None:
        self.stock_by_order: dict[str, list[str]] = {o.id: o.items for o in DEMO_ORDERS}

    def on_valid_order(self, ctx: Context[Inventory], event: ValidOrder) -> None:
        items = set(self.stock_by_order.get(event.order_id, []))
        if items & UNKNOWN_TO_THE_WAREHOUSE:
            return
        ctx.emit(Inventory(order_id=event.order_id, in_stock=not items & OUT_OF_STOCK))


class Shipper(ShipperBase):
    """Loads parcels; a full truck leaves (state OnRoute) and orders wait for it."""

    def __init__(self) -> None:
        self.truck = 1
        self.loaded = 0

    def on_ready(
        self,
        ctx: Context[Shipment | Rejected | TruckDeparted],
        valid_order: ValidOrder,
        inventory: Inventory,
    ) -> None:
        if not inventory.in_stock:
            ctx.emit(Rejected(order_id=valid_order.order_id, reason="out of stock"))
            return
        self.loaded += 1
        ctx.emit(Shipment(order_id=valid_order.order_id, truck=self.truck))
        if self.loaded == TRUCK_CAPACITY:
            ctx.emit(TruckDeparted(truck=self.truck, parcels=self.loaded))
            ctx.goto("OnRoute")
            self.truck += 1
            self.loaded = 0

    def on_truck_returned(
        self, ctx: Context[Shipment | Rejected | TruckDeparted], event: TruckReturned
    ) -> None:
        pass  # the spec's `OnRoute -> Loading on TruckReturned` does the rest


class Dispatcher(DispatcherBase):
    def on_truck_departed(self, ctx: Context[TruckReturned], event: TruckDeparted) -> None:
        ctx.emit(TruckReturned(truck=event.truck))  # a very fast round trip


class Auditor(AuditorBase):
    def __init__(self) -> None:
        self.shipped: dict[str, int] = {}
        self.rejected: dict[str, str] = {}
        self.timed_out: dict[str, list[str]] = {}

    def on_shipment(self, ctx: Context[Never], event: Shipment) -> None:
        print(f"shipped   {event.order_id} on truck {event.truck}", flush=True)
        self.shipped[event.order_id] = event.truck
        self._outcome()

    def on_rejected(self, ctx: Context[Never], event: Rejected) -> None:
        print(f"rejected  {event.order_id}: {event.reason}", flush=True)
        self.rejected[event.order_id] = event.reason
        self._outcome()

    def on_ship_timeout(self, ctx: Context[Never], event: ShipTimeout) -> None:
        print(f"timed out {event.key}: no {', '.join(event.missing)} in time", flush=True)
        self.timed_out[event.key or "?"] = event.missing
        self._outcome()

    def on_truck_departed(self, ctx: Context[Never], event: TruckDeparted) -> None:
        print(f"truck {event.truck} departed with {event.parcels} parcels", flush=True)

    def _outcome(self) -> None:
        done = len(self.shipped) + len(self.rejected) + len(self.timed_out)
        if done == EXPECTED_OUTCOMES:
            self._summary()
            request_stop()

    def _summary(self) -> None:
        filtered = len(DEMO_ORDERS) - EXPECTED_OUTCOMES
        trucks = len(set(self.shipped.values()))
        rejected = ", ".join(f"{k} ({v})" for k, v in sorted(self.rejected.items()))
        timed_out = ", ".join(sorted(self.timed_out))
        print(
            f"summary: {len(DEMO_ORDERS)} orders: {len(self.shipped)} shipped on {trucks} trucks, "
            f"{len(self.rejected)} rejected [{rejected}], {len(self.timed_out)} timed out "
            f"[{timed_out}], {filtered} filtered",
            flush=True,
        )
