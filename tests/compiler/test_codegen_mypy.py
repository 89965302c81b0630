"""Generated code passes `mypy --strict`, and its types catch handler mistakes.

One mypy run covers the package of tests/specs/all_constructs.stm with its
starter handler file, every golden case with its starter, and both examples
with their real handler modules. A second run shows the typing has teeth:
emitting an undeclared event or mistyping a handler is an error.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import streamer

from streamerc.cli import main

mypy_api = pytest.importorskip("mypy.api")

ROOT = Path(__file__).parents[2]
SPECS = [ROOT / "tests/specs/all_constructs.stm", *sorted((ROOT / "tests/compiler/golden").glob("*.stm"))]
EXAMPLES = {  # package -> spec; the handler module <package>_handlers.py sits next to it
    "shop_orders": ROOT / "examples/orders/orders.stm",
    "chain_blocks": ROOT / "examples/blocks/blocks.stm",
    "plant_sensors": ROOT / "examples/sensors/sensors.stm",
}


def run_mypy(tmp_path: Path, targets: list[Path], search: list[Path]) -> tuple[str, int]:
    # The runtime is found through a symlink on MYPYPATH: mypy cannot follow the
    # import hooks of an editable install. Its own modules are checked by the
    # runtime's tests; here only the generated and handler code is reported.
    stubs = tmp_path / "stubs"
    stubs.mkdir(exist_ok=True)
    link = stubs / "streamer"
    if not link.exists():
        link.symlink_to(Path(streamer.__file__).parent, target_is_directory=True)
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\nmypy_path = " + ":".join(map(str, [stubs, *search])) + "\n")
    stdout, stderr, status = mypy_api.run(
        [
            "--strict",
            "--follow-imports=silent",
            "--config-file",
            str(config),
            "--cache-dir",
            str(tmp_path / ".mypy_cache"),
            *map(str, targets),
        ]
    )
    return stdout + stderr, status


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mypy")
    assert main(["build", *map(str, SPECS), "-o", str(out / "specs")]) == 0
    examples = [str(spec) for spec in EXAMPLES.values()]
    assert main(["build", *examples, "-o", str(out / "examples"), "--handlers-dir", str(out / "unused")]) == 0
    for package, spec in EXAMPLES.items():
        shutil.copy(spec.parent / f"{package}_handlers.py", out / "examples")
    return out


def test_generated_packages_and_handlers_pass_mypy_strict(generated: Path) -> None:
    specs, examples = generated / "specs", generated / "examples"
    targets = sorted(p for p in specs.iterdir() if p.suffix == ".py" or p.is_dir())
    targets += sorted(p for p in examples.iterdir() if p.suffix == ".py" or p.is_dir())
    assert len([t for t in targets if t.is_dir()]) == len(SPECS) + len(EXAMPLES)
    output, status = run_mypy(generated, targets, [specs, examples])
    assert status == 0, output
    assert "Success: no issues found" in output


def test_types_catch_handler_mistakes(generated: Path) -> None:
    bad = generated / "examples" / "bad_handlers.py"
    bad.write_text(
        "from shop_orders import AuditorBase, Context, Order, Shipment, ValidatorBase, ValidOrder\n"
        "from typing import Never\n\n\n"
        "class Auditor(AuditorBase):\n"
        "    def on_shipment(self, ctx: Context[Never], event: Shipment) -> None:\n"
        "        ctx.emit(Order(id='x', customer='c', items=[], total=1.0))\n\n\n"
        "class Validator(ValidatorBase):\n"
        "    def on_order(self, ctx: Context[ValidOrder], event: int) -> None:\n"
        "        ctx.emit(ValidOrder(order_id=1, customer='c', total=1.0))\n"
    )
    output, status = run_mypy(generated, [bad], [generated / "examples"])
    assert status == 1
    assert 'Argument 1 to "emit" of "Context" has incompatible type "Order"' in output
    assert 'Argument 2 of "on_order" is incompatible with supertype' in output
    assert 'Argument "order_id" to "ValidOrder" has incompatible type "int"' in output
