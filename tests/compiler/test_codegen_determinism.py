"""Byte-identical output across runs, hash seeds, output paths and working directories."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
SPECS = [
    ROOT / "tests/specs/all_constructs.stm",
    ROOT / "tests/specs/orders.stm",
    ROOT / "tests/specs/blocks.stm",
    *sorted((ROOT / "tests/compiler/golden").glob("*.stm")),
]


def build_in_subprocess(out: Path, cwd: Path, seed: str, relative_specs: bool) -> None:
    specs = [os.path.relpath(spec, cwd) if relative_specs else str(spec) for spec in SPECS]
    env = dict(os.environ, PYTHONHASHSEED=seed)
    result = subprocess.run(
        [sys.executable, "-m", "streamerc", "build", *specs, "-o", str(out)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr


def tree(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_output_is_byte_identical_across_hash_seeds_and_paths(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "elsewhere" / "second"
    (tmp_path / "elsewhere").mkdir()
    build_in_subprocess(first, ROOT, "0", relative_specs=True)
    build_in_subprocess(second, tmp_path / "elsewhere", "4242", relative_specs=False)
    a, b = tree(first), tree(second)
    generated = [name for name in a if not name.endswith("/.streamerc-stamp")]  # stamps are compared too
    assert len(generated) == len(SPECS) * 7  # six package files and a starter per spec
    assert a.keys() == b.keys()
    differing = sorted(name for name in a if a[name] != b[name])
    assert differing == []
    for name, data in a.items():
        text = data.decode("utf-8")
        assert str(tmp_path) not in text and str(ROOT) not in text, name
