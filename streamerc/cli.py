"""The ``streamerc`` command line.

Exit codes (documented in docs/cli.md): 0 success; 1 a spec has errors or, with
``build --check``, generated files are stale; 2 usage or I/O errors. User
mistakes are reported as diagnostics or one-line messages, never tracebacks.
"""

from __future__ import annotations

import argparse
import runpy
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from . import __version__
from .build import Compiled, GenerationError, compile_spec, generate, stamp_key, up_to_date, write_package
from .diagnostics import render_all
from .graph import FORMATS, render_graph
from .render import RenderedPackage

EXIT_OK = 0
EXIT_SPEC = 1
"""A spec has errors, or ``build --check`` found stale files."""
EXIT_USAGE = 2
"""Bad command line, unreadable input directory, unwritable output."""

BUILD_CACHE = ".streamer-build"
"""Where ``streamerc run`` builds, next to the spec (gitignored)."""


class _UsageError(Exception):
    """A problem with the command line or the file system: exit code 2."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["kafka"]:
        return _kafka(args_list[1:])
    passthrough: list[str] = []
    if "--" in args_list:
        split = args_list.index("--")
        args_list, passthrough = args_list[:split], args_list[split + 1 :]
    parser = _parser()
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exit_:  # argparse: --help (0) or a usage error (2)
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    if passthrough and args.command != "run":
        parser.print_usage(sys.stderr)
        print("streamerc: error: arguments after `--` are only for `streamerc run`", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.command == "build":
            return _build(args.specs, Path(args.out), args.check, args.handlers_dir)
        if args.command == "check":
            return _check(args.specs)
        if args.command == "graph":
            return _graph(args.spec, args.format, args.output)
        if args.command == "run":
            return _run(Path(args.spec), args.handlers_dir, args.build_dir, passthrough)
    except _UsageError as error:
        print(f"streamerc: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except GenerationError as error:
        print(f"streamerc: error: {error}", file=sys.stderr)
        return EXIT_SPEC
    except OSError as error:
        print(f"streamerc: error: {_describe_os_error(error)}", file=sys.stderr)
        return EXIT_USAGE
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="streamerc",
        description="Compile .stm specs into typed Python packages that run on the streamer runtime.",
        epilog="Exit codes: 0 ok; 1 spec errors or stale output (build --check); 2 usage or I/O errors.",
    )
    parser.add_argument("--version", action="version", version=f"streamerc {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    build = commands.add_parser(
        "build",
        help="generate a Python package per spec",
        description=(
            "Check each spec and generate its package under OUT. Nothing is written if any "
            "spec has an error; only files whose content changed are rewritten; the starter "
            "handler file <package>_handlers.py is created once and never overwritten."
        ),
    )
    build.add_argument("specs", nargs="+", metavar="SPEC", help=".stm spec files")
    build.add_argument("-o", "--out", required=True, metavar="DIR", help="output directory")
    build.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if any generated file is missing or out of date (for CI)",
    )
    build.add_argument(
        "--handlers-dir",
        metavar="DIR",
        type=Path,
        help="where the starter handler file is created when missing (default: OUT)",
    )

    check = commands.add_parser(
        "check",
        help="report diagnostics only",
        description="Parse and check each spec; print every diagnostic; exit 1 if any is an error.",
    )
    check.add_argument("specs", nargs="+", metavar="SPEC", help=".stm spec files")

    graph = commands.add_parser(
        "graph",
        help="draw the topology and state machines (DOT or Mermaid)",
        description=(
            "Print a diagram of actors, events, joins, collects and deploy processes, then "
            "each state machine as its own diagram."
        ),
    )
    graph.add_argument("spec", metavar="SPEC", help="a .stm spec file")
    graph.add_argument("--format", choices=FORMATS, default="dot", help="diagram language (default: dot)")
    graph.add_argument("-o", "--output", metavar="FILE", type=Path, help="write here instead of stdout")

    run = commands.add_parser(
        "run",
        help="build a spec into a cache directory and run it in this process",
        description=(
            "Build SPEC into .streamer-build/ next to it and run the system in one process "
            "(python -m <package>). The handler module <package>_handlers is imported from "
            "the spec's directory (created there as a starter when missing). Arguments after "
            "`--` go to the program, e.g. `streamerc run shop.stm -- --help`."
        ),
    )
    run.add_argument("spec", metavar="SPEC", help="a .stm spec file")
    run.add_argument(
        "--handlers-dir",
        metavar="DIR",
        type=Path,
        help="directory holding <package>_handlers.py (default: the spec's directory)",
    )
    run.add_argument(
        "--build-dir",
        metavar="DIR",
        type=Path,
        help=f"where to generate the package (default: {BUILD_CACHE}/ next to the spec)",
    )
    commands.add_parser(
        "kafka",
        help="the development Kafka broker: start | stop | status | fetch (see `streamerc kafka --help`)",
        add_help=False,
    )
    return parser


def _kafka(argv: list[str]) -> int:
    """Hand over to the runtime's development broker (same as scripts/kafka-dev)."""
    from streamer.kafka import devbroker

    status: int = devbroker.main(argv)
    return status


# ---- commands -------------------------------------------------------------------


