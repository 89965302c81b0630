"""A Kafka broker for the Kafka cases: ``STREAMER_BENCH_BOOTSTRAP`` or one dev broker.

The dev broker starts when the first Kafka case needs it and is shared by the
others (a JVM start costs seconds); ``close_shared`` stops it at the end of a run.
"""

from __future__ import annotations

import os
from typing import Any

from bench.harness import Unavailable

BOOTSTRAP_ENV = "STREAMER_BENCH_BOOTSTRAP"

_shared: Any = None


def kafka_bootstrap() -> str:
    global _shared
    configured = os.environ.get(BOOTSTRAP_ENV)
    if configured:
        return configured
    if _shared is not None:
        return str(_shared.bootstrap)
    try:
        from streamer.kafka.devbroker import DevBroker
    except ImportError as error:
        raise Unavailable(f"no {BOOTSTRAP_ENV} and the dev broker is not importable: {error}") from error
    broker = DevBroker()
    try:
        broker.start()
    except Exception as error:
        broker.close()
        raise Unavailable(f"dev broker did not start: {error}") from error
    _shared = broker
    return str(broker.bootstrap)


def close_shared() -> None:
    global _shared
    broker, _shared = _shared, None
    if broker is not None:
        broker.close()
