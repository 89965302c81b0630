# Handlers for golden_deploy: created once by streamerc from deploy.stm. Yours to edit: streamerc never overwrites this file.

from __future__ import annotations

from typing import Never

from golden_deploy import ApiBase, BillingBase, Context, Invoice, Order


class Api(ApiBase):
    """Your handlers for actor ``Api``."""

    def on_order(self, ctx: Context[Invoice], event: Order) -> None:
        pass  # TODO: handle it; emit with ctx.emit(...)


class Billing(BillingBase):
    """Your handlers for actor ``Billing``."""

    def on_invoice(self, ctx: Context[Never], event: Invoice) -> None:
        pass  # TODO: handle it
