"""Worker threads: each runs one unit (a mailbox and its route table).

The loop takes everything queued in one batch and dispatches each item by
name; handler errors are caught inside the routes (supervision), so anything
reaching this loop is a runtime bug: logged, never fatal to the thread.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from .host import Unit

log = logging.getLogger("streamer.runner")


class Worker:
    def __init__(self, unit: Unit) -> None:
        self.unit = unit
        self.done = 0
        """Items finished (compare with ``unit.mailbox.taken`` to know it is idle)."""
        self.thread = threading.Thread(target=self._run, name=f"streamer {unit.label}", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def idle(self) -> bool:
        box = self.unit.mailbox
        return not len(box) and box.taken == self.done

    def run_inline(self, item: Any) -> bool:
        """Run ``item`` on the calling thread if the unit is idle (nothing queued,
        nothing in hand), holding the unit's exclusive lock so the worker waits;
        False, having done nothing, otherwise. The actor still handles one item
        at a time and in arrival order: anything queued meanwhile comes after."""
        unit = self.unit
        if not unit.exclusive.acquire(False):
            return False
        try:
            box = unit.mailbox
            if len(box) or box.taken != self.done or box.closed:
                return False
            try:
                unit.table[item.name](item)
            except Exception:
                log.exception("%s: internal error while handling %r", unit.label, item.name)
            return True
        finally:
            unit.exclusive.release()

    def _run(self) -> None:
        take = self.unit.mailbox.take
        table = self.unit.table
        exclusive = self.unit.exclusive
        while True:
            batch = take()
            if not batch:
                return
            with exclusive:
                for item in batch:
                    try:
                        table[item.name](item)
                    except Exception:
                        log.exception("%s: internal error while handling %r", self.unit.label, item.name)
                self.done += len(batch)
