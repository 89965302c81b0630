"""Command-line options that put one process of a deployment on Kafka.

``run_main`` (the generated ``__main__``) adds these options with
``add_arguments`` and, when ``--process NAME`` is given, hands over to
``run_process``. Every option also has an environment form (see
``config.py``), so containers can be configured without changing commands.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Mapping
from types import FrameType
from typing import Any

from confluent_kafka import KafkaException

from ..errors import StreamerError
from ..system import System
from ..topology import Topology
from .config import ConfigError, load_settings
from .transport import KafkaTransport

logger = logging.getLogger("streamer.kafka")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("Kafka (with --process)")
    group.add_argument(
        "--bootstrap-servers", metavar="HOST:PORT[,...]",
        help="Kafka bootstrap servers (env STREAMER_KAFKA_BOOTSTRAP)",
    )
    group.add_argument(
        "--kafka-config", metavar="FILE",
        help="properties file of librdkafka settings, e.g. security.protocol (env STREAMER_KAFKA_CONFIG)",
    )
    group.add_argument(
        "--kafka-setting", metavar="KEY=VALUE", action="append", default=[],
        help="one librdkafka setting, repeatable (env STREAMER_KAFKA_<KEY with _ for .>)",
    )
    group.add_argument(
        "--instance", metavar="ID",
        help="stable id of this replica, e.g. 0, 1, 2 (env STREAMER_KAFKA_INSTANCE)",
    )
    group.add_argument(
        "--exactly-once", action=argparse.BooleanOptionalAction, default=None,
        help="Kafka transactions per batch (default: as the spec's deploy section says)",
    )


def transport_from_args(
    topology: Topology, process: str, args: argparse.Namespace, environ: Mapping[str, str] | None = None
) -> KafkaTransport:
    """The transport for ``process``; raises ``ConfigError`` with a usable message."""
    known = {spec.name for spec in topology.processes}
    if known and process not in known:
        raise ConfigError(f"unknown process {process!r}; the deploy section declares {', '.join(sorted(known))}")
    client: dict[str, str] = {}
    for setting in args.kafka_setting:
        key, sep, value = setting.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--kafka-setting expects KEY=VALUE, got {setting!r}")
        client[key.strip()] = value.strip()
    settings = load_settings(
        args.bootstrap_servers,
        config_file=args.kafka_config,
        client=client,
        environ=os.environ if environ is None else environ,
        instance=args.instance,
        exactly_once=args.exactly_once,
    )
    return KafkaTransport(topology, process, settings)


def attach_system(transport: KafkaTransport, system: System) -> None:
    """Give the transport the system's call registry and dead letters (before start)."""
    transport.attach(system.host)


def run_process(
    topology: Topology,
    handlers: Any,
    process: str,
    args: argparse.Namespace,
    *,
    stop_timeout: float = 30.0,
) -> int:
    """Run one process of the deployment until SIGTERM/SIGINT (or an escalation).

    Shutdown drains the local actors, then the transport commits what they
    finished and flushes what they emitted. Returns the exit status.
    """
    try:
        transport = transport_from_args(topology, process, args)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    system = System(topology, handlers, process=process, transport=transport)
    attach_system(transport, system)
    stop_requested = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop_requested.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        try:
            system.start()
        except (StreamerError, KafkaException) as error:
            logger.error("process %s cannot start: %s", process, error)
            return 2
        logger.info("process %s of %s running on Kafka at %s", process, topology.module,
                    transport.settings.bootstrap_servers)
        while not stop_requested.wait(0.2):
            if system.wait(0):
                break  # stopped by itself (escalation)
            if transport.failure is not None:
                logger.error("process %s: Kafka consumer failed, stopping: %s", process, transport.failure)
                break
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        result = system.stop(stop_timeout)
    logger.info("process %s stopped: %s", process, result)
    failed = system.failure is not None or transport.failure is not None
    return 1 if failed or (result is not None and not result.drained) else 0

