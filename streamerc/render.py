"""Views -> formatted Python text, one entry per generated file.

Each file's body is rendered first; its header second, importing only the
names the body's code contains, so imports are exactly what is used. black
formats the result with a fixed mode, so the output does not depend on any
configuration found on the machine. The templates (with ``layout``) already
print black's output, so black's pass changes nothing and stays cheap; the
output is black's either way. With a ``FormatCache``, black's result for a
text it has formatted before is reused instead of formatting it again.
"""

from __future__ import annotations

import gc
import importlib.metadata
import re
from dataclasses import dataclass
from functools import lru_cache

import black
import jinja2
from black.mode import TargetVersion
from black.parsing import InvalidInput

from .cache import FormatCache, digest
from .resources import templates_dir
from .imports import Imports
from .viewmodel import PackageView

BLACK_MODE = black.Mode(
    target_versions={TargetVersion.PY311},
    line_length=88,
    string_normalization=True,
    magic_trailing_comma=True,
)

STARTER_HEADER = (
    "# Handlers for {package}: created once by streamerc from {spec}."
    " Yours to edit: streamerc never overwrites this file."
)


class RenderError(RuntimeError):
    """A template produced text that is not valid Python (a compiler bug)."""


@dataclass(frozen=True)
class RenderedPackage:
    files: dict[str, str]
    """Relative path (POSIX) -> text of every generated file of the package."""
    starter: tuple[str, str]
    """(relative path, text) of the starter handler file, written only when missing."""

    @property
    def package(self) -> str:
        """The package's import name (every generated file lives under it)."""
        first = next(iter(self.files))
        return first.split("/", 1)[0]


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(view: PackageView, cache: FormatCache | None = None) -> RenderedPackage:
    """Render every file of the package described by ``view``; black's results
    come from ``cache`` when it has them (the output is the same either way)."""
    sources = render_sources(view)
    files = {
        path: _format(text, path, cache) if path.endswith(".py") else text
        for path, text in sources.files.items()
    }
    starter_path, starter_text = sources.starter
    return RenderedPackage(files=files, starter=(starter_path, _format(starter_text, starter_path, cache)))


def render_sources(view: PackageView) -> RenderedPackage:
    """Every file as the templates render it, before black. The templates aim
    to print black's output exactly, so black's first pass changes nothing and
    it skips its second (tests/compiler/test_black_stable.py holds them to it)."""
    pkg = view.package
    files = {
        f"{pkg}/__init__.py": _render_file(
            "__init__.py.jinja", view.init, view.init.header, view.init.imports, view.init.doc, reexport=True
        ),
        f"{pkg}/events.py": _render_file("events.py.jinja", view.events, view.events.header, view.events.imports),
        f"{pkg}/actors.py": _render_file("actors.py.jinja", view.actors, view.actors.header, view.actors.imports),
        f"{pkg}/topology.py": _render_file(
            "topology.py.jinja", view.topology, view.topology.header, view.topology.imports
        ),
        f"{pkg}/__main__.py": _render_file("__main__.py.jinja", view.main, view.main.header, view.main.imports),
        f"{pkg}/py.typed": "",
    }
    starter_header = STARTER_HEADER.format(package=pkg, spec=view.spec_name)
    starter = _render_file("handlers.py.jinja", view.handlers, starter_header, view.handlers.imports)
    return RenderedPackage(files=dict(sorted(files.items())), starter=(f"{view.handlers_module}.py", starter))


def _render_file(
    template: str,
    file: object,
    header: str,
    imports: Imports,
    doc: str = "",
    reexport: bool = False,
) -> str:
    """Body first, then the header with the imports the body uses (all of
    them for a re-exporting ``__init__``)."""
    env = _environment()
    body = env.get_template(template).render(file=file)
    if not reexport:
        imports = imports.restricted_to(_identifiers(body))
    head = env.get_template("header.py.jinja").render(header=header, doc=doc, imports=imports)
    return head + body


def _format(source: str, path: str, cache: FormatCache | None) -> str:
    key = format_key(source)
    if cache is not None:
        cached = cache.get(key)
        if cached is not None:
            return cached
    try:
        formatted = _black(source)
    except InvalidInput as error:
        raise RenderError(f"{path} rendered invalid Python: {error}") from error
    if cache is not None:
        cache.put(key, formatted)
    return formatted


def _black(source: str) -> str:
    """``black.format_str`` with the cyclic garbage collector paused.

    black builds a syntax tree full of reference cycles (parent links); the
    collections its allocations trigger re-walk that growing tree again and
    again, about a third of its time on a large file. One young-generation
    collection afterwards frees the tree (everything it allocated is still
    young), so memory stays as it was, for less of the time.
    """
    if not gc.isenabled():
        return black.format_str(source, mode=BLACK_MODE)
    gc.disable()
    try:
        return black.format_str(source, mode=BLACK_MODE)
    finally:
        gc.enable()
        gc.collect(0)


def format_key(source: str) -> str:
    """What black's output depends on: its version, the mode and the text."""
    return digest(formatter_id().encode("utf-8") + b"\0" + source.encode("utf-8"))


@lru_cache(maxsize=1)
def formatter_id() -> str:
    """black's version and the mode, as one string."""
    return f"black {importlib.metadata.version('black')} {BLACK_MODE.get_cache_key()}"


def _identifiers(body: str) -> set[str]:
    """Every name in the body's code (not inside strings or comments).

    A regular expression rather than ``tokenize``, which costs as much as the
    rest of rendering: generated code has only plain, byte, and triple-quoted
    string literals, and comments."""
    return set(_NAME.findall(_STRING_OR_COMMENT.sub(" ", body)))


_STRING_OR_COMMENT = re.compile(
    r'''[bB]?(?:"""(?:[^"\\]|\\.|"(?!""))*"""|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|#[^\n]*''',
    re.DOTALL,
)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
