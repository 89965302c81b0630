"""The multi-process example (examples/sensors) run for real, as its README says.

The example is built into a temporary folder under a module name of its own
(topics and consumer groups are derived from the module, so the test's are
fresh), then run twice with the same handler code: split into its deploy
section's processes (ingest, analytics x2, alerts) as real OS processes on the
broker (at least once, and with the analytics replicas in Kafka transactions),
and all in one process without Kafka. Both must print exactly the same
alerts, reports and summary; every process must stop cleanly on SIGTERM.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

import pytest
from confluent_kafka import ConsumerGroupState, KafkaException
from confluent_kafka.admin import AdminClient

from kafka_helpers import end_offsets, read_topic

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sensors"
PACKAGE = "plant_sensors"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0

# The demo shift (plant_sensors_handlers.py): 8 sensors x 50 readings; 7 glitches
# (boiler-1 x2, press-2, kiln-1, dryer-1 x3) are filtered out. Heat episodes push
# boiler-2 (ticks 10-16), kiln-1 (20-24, with a glitch at 22, and 35-40) and dryer-2
# (44-49) above 85 °C for three readings in a row; press-1 is hot for two only.
EXPECTED_ALERTS = [
    "ALERT boiler-2 overheat at reading 12: 92.0 °C",
    "ALERT boiler-2 recovered at reading 17: 60.5 °C",
    "ALERT dryer-2 overheat at reading 46: 105.8 °C",
    "ALERT kiln-1 overheat at reading 23: 94.1 °C",
    "ALERT kiln-1 overheat at reading 37: 99.5 °C",
    "ALERT kiln-1 recovered at reading 25: 65.9 °C",
    "ALERT kiln-1 recovered at reading 41: 68.9 °C",
]
EXPECTED_REPORTS = [  # in the order the shift announced its sensors
    "report boiler-1: 48 readings, 0 alerts, peak 60.9 °C",
    "report boiler-2: 50 readings, 2 alerts, peak 92.8 °C",
    "report press-1: 50 readings, 0 alerts, peak 93.7 °C",
    "report press-2: 49 readings, 0 alerts, peak 67.0 °C",
    "report kiln-1: 49 readings, 4 alerts, peak 101.8 °C",
    "report kiln-2: 50 readings, 0 alerts, peak 70.7 °C",
    "report dryer-1: 47 readings, 0 alerts, peak 72.8 °C",
    "report dryer-2: 50 readings, 1 alert, peak 106.0 °C",
]
EXPECTED_SUMMARY = (
    "8 sensors, 400 readings, 393 analysed, 7 filtered, 4 overheat alerts, 3 recoveries, " "hottest dryer-2 at 106.0 °C"
)
SUMMARY = re.compile(r"^summary of shift \d+: (.*)$", re.MULTILINE)
SHIFT_OVER = re.compile(r"^([a-z]+-\d): shift over, (\d+) readings analysed$", re.MULTILINE)


class Stream:
    """Lines of one output stream of a process, read as they come, so a test can
    wait (bounded) for a line instead of sleeping."""

    def __init__(self, source: IO[str]) -> None:
        self._lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, args=(source,), daemon=True)
        self._reader.start()

    def _read(self, source: IO[str]) -> None:
        for line in source:
            with self._changed:
                self._lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()  # end of output: the process exited

    @property
    def text(self) -> str:
        with self._changed:
            return "\n".join(self._lines)

    def wait_for(self, predicate: Callable[[str], bool], timeout: float) -> str | None:
        """The text once ``predicate(text)`` holds; None if the stream ended or time ran out first."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(text := "\n".join(self._lines)):
                remaining = deadline - time.monotonic()
                if not self._reader.is_alive() or remaining <= 0:
                    return None
                self._changed.wait(min(remaining, 1.0))
            return text

    def close(self, timeout: float = 10.0) -> None:
        self._reader.join(timeout)


