# Handlers for golden_service: created once by streamerc from service.stm. Yours to edit: streamerc never overwrites this file.

from __future__ import annotations

from typing import Never

from golden_service import (
    Approved,
    Balance,
    BalanceQuery,
    BankBase,
    CashierBase,
    Context,
    LedgerBase,
    Payment,
)


class Ledger(LedgerBase):
    """Your handlers for actor ``Ledger``."""

    def balance(self, ctx: Context[Never], request: BalanceQuery) -> Balance | None:
        return None  # TODO: compute the reply

    def audit(self, ctx: Context[Never], request: Payment) -> Balance | None:
        return None  # TODO: compute the reply


class Cashier(CashierBase):
    """Your handlers for actor ``Cashier``."""

    def on_payment(self, ctx: Context[Approved], event: Payment) -> None:
        pass  # TODO: handle it; emit with ctx.emit(...)


class Bank(BankBase):
    """Your handlers for actor ``Bank``."""

    def on_approved(self, ctx: Context[Never], event: Approved) -> None:
        pass  # TODO: handle it
