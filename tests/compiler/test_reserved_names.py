"""The checker's list of reserved names stays in step with what the generated
code really imports and defines, and with the runtime's ``Actor``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import streamer
import streamer.topology
from streamerc.build import compile_spec, generate
from streamerc.names import ACTOR_ATTRIBUTES, EVENT_ATTRIBUTES, GENERATED_NAMES

SPECS = sorted((Path(__file__).parents[1] / "specs").glob("*.stm"))


def module_level_names(source: str) -> set[str]:
    """Names a generated module binds at top level that do not come from the spec."""
    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.ImportFrom) and not (node.module or "").startswith(("events", "actors")):
            if node.level == 0:
                names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name) and t.id.isupper())
    return names


@pytest.mark.parametrize("spec_path", SPECS, ids=lambda p: p.name)
def test_generated_imports_are_reserved(spec_path: Path) -> None:
    compiled = compile_spec(spec_path)
    assert compiled.spec is not None and compiled.ok
    rendered = generate(compiled.spec)
    for relative, text in rendered.files.items():
        if not relative.endswith(".py") or relative.endswith("_handlers.py"):
            continue
        unreserved = module_level_names(text) - GENERATED_NAMES
        assert not unreserved, f"{relative} binds {sorted(unreserved)}; add them to names.GENERATED_NAMES"


def test_topology_classes_are_reserved() -> None:
    classes = {name for name, value in vars(streamer.topology).items() if isinstance(value, type)}
    classes -= {"Event", "Any", "Callable"}
    assert classes <= GENERATED_NAMES


def test_runtime_actor_attributes_are_reserved() -> None:
    public = {name for name in vars(streamer.Actor) if not name.startswith("_")}
    assert public <= ACTOR_ATTRIBUTES


def test_runtime_event_attributes_are_reserved() -> None:
    public = {name for name in dir(streamer.Event) if not name.startswith("_")}
    assert public <= EVENT_ATTRIBUTES
