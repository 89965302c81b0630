"""Every example builds and runs to completion, printing what its README says.

Each example is built into a temporary directory with ``streamerc build`` and
run as ``python -m <package>`` in a subprocess (its handler module found on
PYTHONPATH next to the spec), exactly as its README describes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parents[1] / "examples"
RUN_TIMEOUT = 120


def build(spec: Path, out: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "streamerc",
            "build",
            str(spec),
            "-o",
            str(out),
            "--handlers-dir",
            str(out / "starter"),
        ],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr, result.stderr


def run_package(package: str, *paths: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(map(str, paths)))
    return subprocess.run(
        [sys.executable, "-m", package], capture_output=True, text=True, timeout=RUN_TIMEOUT, env=env
    )


def test_every_example_has_a_spec_handlers_and_a_readme() -> None:
    examples = [path for path in EXAMPLES.iterdir() if path.is_dir() and not path.name.startswith(".")]
    assert {path.name for path in examples} >= {"orders", "blocks"}
    for example in examples:
        assert list(example.glob("*.stm")), example
        assert list(example.glob("*_handlers.py")), example
        assert (example / "README.md").is_file(), example


SPECS = sorted(EXAMPLES.glob("*/*.stm"))


@pytest.mark.parametrize("spec", SPECS, ids=[spec.parent.name for spec in SPECS])
def test_every_example_builds_and_binds_its_handlers(spec: Path, tmp_path: Path) -> None:
    """Examples that need more than one process (Kafka) are run by their own
    tests; here each one compiles and its handler module satisfies the bases."""
    build(spec, tmp_path)
    (package_dir,) = [p for p in tmp_path.iterdir() if (p / "topology.py").is_file()]
    package = package_dir.name
    probe = (
        "import importlib, streamer\n"
        f"pkg = importlib.import_module({package!r})\n"
        f"handlers = importlib.import_module({package + '_handlers'!r})\n"
        "handlers.request_stop = lambda: None  # the demos' end-of-run signal\n"
        "driver = streamer.TestDriver(pkg.TOPOLOGY, handlers)\n"
        "print(sorted(a.name for a in pkg.TOPOLOGY.actors))\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(spec.parent)]))
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=RUN_TIMEOUT, env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].startswith("['")


def test_orders_example(tmp_path: Path) -> None:
    build(EXAMPLES / "orders" / "orders.stm", tmp_path)
    result = run_package("shop_orders", tmp_path, EXAMPLES / "orders")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert (
        "summary: 11 orders: 7 shipped on 3 trucks, 2 rejected "
        "[A-03 (no items), A-05 (out of stock)], 1 timed out [A-06], 1 filtered"
    ) in out
    assert "timed out A-06: no Inventory in time" in out
    assert "A-04" not in out  # the spam-bot order never passes the Validator's filter
    # A full truck (3 parcels) leaves twice; each parcel is shipped exactly once.
    assert out.count("departed with 3 parcels") == 2
    shipped = re.findall(r"^shipped\s+(A-\d+) on truck (\d)$", out, re.MULTILINE)
    assert sorted(order for order, _ in shipped) == ["A-01", "A-02", "A-07", "A-08", "A-09", "A-10", "A-11"]
    assert sorted(int(truck) for _, truck in shipped) == [1, 1, 1, 2, 2, 2, 3]
    assert "drained=True" in result.stderr


def test_blocks_example(tmp_path: Path) -> None:
    build(EXAMPLES / "blocks" / "blocks.stm", tmp_path)
    result = run_package("chain_blocks", tmp_path, EXAMPLES / "blocks")
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("block ")]
    assert [int(line.split()[1].rstrip(":")) for line in lines] == [1, 2, 3, 4, 5]
    assert "timed out" not in result.stdout
    assert "chain complete: 5 blocks up to height 5, in height order" in result.stdout
    # every transaction of the chain was collected into its block
    counts = [int(re.search(r": (\d+) transactions", line).group(1)) for line in lines]  # type: ignore[union-attr]
    assert sum(counts) == 13


def test_quick_start_command_runs_the_orders_example(tmp_path: Path) -> None:
    """`streamerc run` (the README's quick start), with the cache in a temp dir."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "streamerc",
            "run",
            str(EXAMPLES / "orders" / "orders.stm"),
            "--build-dir",
            str(tmp_path / "cache"),
        ],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
    assert result.returncode == 0, result.stderr
    assert "summary: 11 orders: 7 shipped on 3 trucks" in result.stdout
    assert (tmp_path / "cache" / "shop_orders" / "__main__.py").is_file()
    # the user's handler module next to the spec was used, not replaced
    assert not (tmp_path / "cache" / "shop_orders_handlers.py").exists()


def test_run_creates_a_starter_next_to_a_new_spec(tmp_path: Path) -> None:
    spec = tmp_path / "tiny.stm"
    spec.write_text(
        "module tiny\nevent Hello { name: str }\nactor Greeter { emits Hello }\nactor Echo { consumes Hello }\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "streamerc", "run", str(spec), "--", "--help"],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
    assert result.returncode == 0, result.stderr
    assert "usage: python -m tiny" in result.stdout
    assert "class Greeter(GreeterBase):" in (tmp_path / "tiny_handlers.py").read_text()
    assert (tmp_path / ".streamer-build" / "tiny" / "topology.py").is_file()


@pytest.mark.parametrize("example", ["orders", "blocks"])
def test_examples_are_up_to_date_with_their_readme_commands(example: str) -> None:
    readme = (EXAMPLES / example / "README.md").read_text()
    assert f"streamerc run examples/{example}/" in readme
    assert "streamerc build" in readme and "python -m" in readme


def test_orders_handlers_under_the_test_driver(tmp_path: Path) -> None:
    """The way the orders README suggests testing handlers: in memory, one
    thread, virtual time, so even the join's expiry is exact and instant."""
    build(EXAMPLES / "orders" / "orders.stm", tmp_path)
    probe = """
import shop_orders, shop_orders_handlers as handlers
from streamer import TestDriver
stops = []
handlers.request_stop = lambda: stops.append(True)
driver = TestDriver(shop_orders.TOPOLOGY, handlers)   # on_start feeds the demo orders
auditor = driver.actor("Auditor")
assert sorted(auditor.shipped) == ["A-01", "A-02", "A-07", "A-08", "A-09", "A-10", "A-11"], auditor.shipped
assert auditor.rejected == {"A-03": "no items", "A-05": "out of stock"}
assert auditor.timed_out == {} and stops == []
driver.advance(1.9)
assert auditor.timed_out == {}
driver.advance(0.2)   # A-06 waited 2s for its Inventory
assert auditor.timed_out == {"A-06": ["Inventory"]} and stops == [True]
assert driver.state("Shipper") == "Loading"
assert sorted(auditor.shipped.values()) == [1, 1, 1, 2, 2, 2, 3]
print("ok")
"""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(EXAMPLES / "orders")]))
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=RUN_TIMEOUT, env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "ok"
