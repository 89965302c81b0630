"""The harness pairs, orders and reports correctly (no timing is asserted)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.cli import main
from bench.harness import (
    Case,
    Measurement,
    Metric,
    Settings,
    Unavailable,
    Workload,
    run_case,
    run_suite,
)
from bench.report import Environment, to_json, to_markdown

SETTINGS = Settings(quick=True, rounds=4, warmup=False)


def _scripted_case(calls: list[str]) -> Case:
    """Variant ``a`` returns 10, 20, 30, 40; ``b`` always 10: ratios 1, 2, 3, 4."""
    counts = {"a": 0, "b": 0}

    def variant(name: str) -> Measurement:
        calls.append(name)
        counts[name] += 1
        value = 10.0 * counts[name] if name == "a" else 10.0
        return Measurement({"rate": value}, {"call": counts[name]})

    @contextmanager
    def open_(settings: Settings) -> Iterator[Workload]:
        yield Workload({"a": lambda: variant("a"), "b": lambda: variant("b")}, notes=("scripted",))

    return Case(
        name="scripted",
        title="scripted values",
        metrics=(Metric("a over b", "a", "b", "rate", 2.5, "higher", "ev/s"),),
        open=open_,
    )


def test_rounds_alternate_order_and_ratios_pair_by_round() -> None:
    calls: list[str] = []
    result = run_case(_scripted_case(calls), SETTINGS, lambda _: None)
    assert calls == ["a", "b", "b", "a", "a", "b", "b", "a"]
    (metric,) = result.metrics
    assert metric.ratio.samples == (1.0, 2.0, 3.0, 4.0)
    assert metric.ratio.median == 2.5
    assert (metric.ratio.low, metric.ratio.high) == (1.0, 4.0)
    assert metric.met is True
    assert result.rounds == 4
    assert result.info["a"] == {"call": 4}


def test_warmup_runs_every_variant_once_unrecorded() -> None:
    calls: list[str] = []
    settings = Settings(quick=True, rounds=1, warmup=True)
    result = run_case(_scripted_case(calls), settings, lambda _: None)
    assert calls == ["a", "b", "a", "b"]
    assert result.metrics[0].ours.samples == (20.0,)


def test_lower_is_better_targets() -> None:
    metric = Metric("latency", "x", "y", "p99_ms", 2.0, "lower", "ms")
    assert metric.met(1.9) and not metric.met(2.1)
    assert metric.target_text == "<= 2"
    assert Metric("info", "x", "y", "s", None, "lower").met(100.0) is None


def test_unavailable_and_failing_cases_are_reported_and_the_suite_goes_on() -> None:
    @contextmanager
    def unavailable(settings: Settings) -> Iterator[Workload]:
        raise Unavailable("not landed yet")
        yield  # pragma: no cover

    @contextmanager
    def broken(settings: Settings) -> Iterator[Workload]:
        yield Workload({"x": lambda: 1 / 0})  # type: ignore[dict-item, return-value]

    cases = [
        Case("missing", "needs something", (), unavailable),
        Case("broken", "raises", (Metric("m", "x", "x", "rate", 1.0, "higher"),), broken),
        _scripted_case([]),
    ]
    results = list(run_suite(cases, SETTINGS, lambda _: None))
    assert results[0].skipped == "not landed yet"
    assert results[1].skipped is not None and "ZeroDivisionError" in results[1].skipped
    assert results[2].skipped is None and results[2].metrics


def test_markdown_and_json_carry_every_case() -> None:
    results = [run_case(_scripted_case([]), SETTINGS, lambda _: None)]
    env = Environment(cores=2, python="3.11.7", platform="test", started="now", command="python -m bench")
    table = to_markdown(results, SETTINGS, env)
    assert "| scripted | a over b | **2.50** (1.00–4.00) | >= 2.5 | yes |" in table
    assert "2 cores" in table and "python -m bench" in table
    document = json.loads(json.dumps(to_json(results, SETTINGS, env)))
    assert document["environment"]["cores"] == 2
    (case,) = document["cases"]
    assert case["metrics"][0]["ratio"]["samples"] == [1.0, 2.0, 3.0, 4.0]
    assert case["notes"] == ["scripted"]


def test_cli_rejects_unknown_cases_and_lists_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--cases", "no_such_case"]) == 2
    assert "unknown case(s): no_such_case" in capsys.readouterr().err
    assert main(["--list"]) == 0
    listed = capsys.readouterr().out.split()
    for name in ("one_hop", "pipeline", "join", "peer", "kafka", "kafka_eos", "compiler", "overload"):
        assert name in listed


def test_cli_writes_json_and_markdown_and_exits_zero(tmp_path: Path) -> None:
    out, table = tmp_path / "r.json", tmp_path / "r.md"
    # The join case's baseline needs nothing but Python; its own side may be skipped.
    code = main(["--quick", "--rounds", "1", "--no-warmup", "--cases", "join",
                 "--json", str(out), "--markdown", str(table)])
    assert code == 0
    document = json.loads(out.read_text())
    assert [case["name"] for case in document["cases"]] == ["join"]
    assert "| join |" in table.read_text()
