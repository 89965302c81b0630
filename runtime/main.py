"""``run_main``: the entry point of a generated package's ``__main__``.

Without ``--process`` every actor runs in this process; with ``--process NAME``
only that process's actors run, connected to the others through Kafka (options
added by ``streamer.kafka.entry``). Runs until SIGTERM or Ctrl-C (or an
escalated failure), then drains and stops cleanly. SIGUSR1 dumps every
thread's stack.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import signal
import sys
import threading
from collections.abc import Mapping, Sequence
from types import FrameType, ModuleType
from typing import Any

from .actor import Actor
from .debug import install_stack_dump
from .errors import HandlerMissingError, TopologyError
from .system import System
from .topology import Topology

log = logging.getLogger("streamer.main")

Handlers = Mapping[str, type[Actor]] | ModuleType | str


def build_parser(topology: Topology) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"python -m {topology.module.replace('.', '_')}",
        description=f"Run the {topology.module} system (all actors, or one process of its deployment).",
    )
    processes = ", ".join(p.name for p in topology.processes)
    parser.add_argument(
        "--process",
        metavar="NAME",
        help=f"run only this process of the deploy section ({processes or 'none declared'}); "
        "events to and from the others go through Kafka",
    )
    parser.add_argument("--handlers", metavar="MODULE", help="module with the handler classes")
    parser.add_argument("--log-level", default="INFO", help="logging level (default INFO)")
    parser.add_argument(
        "--stop-timeout", type=float, default=30.0, help="seconds allowed to drain and stop (default 30)"
    )
    kafka = _kafka_entry()
    if kafka is not None:
        kafka.add_arguments(parser)
    return parser


def _kafka_entry() -> Any:
    try:
        return importlib.import_module("streamer.kafka.entry")
    except ImportError:
        return None


def _load_handlers(handlers: Handlers, override: str | None) -> Mapping[str, type[Actor]] | ModuleType:
    if override:
        return importlib.import_module(override)
    if isinstance(handlers, str):
        return importlib.import_module(handlers)
    return handlers


def run_main(topology: Topology, handlers: Handlers, argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, run the system until a stop signal, return the exit status."""
    parser = build_parser(topology)
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        loaded = _load_handlers(handlers, args.handlers)
    except ImportError as error:
        parser.error(f"cannot import the handler module: {error}")
    install_stack_dump()
    try:
        if args.process is not None:
            kafka = _kafka_entry()
            if kafka is None:
                parser.error("--process needs the Kafka bridge (streamer.kafka), which is not importable")
            status: int = kafka.run_process(topology, loaded, args.process, args, stop_timeout=args.stop_timeout)
            return status
        return _run_local(topology, loaded, args.stop_timeout)
    except (HandlerMissingError, TopologyError) as error:
        # The user's handler module or a hand-written topology is wrong: say
        # what to fix, without a traceback.
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 2


def _run_local(topology: Topology, handlers: Mapping[str, type[Actor]] | ModuleType, stop_timeout: float) -> int:
    system = System(topology, handlers)
    stop_requested = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop_requested.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        system.start()
        log.info("%s running in one process (%d actors)", topology.module, len(topology.actors))
        while not stop_requested.wait(0.2):
            if system.wait(0):
                break  # stopped by itself (an escalated failure)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        result = system.stop(stop_timeout)
    log.info("stopped: %s", result)
    return 1 if system.failure is not None or (result is not None and not result.drained) else 0