class Program:
    """One OS process of the example. What the handlers print (stdout) is kept
    apart from the runtime's log (stderr), so log lines never split a result."""

    def __init__(self, label: str, args: Sequence[str], pythonpath: Sequence[Path]) -> None:
        self.label = label
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, pythonpath)), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None and self.process.stderr is not None
        self.stdout = Stream(self.process.stdout)
        self.stderr = Stream(self.process.stderr)

    @property
    def output(self) -> str:
        return self.stdout.text

    @property
    def log(self) -> str:
        return self.stderr.text

    def describe(self) -> str:
        return f"--- {self.label} (status {self.process.poll()})\n{self.output}\n{self.log[-4000:]}"

    def wait_for(self, predicate: Callable[[str], bool], what: str, timeout: float = START_TIMEOUT) -> str:
        """Wait until ``predicate(stdout)`` holds; fail if the process exits first."""
        output = self.stdout.wait_for(predicate, timeout)
        if output is None:
            raise AssertionError(f"{self.label}: no {what} within {timeout}s\n{self.describe()}")
        return output

    def terminate(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM and wait for the exit status (SIGKILL and fail if it hangs)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            status = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
            raise AssertionError(f"{self.label} ignored SIGTERM for {timeout}s\n{self.describe()}") from None
        self.stdout.close()
        self.stderr.close()
        return status

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def build_example(tmp_path: Path, module: str) -> tuple[str, list[Path]]:
    """Build a copy of the example whose ``module`` is ``module``; return its
    package and the PYTHONPATH that runs it (generated code, then handlers)."""
    app, out = tmp_path / "app", tmp_path / "build"
    app.mkdir()
    package = module.replace(".", "_")
    spec = (EXAMPLE / "sensors.stm").read_text()
    assert "\nmodule plant.sensors\n" in spec
    (app / "sensors.stm").write_text(spec.replace("\nmodule plant.sensors\n", f"\nmodule {module}\n"))
    handlers = (EXAMPLE / f"{PACKAGE}_handlers.py").read_text()
    assert f"from {PACKAGE} import" in handlers
    (app / f"{package}_handlers.py").write_text(handlers.replace(PACKAGE, package))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "streamerc",
            "build",
            str(app / "sensors.stm"),
            "-o",
            str(out),
            "--handlers-dir",
            str(app),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr, result.stderr
    return package, [out, app]


def assert_shift_results(output: str) -> None:
    """Exactly the expected alerts (each once), reports and summary."""
    assert sorted(re.findall(r"^ALERT .*$", output, re.MULTILINE)) == EXPECTED_ALERTS, output
    assert re.findall(r"^report .*$", output, re.MULTILINE) == EXPECTED_REPORTS, output
    assert SUMMARY.findall(output) == [EXPECTED_SUMMARY], output


def wait_for_group(bootstrap: str, group: str, members: int, partitions: int, timeout: float = START_TIMEOUT) -> None:
    """Until ``members`` consumers of ``group`` hold all ``partitions`` between them,
    each some: a replica joining later would take sensors whose state lives
    in the other replica's memory (see the example's README)."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    deadline = time.monotonic() + timeout
    seen = "nothing"
    while time.monotonic() < deadline:
        try:
            description = admin.describe_consumer_groups([group])[group].result(timeout=10)
        except KafkaException as error:  # e.g. no coordinator yet on a fresh broker: ask again
            seen = str(error)
        else:
            held = [len(member.assignment.topic_partitions) for member in description.members]
            seen = f"{description.state}, partitions per member {held}"
            if (
                description.state == ConsumerGroupState.STABLE
                and len(held) == members
                and all(held)
                and sum(held) == partitions
            ):
                return
        time.sleep(0.2)  # pacing of the poll, not a wait for a result
    raise AssertionError(f"consumer group {group} not settled within {timeout}s: {seen}")


# Options per process for the exactly-once run: the analytics replicas consume,
# handle and produce in Kafka transactions; the alerts process reads only
# committed records.
EXACTLY_ONCE = {"analytics": ["--exactly-once"], "alerts": ["--kafka-setting", "isolation.level=read_committed"]}


@pytest.mark.parametrize("exactly_once", [False, True], ids=["at_least_once", "exactly_once"])
def test_example_split_across_processes_on_kafka(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path, exactly_once: bool
) -> None:
    module = f"{unique_name}.sensors"
    package, pythonpath = build_example(tmp_path, module)

    def start(process: str, instance: str = "0") -> Program:
        args = ["-m", package, "--process", process, "--instance", instance, "--bootstrap-servers", kafka_bootstrap]
        if exactly_once:
            args += EXACTLY_ONCE.get(process, [])
        return Program(f"{process}-{instance}", args, pythonpath)

    programs: list[Program] = []
    try:
        programs += [start("alerts"), start("analytics", "0"), start("analytics", "1")]
        alerts, analytics = programs[0], programs[1:]
        wait_for_group(kafka_bootstrap, f"{module}.analytics", members=2, partitions=8)
        programs.append(start("ingest"))

        output = alerts.wait_for(lambda out: bool(SUMMARY.search(out)), "shift summary")
        assert_shift_results(output)
        # Each analytics replica owned some of the sensors; together every one, once. (The 8
        # sensor names hash to 6 of the 8 partitions, so any 4 partitions hold at least two.)
        owned = [dict(SHIFT_OVER.findall(replica.output)) for replica in analytics]
        assert all(owned), [replica.output for replica in analytics]
        assert sorted(sensor for mine in owned for sensor in mine) == sorted(
            line.split()[1].rstrip(":") for line in EXPECTED_REPORTS
        )
        if exactly_once:  # transactions wrote the reports: commit markers follow them in the topic
            reports = f"{module}.SensorReport"
            assert len(read_topic(kafka_bootstrap, reports, 8, read_committed=True, idle=1.0)) == 8
            assert sum(end_offsets(kafka_bootstrap, reports).values()) > 8
        statuses = {program.label: program.terminate() for program in programs}
        assert statuses == {label: 0 for label in statuses}, "\n".join(p.describe() for p in programs)
        for program in programs:
            assert "stopped: StopResult(drained=True" in program.log, program.describe()
    finally:
        for program in programs:
            program.kill()


def test_example_all_in_one_process_gives_the_same_results(tmp_path: Path) -> None:
    package, pythonpath = build_example(tmp_path, "plant.sensors")
    program = Program("all-in-one", ["-m", package], pythonpath)
    try:
        output = program.wait_for(lambda out: bool(SUMMARY.search(out)), "shift summary")
        assert_shift_results(output)
        assert len(SHIFT_OVER.findall(output)) == len(EXPECTED_REPORTS)
        assert program.terminate() == 0, program.describe()
        assert "stopped: StopResult(drained=True" in program.log, program.describe()
        assert "running in one process" in program.log  # no broker involved
    finally:
        program.kill()


def test_readme_shows_the_results_the_example_prints() -> None:
    readme = (EXAMPLE / "README.md").read_text()
    assert f": {EXPECTED_SUMMARY}" in readme
    for line in EXPECTED_ALERTS:
        assert line in readme
    for command in (
        "--process ingest",
        "--process analytics",
        "--process alerts",
        "scripts/kafka-dev start",
        "--kafka-setting security.protocol=",
    ):
        assert command in readme, command
