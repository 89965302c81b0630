# Handlers for golden_filters: created once by streamerc from filters.stm. Yours to edit: streamerc never overwrites this file.

from __future__ import annotations

from typing import Never

from golden_filters import (
    Alarm,
    Context,
    GatewayBase,
    ImporterBase,
    PagerBase,
    ProbeBase,
    Reading,
)


class Probe(ProbeBase):
    """Your handlers for actor ``Probe``."""

    def on_reading(self, ctx: Context[Alarm], event: Reading) -> None:
        pass  # TODO: handle it; emit with ctx.emit(...)


class Gateway(GatewayBase):
    """Your handlers for actor ``Gateway``."""

    def on_start(self, ctx: Context[Reading]) -> None:
        pass  # TODO: emit the first events with ctx.emit(...)


class Importer(ImporterBase):
    """Your handlers for actor ``Importer``."""

    def on_start(self, ctx: Context[Reading]) -> None:
        pass  # TODO: emit the first events with ctx.emit(...)


class Pager(PagerBase):
    """Your handlers for actor ``Pager``."""

    def on_alarm(self, ctx: Context[Never], event: Alarm) -> None:
        pass  # TODO: handle it
