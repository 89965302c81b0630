# Handlers for golden_events: created once by streamerc from events.stm. Yours to edit: streamerc never overwrites this file.

from __future__ import annotations

from typing import Never

from golden_events import Context, Point, Sample, SinkBase


class Sink(SinkBase):
    """Your handlers for actor ``Sink``."""

    def on_sample(self, ctx: Context[Never], event: Sample) -> None:
        pass  # TODO: handle it

    def on_point(self, ctx: Context[Never], event: Point) -> None:
        pass  # TODO: handle it
