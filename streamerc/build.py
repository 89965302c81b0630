"""Compile specs into files on disk.

``compile_spec`` runs the front end (read, parse, check) and collects every
diagnostic; ``generate`` renders a checked spec; ``write_package`` puts the
files in place, touching only files whose bytes changed, or, in check mode,
only reports which ones are stale. The user's handler file is created once,
when missing, and never overwritten. Nothing is written for a spec with errors
(the CLI checks every spec before writing any).

Rebuilds are cheap: black's results are cached outside the output
(``cache``), and each package written from a spec without diagnostics gets a
stamp (``stamp``); ``up_to_date`` uses the stamps to tell, reading only the
specs and the generated files, that a build would change nothing.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from .cache import FormatCache, default_cache_dir
from .check import check
from .diagnostics import (
    Diagnostic,
    SpecErrors,
    display_text,
    has_errors,
    read_source,
    sort_diagnostics,
)
from .model import Spec
from .parse import parse
from .imports import ImportClash
from .naming import UnsafeNameError
from .predicates import ExpressionError
from .render import RenderedPackage, RenderError, render
from .stamp import Stamp, build_key, find_fresh, stamp_for, stamp_path
from .view import build_views
from .viewmodel import ViewError

UNREADABLE = "E006"
"""The front end's code for a spec file that cannot be read."""


@dataclass(frozen=True)
class Compiled:
    """The front end's result for one spec file."""

    display: str
    """The path as the user gave it: used in diagnostics and headers."""
    source: str
    spec: Spec | None
    """None when the spec could not be read or parsed."""
    diagnostics: list[Diagnostic]

    @property
    def ok(self) -> bool:
        return self.spec is not None and not has_errors(self.diagnostics)

    @property
    def unreadable(self) -> bool:
        """The file could not be read at all (an I/O error, not a spec error)."""
        return any(d.code == UNREADABLE for d in self.diagnostics)


def compile_spec(path: str | Path) -> Compiled:
    """Read, parse and check one spec; every problem becomes a diagnostic."""
    display = str(path)
    text, diagnostics = read_source(path, display)
    if text is None:
        # Bad bytes: show the line around them (decoded leniently) under the message.
        try:
            shown = display_text(Path(path).read_bytes())
        except OSError:
            shown = ""
        return Compiled(display, shown, None, diagnostics)
    try:
        spec = parse(text, display)
    except SpecErrors as errors:
        return Compiled(display, text, None, sort_diagnostics(errors.diagnostics))
    return Compiled(display, text, spec, sort_diagnostics(check(spec)))


class GenerationError(Exception):
    """A checked spec the code generator still cannot turn into Python.

    The checker should have reported the cause; this keeps the user from ever
    seeing a traceback when it did not.
    """


def generate(spec: Spec, *, cached: bool = True) -> RenderedPackage:
    """The generated files of a checked spec (no errors). With ``cached``,
    black's results are reused from (and saved to) the format cache."""
    cache = FormatCache(default_cache_dir()) if cached else None
    try:
        return render(build_views(spec), cache)
    except (ViewError, ImportClash, UnsafeNameError, ExpressionError, RenderError) as error:
        raise GenerationError(f"{spec.file}: cannot generate code: {error}") from error


def stamp_key(compiled: Compiled) -> str | None:
    """The key a stamp of this spec's package records; None when the spec has
    diagnostics, which a skipped build would fail to show again."""
    if not compiled.ok or compiled.diagnostics:
        return None
    return build_key(PurePath(compiled.display).name, compiled.source)


@dataclass(frozen=True)
class UpToDate:
    """A spec whose package is already built, as its stamp shows."""

    display: str
    stamp: Stamp


def up_to_date(paths: Sequence[str], out_dir: Path, handlers_dir: Path | None = None) -> list[UpToDate] | None:
    """Every spec's package when all of them are built and untouched (and the
    starter handler files exist), else None: then a full build is needed."""
    if not out_dir.is_dir():
        return None
    fresh: list[UpToDate] = []
    for path in paths:
        text, diagnostics = read_source(path, path)
        if text is None or diagnostics:
            return None
        stamp = find_fresh(out_dir, build_key(PurePath(path).name, text))
        if stamp is None:
            return None
        starter_dir = handlers_dir if handlers_dir is not None else out_dir
        if not (starter_dir / stamp.starter).is_file():
            return None
        fresh.append(UpToDate(path, stamp))
    if len({item.stamp.package for item in fresh}) != len(fresh):
        return None  # two specs, one package: the full build reports it
    return fresh


@dataclass
class WriteReport:
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    stale: list[Path] = field(default_factory=list)
    """Check mode: files that are missing or differ from what a build writes."""
    starter_created: Path | None = None
    starter_kept: Path | None = None


def write_package(
    rendered: RenderedPackage,
    out_dir: Path,
    *,
    handlers_dir: Path | None = None,
    check_only: bool = False,
    stamp_key: str | None = None,
) -> WriteReport:
    """Write (or, with ``check_only``, compare) one package under ``out_dir``.

    The starter handler file goes to ``handlers_dir`` (default ``out_dir``)
    when no file of that name exists there. A build stamps the package with
    ``stamp_key`` (without one, any old stamp is removed). Raises ``OSError``
    on I/O failure.
    """
    report = WriteReport()
    for relative, text in rendered.files.items():
        target = out_dir / relative
        data = text.encode("utf-8")
        if _current_bytes(target) == data:
            report.unchanged.append(target)
        elif check_only:
            report.stale.append(target)
        else:
            _write_atomically(target, data)
            report.written.append(target)
    starter_name, starter_text = rendered.starter
    starter = (handlers_dir if handlers_dir is not None else out_dir) / starter_name
    if starter.exists():
        report.starter_kept = starter
    elif not check_only:
        # Exclusive creation: never clobber a file that appeared meanwhile.
        starter.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(starter, "xb") as handle:
                handle.write(starter_text.encode("utf-8"))
        except FileExistsError:
            report.starter_kept = starter
        else:
            report.starter_created = starter
    if not check_only:
        _update_stamp(rendered, out_dir, stamp_key)
    return report


def _update_stamp(rendered: RenderedPackage, out_dir: Path, key: str | None) -> None:
    path = stamp_path(out_dir, rendered.package)
    if key is None:
        path.unlink(missing_ok=True)
        return
    data = stamp_for(key, rendered).dumps()
    if _current_bytes(path) != data:
        _write_atomically(path, data)


def _current_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        return None


def _write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` in one step, so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
