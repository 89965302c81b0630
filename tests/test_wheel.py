"""Packaging: the wheel carries the grammar and templates and works on its own.

Builds the wheel, installs it into a fresh virtual environment (no system
site-packages, dependencies from the package index), compiles an example with
the installed ``streamerc`` from a directory where the source tree is not
importable, and imports and runs the result with the environment's Python.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGED = ["pyproject.toml", "README.md", "streamerc", "runtime", "grammar", "templates"]
EXAMPLE = ROOT / "examples" / "orders"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def run(*argv: str | Path, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}
    result = subprocess.run(
        [str(arg) for arg in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"{argv}:\n{result.stdout}\n{result.stderr}"
    return result


def test_wheel_installs_and_compiles_an_example(tmp_path: Path) -> None:
    # Build from a copy of what the sdist needs, so the source tree gets no
    # build/ or egg-info droppings and nothing else can leak into the wheel.
    source = tmp_path / "source"
    for item in PACKAGED:
        if (ROOT / item).is_dir():
            shutil.copytree(ROOT / item, source / item, ignore=shutil.ignore_patterns("__pycache__", ".*"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy(ROOT / item, source / item)
    dist = tmp_path / "dist"
    run(sys.executable, "-m", "build", "--wheel", "--outdir", dist, source, cwd=tmp_path)
    (wheel,) = dist.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "streamerc/grammar/stm.lark" in names
    for template in ("events.py.jinja", "actors.py.jinja", "topology.py.jinja", "__main__.py.jinja"):
        assert f"streamerc/templates/{template}" in names
    assert "streamer/__init__.py" in names and "streamer/py.typed" in names
    assert not any(name.startswith(("tests/", "examples/", "runtime/")) for name in names)

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=False, clear=True).create(env_dir)
    python = env_dir / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", wheel, cwd=tmp_path)

    work = tmp_path / "work"
    work.mkdir()
    located = run(
        python,
        "-c",
        "import streamerc, streamer; print(streamerc.__file__); print(streamer.__file__)",
        cwd=work,
    )
    for line in located.stdout.split():
        assert line.startswith(str(env_dir)), located.stdout  # the installed copy, not the source tree

    run(
        env_dir / "bin" / "streamerc",
        "build",
        EXAMPLE / "orders.stm",
        "-o",
        work / "out",
        "--handlers-dir",
        work / "starter",  # the example's own handler module is the one to run
        cwd=work,
    )
    assert (work / "out" / "shop_orders" / "topology.py").is_file()
    imported = run(
        python, "-c", "import shop_orders; print(len(shop_orders.TOPOLOGY.actors))", cwd=work / "out"
    )
    assert imported.stdout.strip() == "6"

    # and the example runs on the installed runtime, with its own handler module
    env = {key: value for key, value in os.environ.items() if key != "PYTHONHOME"}
    env["PYTHONPATH"] = os.pathsep.join([str(work / "out"), str(EXAMPLE)])
    result = subprocess.run(
        [str(python), "-m", "shop_orders"], cwd=work, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "summary: 11 orders: 7 shipped on 3 trucks" in result.stdout
