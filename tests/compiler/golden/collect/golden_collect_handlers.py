# Handlers for golden_collect: created once by streamerc from collect.stm. Yours to edit: streamerc never overwrites this file.

from __future__ import annotations

from typing import Never

from golden_collect import (
    Context,
    GathererBase,
    Incomplete,
    Item,
    Manifest,
    ReporterBase,
)


class Gatherer(GathererBase):
    """Your handlers for actor ``Gatherer``."""

    def on_bundle(
        self, ctx: Context[Incomplete], list_event: Manifest, items: list[Item]
    ) -> None:
        pass  # TODO: handle it; emit with ctx.emit(...)


class Reporter(ReporterBase):
    """Your handlers for actor ``Reporter``."""

    def on_incomplete(self, ctx: Context[Never], event: Incomplete) -> None:
        pass  # TODO: handle it
