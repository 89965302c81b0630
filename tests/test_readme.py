"""The README's example spec, handlers and handler test work as printed.

The README shows three files (``shop.stm``, ``shop_handlers.py``,
``test_shop.py``); this test writes them out as they stand in README.md,
builds the spec with ``streamerc`` and runs the handler test with pytest.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"```(?:stm|python)\n(.*?)```", re.DOTALL)


def readme_files() -> dict[str, str]:
    """Code blocks of README.md named by their first line (``# name`` in Python,
    the spec is the one ``stm`` block that declares ``module shop``)."""
    files: dict[str, str] = {}
    for block in FENCE.findall((ROOT / "README.md").read_text(encoding="utf-8")):
        first = block.splitlines()[0]
        if first.startswith("module shop"):
            files["shop.stm"] = block
        elif first.startswith("# ") and first.endswith(".py"):
            files[first[2:]] = block
    return files


def test_readme_example_builds_and_its_handler_test_passes(tmp_path: Path) -> None:
    files = readme_files()
    assert set(files) == {"shop.stm", "shop_handlers.py", "test_shop.py"}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")

    build = subprocess.run(
        [sys.executable, "-m", "streamerc", "build", "shop.stm", "-o", "."],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert build.returncode == 0, build.stderr
    # The README's handler file exists, so the build must leave it alone.
    assert (tmp_path / "shop_handlers.py").read_text(encoding="utf-8") == files["shop_handlers.py"]

    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_shop.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 passed" in run.stdout