def _compile_all(paths: Sequence[str]) -> list[Compiled]:
    """Compile every spec and print its diagnostics (warnings included)."""
    results = []
    for path in paths:
        if Path(path).is_dir():
            raise _UsageError(f"{path} is a directory, not a spec file")
        compiled = compile_spec(path)
        _print_diagnostics(compiled, sys.stderr)
        results.append(compiled)
    return results


def _print_diagnostics(compiled: Compiled, stream: TextIO) -> None:
    if not compiled.diagnostics:
        return
    print(render_all(compiled.diagnostics, compiled.source), file=stream)
    errors = sum(1 for d in compiled.diagnostics if d.is_error)
    warnings = len(compiled.diagnostics) - errors
    counts = [f"{n} {word}{'' if n == 1 else 's'}" for n, word in ((errors, "error"), (warnings, "warning")) if n]
    print(f"{compiled.display}: {', '.join(counts)}", file=stream)


def _failure(results: Sequence[Compiled]) -> int | None:
    """The exit code when any spec failed: I/O trouble outranks spec errors."""
    if any(result.unreadable for result in results):
        return EXIT_USAGE
    if not all(result.ok for result in results):
        return EXIT_SPEC
    return None


def _check(paths: Sequence[str]) -> int:
    return _failure(_compile_all(paths)) or EXIT_OK


def _build(paths: Sequence[str], out: Path, check_only: bool, handlers_dir: Path | None) -> int:
    fresh = up_to_date(paths, out, handlers_dir)
    if fresh is not None:
        # The stamps vouch for every file: report what a build that changes nothing reports.
        if not check_only:
            for item in fresh:
                unchanged = len(item.stamp.files)
                print(f"{item.display}: {item.stamp.package}: 0 written, {unchanged} unchanged in {out}", file=sys.stderr)
        return EXIT_OK
    results = _compile_all(paths)
    failure = _failure(results)
    if failure is not None:
        print("streamerc: nothing written: fix the errors above", file=sys.stderr)
        return failure
    packages: dict[str, tuple[str, RenderedPackage, str | None]] = {}
    for result in results:
        if result.spec is None:
            continue
        rendered = generate(result.spec)
        package = result.spec.package
        if package in packages:
            raise _UsageError(f"{packages[package][0]} and {result.display} both generate package {package}")
        packages[package] = (result.display, rendered, stamp_key(result))
    if out.exists() and not out.is_dir():
        raise _UsageError(f"output {out} exists and is not a directory")
    stale = 0
    for package, (display, rendered, key) in packages.items():
        report = write_package(rendered, out, handlers_dir=handlers_dir, check_only=check_only, stamp_key=key)
        if check_only:
            for path in report.stale:
                print(f"{display}: stale: {path}", file=sys.stderr)
            stale += len(report.stale)
            continue
        print(
            f"{display}: {package}: {len(report.written)} written, "
            f"{len(report.unchanged)} unchanged in {out}",
            file=sys.stderr,
        )
        if report.starter_created is not None:
            print(
                f"{display}: created starter handlers {report.starter_created} (yours to edit)",
                file=sys.stderr,
            )
    if stale:
        print(f"streamerc: {stale} generated file(s) out of date: run `streamerc build`", file=sys.stderr)
        return EXIT_SPEC
    return EXIT_OK


def _graph(path: str, format_: str, output: Path | None) -> int:
    (compiled,) = _compile_all([path])
    failure = _failure([compiled])
    if failure is not None or compiled.spec is None:
        return failure or EXIT_SPEC
    text = render_graph(compiled.spec, format_)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
    return EXIT_OK


def _run(spec: Path, handlers_dir: Path | None, build_dir: Path | None, argv: list[str]) -> int:
    (compiled,) = _compile_all([str(spec)])
    failure = _failure([compiled])
    if failure is not None or compiled.spec is None:
        return failure or EXIT_SPEC
    spec_dir = spec.resolve().parent
    handlers = (handlers_dir or spec_dir).resolve()
    build = (build_dir or spec_dir / BUILD_CACHE).resolve()
    rendered = generate(compiled.spec)
    report = write_package(rendered, build, handlers_dir=handlers)
    if report.starter_created is not None:
        print(
            f"{compiled.display}: created starter handlers {report.starter_created} (yours to edit)",
            file=sys.stderr,
        )
    package = compiled.spec.package
    # Fresh imports of this package and its handlers, found first on sys.path.
    for name in list(sys.modules):
        if name == package or name.startswith(package + ".") or name == f"{package}_handlers":
            del sys.modules[name]
    sys.path[:0] = [str(handlers), str(build)]
    saved_argv = sys.argv
    sys.argv = [package, *argv]
    try:
        runpy.run_module(package, run_name="__main__", alter_sys=True)
    except SystemExit as exit_:
        if exit_.code is None or isinstance(exit_.code, int):
            return exit_.code or EXIT_OK
        print(exit_.code, file=sys.stderr)
        return EXIT_SPEC
    finally:
        sys.argv = saved_argv
    return EXIT_OK


def _describe_os_error(error: OSError) -> str:
    where = f"{error.filename}: " if error.filename else ""
    return f"{where}{error.strerror or error}"


if __name__ == "__main__":
    sys.exit(main())
