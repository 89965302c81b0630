"""The command line: help, exit codes, diagnostics on stderr, graphs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from streamerc.cli import main

SPECS = Path(__file__).parents[1] / "specs"
ORDERS = SPECS / "orders.stm"
BLOCKS = SPECS / "blocks.stm"
ALL = SPECS / "all_constructs.stm"


@pytest.mark.parametrize("command", [[], ["build"], ["check"], ["graph"], ["run"]])
def test_help_everywhere(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: streamerc")


def test_main_help_documents_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "Exit codes" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["frobnicate"],
        ["build", str(ORDERS)],  # -o missing
        ["check"],  # no spec
        ["graph", str(ORDERS), "--format", "png"],
        ["build", str(ORDERS), "-o", "x", "--", "extra"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "usage:" in err and "Traceback" not in err


def test_check_valid_specs_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(ORDERS), str(BLOCKS), str(ALL)]) == 0
    assert "error[" not in capsys.readouterr().err


def test_check_reports_every_error_in_the_documented_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "bad.stm"
    spec.write_text(
        ORDERS.read_text()
        .replace("consumes OrderRequest", "consumes OrderRequets")
        .replace("emits Shipment, ShipTimeout", "emits Shipmant, ShipTimeout")
    )
    assert main(["check", str(spec)]) == 1
    err = capsys.readouterr().err
    located = re.findall(rf"^{re.escape(str(spec))}:\d+:\d+: error\[E\d+\]: .*$", err, re.MULTILINE)
    assert len(located) >= 2
    assert "OrderRequets" in err and "Shipmant" in err
    assert "^" in err and "Traceback" not in err


def test_check_missing_file_is_an_io_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path / "nope.stm")]) == 2
    assert "nope.stm" in capsys.readouterr().err


def test_check_directory_is_an_io_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path)]) == 2
    assert "directory" in capsys.readouterr().err


def test_non_utf8_spec_is_a_spec_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "binary.stm"
    spec.write_bytes(b"module x\n\xff\xfe junk")
    assert main(["check", str(spec)]) == 1
    assert "error[" in capsys.readouterr().err


def test_the_installed_command_runs_as_a_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "streamerc", "check", str(ORDERS)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


# ---- graph ----------------------------------------------------------------------


def graph(spec: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["graph", str(spec), "--format", fmt]) == 0
    return capsys.readouterr().out


def test_dot_graph_has_every_actor_event_and_edge(capsys: pytest.CaptureFixture[str]) -> None:
    text = graph(ORDERS, "dot", capsys)
    for actor in ("Gateway", "Validator", "Shipper", "Auditor"):
        assert f'"actor_{actor}" [label="{actor}' in text
    for event in (
        "OrderRequest",
        "Order",
        "ValidOrder",
        "Rejected",
        "Inventory",
        "Cancel",
        "Shipment",
        "ShipTimeout",
    ):
        assert f'"event_{event}" [label="{event}"' in text
    edges = set(re.findall(r'^\s*"(\w+)" -> "(\w+)"', text, re.MULTILINE))
    assert {
        ("event_OrderRequest", "actor_Gateway"),
        ("actor_Gateway", "event_Order"),
        ("event_Order", "actor_Validator"),
        ("actor_Validator", "event_ValidOrder"),
        ("actor_Validator", "event_Rejected"),
        ("event_ValidOrder", "join_Shipper_Ready"),
        ("event_Inventory", "join_Shipper_Ready"),
        ("join_Shipper_Ready", "actor_Shipper"),
        ("join_Shipper_Ready", "event_ShipTimeout"),
        ("event_Cancel", "actor_Shipper"),
        ("actor_Shipper", "event_Shipment"),
        ("event_Shipment", "actor_Auditor"),
    } <= edges
    assert 'label="only from Gateway; where len(items) > 0 and customer != \\"\\""' in text
    # the topology, then one diagram per state machine (orders has one)
    assert text.count("digraph ") == 2
    assert 'digraph "Shipper states"' in text
    assert '"state_Waiting" -> "state_Shipping" [label="on Ready"]' in text


def test_graph_shows_processes_collects_watches_calls_and_every_machine(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = graph(ALL, "dot", capsys)
    assert text.count("digraph ") == 2  # topology + Matcher's machine
    assert 'label="process core x2 exactly_once"' in text
    assert '"collect_Gatherer_Batch"' in text and '"watch_Monitor_Crossed"' in text
    assert '"actor_Intake" -> "actor_Pricing" [label="calls quote", style=dotted]' in text
    assert '"event_LegacyOrder" -> "event_Order" [label="rename", style=dashed]' in text
    assert '[label="Pricing\\nservice quote(QuoteRequest) -> Quote"' in text
    assert '[label="Monitor\\nordered by seq"' in text


def test_mermaid_graph_has_the_same_content(capsys: pytest.CaptureFixture[str]) -> None:
    text = graph(ORDERS, "mermaid", capsys)
    assert text.count("```mermaid") == 2
    assert "flowchart LR" in text and "stateDiagram-v2" in text
    for actor in ("Gateway", "Validator", "Shipper", "Auditor"):
        assert f"actor_{actor}(" in text
    assert "event_ValidOrder --> join_Shipper_Ready" in text
    assert "[*] --> Waiting" in text and "Waiting --> Shipping : on Ready" in text


def test_graph_to_file(tmp_path: Path) -> None:
    target = tmp_path / "g.dot"
    assert main(["graph", str(BLOCKS), "--format", "dot", "-o", str(target)]) == 0
    text = target.read_text()
    assert 'digraph "chain.blocks"' in text and 'digraph "Assembler states"' in text


def test_graph_of_a_broken_spec_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "bad.stm"
    spec.write_text("module x\nactor A { consumes Nope }\n")
    assert main(["graph", str(spec), "--format", "dot"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "Nope" in captured.err


def test_one_diagram_per_state_machine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "two.stm"
    spec.write_text(
        "module two\n"
        "external event Go { id: str }\n"
        "actor A { consumes Go\n states { initial Off { accept Go }  final On  Off -> On on Go } }\n"
        "actor B { consumes Go\n states { initial Low { accept Go }  High { accept Go }"
        "  Low -> High on Go  High -> Low on Go } }\n"
    )
    dot = graph(spec, "dot", capsys)
    assert dot.count("digraph ") == 3
    assert 'digraph "A states"' in dot and 'digraph "B states"' in dot
    assert '"state_High" -> "state_Low" [label="on Go"]' in dot
    mermaid = graph(spec, "mermaid", capsys)
    assert mermaid.count("stateDiagram-v2") == 2 and mermaid.count("```mermaid") == 3
    assert "On --> [*]" in mermaid  # the final state


def test_a_generation_failure_is_reported_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defence in depth: if the checker ever lets through what the generator
    cannot handle, the user sees one line and nothing is written."""
    import streamerc.build
    from streamerc.viewmodel import ViewError

    def failing(spec: object) -> object:
        raise ViewError("something the checker missed")

    monkeypatch.setattr(streamerc.build, "build_views", failing)
    assert main(["build", str(ORDERS), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "cannot generate code: something the checker missed" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_diagnostics_end_with_a_count(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "counted.stm"
    spec.write_text("module counted\nexternal event A { x: int }\nevent B { y: int }\nactor P { consumes A, Nope  emits B }\n")
    assert main(["check", str(spec)]) == 1
    assert capsys.readouterr().err.rstrip().endswith(f"{spec}: 1 error, 1 warning")
