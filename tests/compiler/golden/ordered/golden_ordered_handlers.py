# Handlers for golden_ordered: created once by streamerc from ordered.stm. Yours to edit: streamerc never overwrites this file.

from __future__ import annotations

from typing import Never

from golden_ordered import Context, Frame, PlayerBase, SequencerBase, Step, Tick


class Sequencer(SequencerBase):
    """Your handlers for actor ``Sequencer``."""

    def on_step(self, ctx: Context[Never], event: Step) -> None:
        pass  # TODO: handle it

    def on_tick(self, ctx: Context[Never], event: Tick) -> None:
        pass  # TODO: handle it


class Player(PlayerBase):
    """Your handlers for actor ``Player``."""

    def on_frame(self, ctx: Context[Never], event: Frame) -> None:
        pass  # TODO: handle it
