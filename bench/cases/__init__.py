"""The benchmark cases, in the order the issue lists them."""

from __future__ import annotations

from bench.harness import Case


def all_cases() -> list[Case]:
    from bench.cases import compiler, join, kafka, one_hop, overload, peer, pipeline

    return [
        one_hop.CASE,
        pipeline.CASE,
        join.CASE,
        peer.CASE,
        kafka.BRIDGE,
        kafka.EXACTLY_ONCE,
        compiler.CASE,
        overload.CASE,
    ]
