# Handlers for golden_joins: created once by streamerc from joins.stm. Yours to edit: streamerc never overwrites this file.

from __future__ import annotations

from typing import Never

from golden_joins import (
    Context,
    Left,
    MatcherBase,
    Missing,
    Ping,
    Pong,
    ReporterBase,
    Right,
)


class Matcher(MatcherBase):
    """Your handlers for actor ``Matcher``."""

    def on_pair(self, ctx: Context[Missing], left: Left, right: Right) -> None:
        pass  # TODO: handle it; emit with ctx.emit(...)

    def on_quiet(self, ctx: Context[Missing], left: Left, right: Right) -> None:
        pass  # TODO: handle it; emit with ctx.emit(...)

    def on_lost(self, ctx: Context[Missing], left: Left, right: Right) -> None:
        pass  # TODO: handle it; emit with ctx.emit(...)

    def on_both(self, ctx: Context[Missing], ping: Ping, pong: Pong) -> None:
        pass  # TODO: handle it; emit with ctx.emit(...)


class Reporter(ReporterBase):
    """Your handlers for actor ``Reporter``."""

    def on_missing(self, ctx: Context[Never], event: Missing) -> None:
        pass  # TODO: handle it
