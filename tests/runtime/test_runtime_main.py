"""`python -m <package>` (run_main) reports a wrong handler module without a traceback."""

from __future__ import annotations

import pytest

import streamer
from runtime_support import Item, ev, topo


def test_missing_handler_methods_are_a_clear_error(capfd: pytest.CaptureFixture[str]) -> None:
    topology = topo(streamer.ActorSpec("Sink", inputs=(streamer.Input("Go", "on_go"),)), events=(ev("Go", Item, external=True),))

    class Sink(streamer.Actor):
        NAME = "Sink"

    status = streamer.run_main(topology, {"Sink": Sink}, [])
    assert status == 2
    err = capfd.readouterr().err
    assert "lacks handler method(s): on_go" in err
    assert "Traceback" not in err


def test_a_bad_handler_module_name_is_a_usage_error(capfd: pytest.CaptureFixture[str]) -> None:
    topology = topo(streamer.ActorSpec("Sink", inputs=(streamer.Input("Go", "on_go"),)), events=(ev("Go", Item, external=True),))
    with pytest.raises(SystemExit) as exit_:
        streamer.run_main(topology, "no_such_handlers_module_here", [])
    assert exit_.value.code == 2
    assert "cannot import the handler module" in capfd.readouterr().err
