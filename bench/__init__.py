"""Streamer's benchmark suite: each case against its baseline, same run, interleaved.

Run ``python -m bench`` (``--quick`` for the short CI variant); see
``docs/benchmarks.md``. Nothing here asserts a time: the suite reports ratios.
"""
