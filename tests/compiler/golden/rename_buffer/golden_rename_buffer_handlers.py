# Handlers for golden_rename_buffer: created once by streamerc from rename_buffer.stm. Yours to edit: streamerc never overwrites this file.

from __future__ import annotations

from typing import Never

from golden_rename_buffer import Context, ExecutorBase, Metric, Note, Tx


class Executor(ExecutorBase):
    """Your handlers for actor ``Executor``."""

    def on_tx(self, ctx: Context[Never], event: Tx) -> None:
        pass  # TODO: handle it

    def on_note(self, ctx: Context[Never], event: Note) -> None:
        pass  # TODO: handle it

    def on_metric(self, ctx: Context[Never], event: Metric) -> None:
        pass  # TODO: handle it
