# Handlers for golden_watch: created once by streamerc from watch.stm. Yours to edit: streamerc never overwrites this file.

from __future__ import annotations

from typing import Never

from golden_watch import Config, Context, Crossed, Limit, LoggerBase, MonitorBase, Price


class Monitor(MonitorBase):
    """Your handlers for actor ``Monitor``."""

    def on_config(self, ctx: Context[Crossed], event: Config) -> None:
        pass  # TODO: handle it; emit with ctx.emit(...)

    def on_breach(self, ctx: Context[Crossed], price: Price, limit: Limit) -> None:
        pass  # TODO: handle it; emit with ctx.emit(...)

    def on_any(self, ctx: Context[Crossed], price: Price, limit: Limit) -> None:
        pass  # TODO: handle it; emit with ctx.emit(...)


class Logger(LoggerBase):
    """Your handlers for actor ``Logger``."""

    def on_crossed(self, ctx: Context[Never], event: Crossed) -> None:
        pass  # TODO: handle it
