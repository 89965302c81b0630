"""Golden files: the generated package of each small spec in golden/, byte for byte.

Each ``golden/<case>.stm`` exercises one construct; ``golden/<case>/`` holds
every file ``streamerc build`` writes for it (the package and the starter
handler file). On a mismatch the test shows a unified diff; run
``pytest tests/compiler --update-golden`` to accept the new output.
"""

from __future__ import annotations

import ast
import difflib
import shutil
from pathlib import Path

import pytest

from streamerc.build import compile_spec, generate

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(GOLDEN.glob("*.stm"))


def generated_tree(spec_path: Path) -> dict[str, str]:
    compiled = compile_spec(spec_path)
    assert compiled.ok, [d.message for d in compiled.diagnostics]
    assert compiled.spec is not None
    rendered = generate(compiled.spec)
    starter_path, starter_text = rendered.starter
    return {**rendered.files, starter_path: starter_text}


def stored_tree(directory: Path) -> dict[str, str]:
    return {
        path.relative_to(directory).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(directory.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_every_construct_has_a_golden_case() -> None:
    names = {case.stem for case in CASES}
    assert names >= {
        "events",
        "filters",
        "joins",
        "collect",
        "watch",
        "ordered",
        "machine",
        "rename_buffer",
        "service",
        "deploy",
    }


@pytest.mark.parametrize("spec_path", CASES, ids=[case.stem for case in CASES])
def test_generated_code_matches_golden(spec_path: Path, update_golden: bool) -> None:
    actual = generated_tree(spec_path)
    expected_dir = GOLDEN / spec_path.stem
    if update_golden:
        shutil.rmtree(expected_dir, ignore_errors=True)
        for relative, text in actual.items():
            target = expected_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text.encode("utf-8"))
        return
    if not expected_dir.is_dir():
        pytest.fail(f"no golden output for {spec_path.name}: run pytest --update-golden")
    expected = stored_tree(expected_dir)
    problems = []
    for missing in sorted(expected.keys() - actual.keys()):
        problems.append(f"no longer generated: {missing}")
    for extra in sorted(actual.keys() - expected.keys()):
        problems.append(f"generated but not in golden: {extra}")
    for relative in sorted(expected.keys() & actual.keys()):
        if expected[relative] != actual[relative]:
            diff = difflib.unified_diff(
                expected[relative].splitlines(keepends=True),
                actual[relative].splitlines(keepends=True),
                fromfile=f"golden/{spec_path.stem}/{relative}",
                tofile=f"generated/{relative}",
            )
            problems.append("".join(diff))
    if problems:
        pytest.fail(
            "generated code differs from the golden files "
            "(run `pytest tests/compiler --update-golden` to accept):\n" + "\n".join(problems),
            pytrace=False,
        )


ALLOWED_IMPORTS = {"__future__", "typing", "collections.abc", "sys", "streamer", "streamer.topology"}


@pytest.mark.parametrize("spec_path", CASES, ids=[case.stem for case in CASES])
def test_generated_code_imports_only_the_runtime_and_stdlib(spec_path: Path) -> None:
    for relative, text in generated_tree(spec_path).items():
        if not relative.endswith(".py"):
            continue
        package = relative.split("/")[0].removesuffix("_handlers.py")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import):
                modules = {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                if node.level > 0:
                    continue  # the package's own modules
                modules = {node.module or ""}
            else:
                continue
            # the starter handler file imports the generated package itself
            assert modules <= ALLOWED_IMPORTS | {package}, (relative, modules)
