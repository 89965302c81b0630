"""Case 7: the compiler on a generated spec of about 5,000 lines.

Variants, all in this process through the real command line (``streamerc.cli.main``):

- ``full_build``: ``streamerc build`` into an empty folder with an empty format
  cache (``STREAMER_CACHE_DIR`` pointed at a fresh folder);
- ``lark_plus_black`` (baseline): the bare Lark parser (same grammar and parser
  options, built once) over the spec, plus black formatting every generated file;
- ``rebuild_unchanged``: the same build again over its own previous output, with
  the format cache that first build filled (as on a developer's machine);
- ``rebuild_one_actor``: the spec with one actor changed (a validator's filter
  gets a threshold never used before) over the previous output, with the warm
  cache. It reports which files were rewritten and how many files black formatted.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.harness import Case, Measurement, Metric, Settings, Unavailable, Workload
from bench.specgen import domains_for_lines, generate

SPEC_NAME = "big.stm"


class BlackCalls:
    """Counts ``black.format_str`` calls (the compiler formats each file it renders),
    and those that changed their input (black then runs a second, full pass)."""

    def __init__(self) -> None:
        import black

        self.black = black
        self.original: Callable[..., str] = black.format_str
        self.calls = 0
        self.changed = 0

    @contextmanager
    def counting(self) -> Iterator[None]:
        def counted(*args: Any, **kwargs: Any) -> str:
            self.calls += 1
            formatted = self.original(*args, **kwargs)
            self.changed += formatted != (args[0] if args else kwargs.get("src_contents"))
            return formatted

        self.calls = 0
        self.changed = 0
        self.black.format_str = counted
        try:
            yield
        finally:
            self.black.format_str = self.original


CACHE_ENV = "STREAMER_CACHE_DIR"


@contextmanager
def _cache_dir(path: Path) -> Iterator[None]:
    """Point the compiler's format cache at ``path`` for one build."""
    previous = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = str(path)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(CACHE_ENV, None)
        else:
            os.environ[CACHE_ENV] = previous


def _build(spec: Path, out: Path, cache: Path) -> None:
    from streamerc.cli import main

    with _cache_dir(cache), contextlib.redirect_stderr(io.StringIO()) as errors:
        code = main(["build", str(spec), "-o", str(out)])
    if code != 0:
        raise RuntimeError(f"streamerc build exited {code}:\n{errors.getvalue()[-3000:]}")


def _digests(out: Path) -> dict[str, str]:
    return {
        str(path.relative_to(out)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(out.rglob("*.py"))
    }


def _timed(action: Callable[[], None]) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


@contextmanager
def _open(settings: Settings) -> Iterator[Workload]:
    try:
        import black
        from lark import Lark
        from streamerc import render as streamerc_render
        from streamerc.cli import main  # noqa: F401
        from streamerc.resources import grammar_path
    except ImportError as error:
        raise Unavailable(f"compiler not importable: {error}") from error
    lines = 500 if settings.quick else 5_000
    domains = domains_for_lines(lines)
    original = generate(domains)
    root = Path(tempfile.mkdtemp(prefix="streamer-bench-compiler-"))
    try:
        folders = {name: root / name for name in ("full", "base", "same", "edit")}
        for folder in folders.values():
            folder.mkdir()
            (folder / SPEC_NAME).write_text(original, encoding="utf-8")
        warm = root / "warm-cache"  # what a developer's machine has after a first build
        _build(folders["base"] / SPEC_NAME, folders["base"] / "out", warm)
        for name in ("same", "edit"):  # headers name the spec by file name, so copies are exact
            shutil.copytree(folders["base"] / "out", folders[name] / "out")
        generated = [p.read_text(encoding="utf-8") for p in sorted((folders["base"] / "out").rglob("*.py"))]
        generated_lines = sum(text.count("\n") for text in generated)
        parser = Lark(grammar_path().read_text(encoding="utf-8"), parser="lalr", lexer="contextual",
                      propagate_positions=True, maybe_placeholders=False)
        mode = streamerc_render.BLACK_MODE
        black_calls = BlackCalls()

        def full_build() -> Measurement:
            out, cold = folders["full"] / "out", root / "cold-cache"
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(cold, ignore_errors=True)  # a full build: nothing cached anywhere
            with black_calls.counting():
                seconds = _timed(lambda: _build(folders["full"] / SPEC_NAME, out, cold))
            return Measurement(
                {"seconds": seconds},
                {
                    "files formatted by black": black_calls.calls,
                    "files black changed (formatted twice)": black_calls.changed,
                },
            )

        def baseline() -> Measurement:
            def work() -> None:
                parser.parse(original)
                for text in generated:
                    black.format_str(text, mode=mode)

            return Measurement({"seconds": _timed(work)})

        def rebuild_unchanged() -> Measurement:
            out = folders["same"] / "out"
            before = _digests(out)
            with black_calls.counting():
                seconds = _timed(lambda: _build(folders["same"] / SPEC_NAME, out, warm))
            rewritten = sorted(k for k, v in _digests(out).items() if before.get(k) != v)
            return Measurement({"seconds": seconds},
                               {"files rewritten": rewritten, "files formatted by black": black_calls.calls})

        edits = itertools.count(1)

        def rebuild_one_actor() -> Measurement:
            # A threshold never used before: a real edit, not one the format cache has seen.
            spec = folders["edit"] / SPEC_NAME
            spec.write_text(generate(domains, domains // 2, next(edits)), encoding="utf-8")
            out = folders["edit"] / "out"
            before = _digests(out)
            with black_calls.counting():
                seconds = _timed(lambda: _build(spec, out, warm))
            rewritten = sorted(k for k, v in _digests(out).items() if before.get(k) != v)
            return Measurement({"seconds": seconds},
                               {"files rewritten": rewritten, "files formatted by black": black_calls.calls})

        yield Workload(
            {
                "full_build": full_build,
                "lark_plus_black": baseline,
                "rebuild_unchanged": rebuild_unchanged,
                "rebuild_one_actor": rebuild_one_actor,
            },
            notes=(
                f"spec: {original.count(chr(10)):,} lines ({domains} domains: {domains * 6} events, "
                f"{domains * 3} actors, {domains * 2} state machines); "
                f"generated: {generated_lines:,} lines in {len(generated)} files",
            ),
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


CASE = Case(
    name="compiler",
    title="streamerc build of a generated spec vs bare Lark parse + black",
    metrics=(
        Metric("full build vs Lark + black", "full_build", "lark_plus_black", "seconds", 1.5, "lower", "s"),
        Metric("unchanged rebuild vs full build", "rebuild_unchanged", "full_build", "seconds", 0.1, "lower", "s"),
        Metric("one-actor rebuild vs full build", "rebuild_one_actor", "full_build", "seconds", None, "lower", "s"),
    ),
    open=_open,
    warmup=False,
    quick_rounds=2,
    max_rounds=3,
)
