"""Run one variant of one case in a loop, for a profiler to sample.

    py-spy record --format raw -o one_hop.txt -- python -m bench.profile one_hop streamer
    python -m bench.profile one_hop streamer --pyinstrument   # main thread only

py-spy sees every thread (the runtime's workers included); pyinstrument only
the thread that starts it, so it suits the single-threaded variants.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from bench.cases import all_cases
from bench.harness import Settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("case")
    parser.add_argument("variant")
    parser.add_argument("--seconds", type=float, default=10.0, help="keep repeating this long")
    parser.add_argument("--quick", action="store_true", help="the quick mode's event counts")
    parser.add_argument("--pyinstrument", action="store_true", help="profile with pyinstrument")
    args = parser.parse_args(argv)
    cases = {case.name: case for case in all_cases()}
    case = cases[args.case]
    settings = Settings(quick=args.quick, rounds=1, warmup=False)
    with case.open(settings) as workload:
        variant = workload.variants[args.variant]
        profiler = None
        if args.pyinstrument:
            from pyinstrument import Profiler

            profiler = Profiler()
            profiler.start()
        deadline = time.perf_counter() + args.seconds
        runs = 0
        while time.perf_counter() < deadline:
            print(variant().values, file=sys.stderr)
            runs += 1
        if profiler is not None:
            profiler.stop()
            print(profiler.output_text(unicode=False, color=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
