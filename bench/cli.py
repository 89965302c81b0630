"""Command line of the suite: choose cases, run them, write JSON and Markdown."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.broker import close_shared
from bench.cases import all_cases
from bench.harness import Settings, run_suite
from bench.report import Environment, print_progress, to_json, to_markdown, write_json

DEFAULT_JSON = Path(__file__).resolve().parent / "results.json"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Streamer benchmarks: each case against its baseline, interleaved; "
        "reports ratios and never fails on speed.",
    )
    parser.add_argument("--quick", action="store_true", help="fewer events and rounds (< 2 min)")
    parser.add_argument("--cases", default="", help="comma-separated case names (default: all)")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds per case")
    parser.add_argument("--no-warmup", action="store_true", help="skip the untimed warm-up run")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="results file")
    parser.add_argument(
        "--markdown",
        type=Path,
        default=None,
        help="also write the Markdown table (for the README) to this file",
    )
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(args_list)
    cases = all_cases()
    if args.list:
        for case in cases:
            print(f"{case.name:12} {case.title}")
        return 0
    if args.cases:
        wanted = [name.strip() for name in args.cases.split(",") if name.strip()]
        known = {case.name for case in cases}
        unknown = [name for name in wanted if name not in known]
        if unknown:
            print(f"unknown case(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}",
                  file=sys.stderr)
            return 2
        cases = [case for case in cases if case.name in wanted]
    rounds = args.rounds if args.rounds is not None else (3 if args.quick else 5)
    settings = Settings(quick=args.quick, rounds=max(1, rounds), warmup=not args.no_warmup)
    env = Environment.current(args_list)
    try:
        results = list(run_suite(cases, settings, print_progress))
    finally:
        close_shared()
    write_json(args.json, to_json(results, settings, env))
    table = to_markdown(results, settings, env)
    print(table)
    if args.markdown is not None:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(table, encoding="utf-8")
    return 0
