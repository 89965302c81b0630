"""The imports of one generated file.

Views register every name their text could use; ``render`` keeps only the
names the rendered body actually contains, so each header imports exactly what
its file uses. Lines print in PEP 8 groups, names in isort's order, so the
output passes isort and ruff unchanged.
"""

from __future__ import annotations

from collections.abc import Collection

from .layout import INDENT, fits


class ImportClash(ValueError):
    """One name would be imported from two modules (a spec name shadows a generated one)."""


_STDLIB_MODULES = frozenset({"collections.abc", "importlib", "sys", "typing"})


class Imports:
    """Names a generated file may import, and where from.

    Views register every name their text could use; ``render`` keeps only the
    names the rendered body actually contains (``restricted_to``), so the header
    imports exactly what is used. Lines print sorted in PEP 8 groups.
    """

    def __init__(self) -> None:
        self._sources: dict[str, str] = {}
        """Imported name -> module it comes from."""
        self._modules: set[str] = set()

    def name(self, module: str, name: str) -> str:
        """Register ``from module import name`` and return the name to print."""
        known = self._sources.setdefault(name, module)
        if known != module:
            raise ImportClash(f"{name!r} would be imported from both {known!r} and {module!r}")
        return name

    def module(self, module: str) -> str:
        """Register ``import module`` and return the module to print."""
        self._modules.add(module)
        return module

    def restricted_to(self, used: Collection[str]) -> Imports:
        """The imports among these whose names occur in ``used``
        (``from __future__`` imports are always kept)."""
        kept = Imports()
        for name, module in self._sources.items():
            if name in used or module == "__future__":
                kept._sources[name] = module
        kept._modules = {module for module in self._modules if module.split(".")[0] in used}
        return kept

    @property
    def blocks(self) -> list[list[str]]:
        """Import lines in groups: __future__, stdlib, runtime, this package."""
        by_module: dict[str, list[str]] = {}
        for name, module in self._sources.items():
            by_module.setdefault(module, []).append(name)
        groups: dict[int, list[tuple[str, str]]] = {}
        for module in self._modules:
            groups.setdefault(_group(module), []).append((module, f"import {module}"))
        for module, names in by_module.items():
            line = _from_import(module, sorted(names, key=_isort_key))
            groups.setdefault(_group(module), []).append((module, line))
        return [[line for _, line in sorted(groups[key])] for key in sorted(groups)]


def _from_import(module: str, names: list[str]) -> str:
    """``from module import names``, one name a line in parentheses when too
    long for one line, as black lays it out."""
    line = f"from {module} import {', '.join(names)}"
    if fits(line):
        return line
    return "\n".join([f"from {module} import (", *(f"{INDENT}{name}," for name in names), ")"])


def _isort_key(name: str) -> tuple[int, str, str]:
    """isort's default order of imported names: CONSTANTS, Classes, functions,
    each case-insensitively, so the output passes isort/ruff unchanged."""
    rank = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return rank, name.lower(), name


def _group(module: str) -> int:
    if module == "__future__":
        return 0
    if module in _STDLIB_MODULES:
        return 1
    if module == "streamer" or module.startswith("streamer."):
        return 2
    return 3
