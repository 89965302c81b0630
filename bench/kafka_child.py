"""One side of a Kafka run, as its own OS process (the harness starts two of these).

    python -m bench.kafka_child {raw,bridge}-{produce,consume} --bootstrap B --topic T --count N

The producer sends a warm-up record, prints ``warm`` and waits for ``go`` on
stdin; the consumer prints ``ready`` once that record arrived (so both clients
are connected and fetching before the clock starts). Every child prints one
JSON line with its figures last.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from collections.abc import Sequence

READY = "ready"


WARM = "warm"
GO = "go"


def _ready() -> None:
    print(READY, flush=True)


def _warm() -> None:
    """Producer: connected and warmed up; wait for the harness to start the clock."""
    print(WARM, flush=True)
    line = sys.stdin.readline().strip()
    if line != GO:
        raise SystemExit(f"expected {GO!r} on stdin, got {line!r}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.kafka_child")
    parser.add_argument("mode", choices=["raw-produce", "raw-consume", "bridge-produce", "bridge-consume"])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--rate", type=float, default=None, help="offered load (events/s)")
    parser.add_argument("--exactly-once", action="store_true")
    args = parser.parse_args(argv)
    group = f"bench-{uuid.uuid4().hex[:12]}"
    if args.mode == "raw-produce":
        from bench import kafka_raw

        result = kafka_raw.produce(args.bootstrap, args.topic, args.count, args.rate, _warm)
    elif args.mode == "raw-consume":
        from bench import kafka_raw

        result = kafka_raw.consume(args.bootstrap, args.topic, group, args.count, _ready,
                                   args.exactly_once)
    elif args.mode == "bridge-produce":
        from bench import kafka_bridge

        result = kafka_bridge.produce(args.bootstrap, args.topic, args.count, args.rate,
                                      _warm, args.exactly_once)
    else:
        from bench import kafka_bridge

        result = kafka_bridge.consume(args.bootstrap, args.topic, args.count, _ready,
                                      args.exactly_once)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
