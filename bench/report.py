"""Results as JSON (``bench/results.json``) and as a Markdown table."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import CaseResult, Info, MetricResult, Settings, Spread


@dataclass(frozen=True)
class Environment:
    cores: int
    python: str
    platform: str
    started: str
    command: str

    @staticmethod
    def current(argv: Sequence[str]) -> Environment:
        return Environment(
            cores=os.cpu_count() or 0,
            python=platform.python_version(),
            platform=platform.platform(),
            started=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            command=" ".join(["python -m bench", *argv]),
        )


def _spread_json(spread: Spread) -> dict[str, Any]:
    return {
        "median": spread.median,
        "min": spread.low,
        "max": spread.high,
        "samples": list(spread.samples),
    }


def _metric_json(result: MetricResult) -> dict[str, Any]:
    metric = result.metric
    return {
        "name": metric.name,
        "ours": metric.ours,
        "baseline": metric.baseline,
        "quantity": metric.quantity,
        "unit": metric.unit,
        "target": metric.target_text,
        "met": result.met,
        "ratio": _spread_json(result.ratio),
        "ours_value": _spread_json(result.ours),
        "baseline_value": _spread_json(result.baseline),
    }


def to_json(results: Sequence[CaseResult], settings: Settings, env: Environment) -> dict[str, Any]:
    return {
        "environment": {
            "cores": env.cores,
            "python": env.python,
            "platform": env.platform,
            "started": env.started,
            "command": env.command,
        },
        "settings": {"quick": settings.quick, "rounds": settings.rounds, "warmup": settings.warmup},
        "cases": [
            {
                "name": r.case.name,
                "title": r.case.title,
                "skipped": r.skipped,
                "seconds": round(r.seconds, 2),
                "rounds": r.rounds,
                "metrics": [_metric_json(m) for m in r.metrics],
                "variants": {
                    name: {key: _spread_json(s) for key, s in values.items()}
                    for name, values in r.variants.items()
                },
                "info": {name: dict(info) for name, info in r.info.items()},
                "notes": list(r.notes),
            }
            for r in results
        ],
    }


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def _number(value: float, unit: str) -> str:
    if unit in ("s", "ms"):
        return f"{value:.3g} {unit}"
    if unit == "MiB":
        return f"{value:.1f} MiB"
    if abs(value) >= 10_000:
        return f"{value:,.0f} {unit}".strip()
    return f"{value:.3g} {unit}".strip()


def _ratio(spread: Spread) -> str:
    return f"**{spread.median:.2f}** ({spread.low:.2f}–{spread.high:.2f})"


def _cell(text: str, limit: int = 160) -> str:
    """One table cell: the first line, pipes escaped, bounded length."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    first = first.replace("|", "\\|")
    return first if len(first) <= limit else first[: limit - 1] + "…"


def _shown(result: CaseResult, variant: str, quantity: str) -> bool:
    """Whether the metric rows already show this variant's quantity."""
    return any(
        m.metric.quantity == quantity and variant in (m.metric.ours, m.metric.baseline)
        for m in result.metrics
    )


def _met(met: bool | None) -> str:
    return "—" if met is None else ("yes" if met else "**no**")


def _info_text(value: Info) -> str:
    if isinstance(value, list):
        return ", ".join(value) if value else "none"
    if isinstance(value, float):
        return f"{value:,.4g}"
    return str(value)


def to_markdown(results: Sequence[CaseResult], settings: Settings, env: Environment) -> str:
    lines = [
        f"Command: `{env.command}` — {env.started}, {env.cores} cores, Python {env.python}"
        f"{', quick mode' if settings.quick else ''}.",
        "Ratio = ours / baseline, paired per round (variants interleaved): median (min–max) "
        "over the rounds shown; ours and baseline columns are medians.",
        "",
        "| case | metric | ratio | target | met | ours | baseline | rounds |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for result in results:
        if result.skipped:
            lines.append(f"| {result.case.name} | — | skipped: {_cell(result.skipped)} | | | | | |")
            continue
        for m in result.metrics:
            unit = m.metric.unit
            lines.append(
                f"| {result.case.name} | {m.metric.name} | {_ratio(m.ratio)} "
                f"| {m.metric.target_text} | {_met(m.met)} "
                f"| {_number(m.ours.median, unit)} ({m.metric.ours}) "
                f"| {_number(m.baseline.median, unit)} ({m.metric.baseline}) | {result.rounds} |"
            )
    details = [
        (r.case.name, name, key, value)
        for r in results
        for name, info in r.info.items()
        for key, value in info.items()
    ]
    unpaired = [
        (r.case.name, name, key, spread.median)
        for r in results
        for name, values in r.variants.items()
        for key, spread in values.items()
        if not _shown(r, name, key)
    ]
    notes = [(r.case.name, note) for r in results for note in r.notes]
    if details or notes or unpaired:
        lines += ["", "Details:", ""]
        lines += [f"- {case} / {name}: {key} = {_info_text(value)}" for case, name, key, value in details]
        lines += [f"- {case} / {name}: {key} = {value:,.4g} (median)" for case, name, key, value in unpaired]
        lines += [f"- {case}: {note}" for case, note in notes]
    return "\n".join(lines) + "\n"


def print_progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
