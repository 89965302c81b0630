"""Debug aid: dump every thread's stack on a signal (default SIGUSR1).

``kill -USR1 <pid>`` prints the stacks to stderr (or the given file) without
stopping the process: the first thing to look at when a system seems stuck.
"""

from __future__ import annotations

import faulthandler
import io
import signal
import sys
from typing import TextIO


def install_stack_dump(signum: int | None = None, file: TextIO | None = None) -> bool:
    """Register the dump; False where the platform has no such signal."""
    if signum is None:
        signum = getattr(signal, "SIGUSR1", None)
        if signum is None:
            return False
    try:
        faulthandler.register(signum, file=file if file is not None else sys.stderr, all_threads=True, chain=False)
    except (io.UnsupportedOperation, ValueError):
        return False  # stderr has no file descriptor (captured or embedded): no dump
    return True


def remove_stack_dump(signum: int | None = None) -> None:
    signum = signum if signum is not None else getattr(signal, "SIGUSR1", None)
    if signum is not None:
        faulthandler.unregister(signum)
