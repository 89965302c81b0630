# Handlers for golden_machine: created once by streamerc from machine.stm. Yours to edit: streamerc never overwrites this file.

from __future__ import annotations

from typing import Never

from golden_machine import ArchiveBase, Begin, Context, Halt, Report, Work, WorkerBase


class Worker(WorkerBase):
    """Your handlers for actor ``Worker``."""

    def on_begin(self, ctx: Context[Report], event: Begin) -> None:
        pass  # TODO: handle it; emit with ctx.emit(...)

    def on_work(self, ctx: Context[Report], event: Work) -> None:
        pass  # TODO: handle it; emit with ctx.emit(...)

    def on_halt(self, ctx: Context[Report], event: Halt) -> None:
        pass  # TODO: handle it; emit with ctx.emit(...)


class Archive(ArchiveBase):
    """Your handlers for actor ``Archive``."""

    def on_report(self, ctx: Context[Never], event: Report) -> None:
        pass  # TODO: handle it
