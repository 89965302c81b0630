"""Summarise py-spy's collapsed stacks (``--format raw``): where each thread spends time.

    python -m bench.flame one_hop.txt [--top 25] [--thread streamer]

Prints, per thread, the share of samples by *self* frame (the function running)
and by *inclusive* frame (on the stack), with line numbers dropped so a
function's lines add up.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

_LINE = re.compile(r":\d+\)$")


def _frame(text: str) -> str:
    return _LINE.sub(")", text.strip())


def summarise(lines: Sequence[str], top: int, thread_filter: str) -> str:
    self_time: dict[str, Counter[str]] = defaultdict(Counter)
    inclusive: dict[str, Counter[str]] = defaultdict(Counter)
    totals: Counter[str] = Counter()
    for line in lines:
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        frames = stack.split(";")
        # "thread (1234): name" / "Thread 0x7f..": keep the name, so runs of a thread add up
        thread = re.sub(r"\s*\((?:0x[0-9a-f]+|\d+)\)|0x[0-9a-f]+", "", frames[0]).strip() or frames[0]
        if thread_filter and thread_filter not in thread:
            continue
        count = int(count_text)
        names = [_frame(f) for f in frames[1:]]
        totals[thread] += count
        if names:
            self_time[thread][names[-1]] += count
        for name in set(names):
            inclusive[thread][name] += count
    out = []
    for thread, total in totals.most_common():
        out.append(f"== {thread}: {total} samples")
        out.append("  self:")
        out += [f"    {100 * n / total:5.1f}%  {name}" for name, n in self_time[thread].most_common(top)]
        out.append("  inclusive:")
        out += [f"    {100 * n / total:5.1f}%  {name}" for name, n in inclusive[thread].most_common(top)]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.flame", description=__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--thread", default="", help="only threads whose name contains this")
    args = parser.parse_args(argv)
    print(summarise(args.file.read_text().splitlines(), args.top, args.thread))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
