"""Every workload runs to completion on small inputs and counts every event.

These guard the benchmark code against API drift; they assert counts and
completion, never speed.
"""

from __future__ import annotations

import os

import pytest

from bench.cases import join, one_hop, peer, pipeline, streamer_api
from bench.cases.events import join_input, ticks

pytest.importorskip("streamer")


def _positive_rate(measurement: object) -> float:
    rate = measurement.values["rate"]  # type: ignore[attr-defined]
    assert rate > 0
    return float(rate)


def test_one_hop_variants_complete() -> None:
    events = ticks(3_000)
    _positive_rate(one_hop.by_hand(events))
    _positive_rate(one_hop.by_hand_enveloped(events))
    _positive_rate(one_hop.simplequeue_ceiling(3_000))
    _positive_rate(streamer_api.run_one_hop(events))


def test_pipeline_variants_complete() -> None:
    events = ticks(2_000)
    _positive_rate(pipeline.by_hand(events))
    _positive_rate(streamer_api.run_pipeline(events))


def test_join_variants_pair_every_key() -> None:
    events = join_input(2_000)
    _positive_rate(join.by_hand(events, 2_000))
    _positive_rate(streamer_api.run_join(events, 2_000))


def test_peer_variants_complete() -> None:
    pytest.importorskip("pykka")
    events = ticks(1_000)
    _positive_rate(peer.pykka_one_hop(events))
    _positive_rate(peer.pykka_four_hop(events))
    _positive_rate(peer.pykka_ask(200))
    _positive_rate(peer.simplequeue_round_trip(200))
    _positive_rate(streamer_api.run_request_reply(200))


def test_overload_child_handles_every_event_within_its_bound() -> None:
    from bench.cases.overload import _run

    measurement = _run("streamer", 3_000)
    assert measurement.values["handled"] == 3_000
    assert measurement.info["out of order"] == 0


@pytest.mark.kafka
@pytest.mark.skipif(
    not (os.environ.get("STREAMER_BENCH_BOOTSTRAP") or os.environ.get("STREAMER_TEST_BOOTSTRAP")),
    reason="needs a Kafka broker (STREAMER_BENCH_BOOTSTRAP or STREAMER_TEST_BOOTSTRAP)",
)
def test_kafka_pairs_deliver_every_record() -> None:
    from bench.cases.kafka import run_pair

    bootstrap = os.environ.get("STREAMER_BENCH_BOOTSTRAP") or os.environ["STREAMER_TEST_BOOTSTRAP"]
    for kind in ("raw", "bridge"):
        result = run_pair(kind, bootstrap, 2_000)  # raises unless all 2,000 arrived
        assert result["rate"] > 0
