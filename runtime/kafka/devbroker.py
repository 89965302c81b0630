"""A single-node Apache Kafka (KRaft, combined broker and controller) for development and tests.

``DevBroker`` formats a store in a temporary folder, starts ``kafka.Kafka`` bound
to 127.0.0.1 on free ports, and waits until it answers. It can be stopped and
started again on the same data and ports (to test outages), and ``close()``
removes everything. The command line keeps a state file so ``start`` in one
shell and ``stop`` in another work together::

    python -m streamer.kafka.devbroker start     # prints the bootstrap address
    python -m streamer.kafka.devbroker status
    python -m streamer.kafka.devbroker stop
    python -m streamer.kafka.devbroker fetch     # only download the jars
"""

from __future__ import annotations

import argparse
import base64
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from .distribution import Distribution, ensure_distribution

MESSAGE_MAX_BYTES = 8 * 1024 * 1024
"""Largest record batch the development broker accepts; the bridge's producer
defaults to a limit below it, so oversized events fail at the producer."""

_LOG4J2 = """<Configuration status="WARN">
  <Appenders>
    <Console name="OUT" target="SYSTEM_OUT"><PatternLayout pattern="[%d] %p %m (%c)%n"/></Console>
  </Appenders>
  <Loggers>
    <Root level="WARN"><AppenderRef ref="OUT"/></Root>
    <Logger name="kafka.server.KafkaRaftServer" level="INFO"/>
  </Loggers>
</Configuration>
"""


class DevBrokerError(RuntimeError):
    """The development broker could not be started, reached or stopped."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _cluster_id() -> str:
    """A random Kafka cluster id (base64 of a UUID). Like Kafka's own
    Uuid.randomUuid, never one starting with '-', which the storage tool's
    command line would read as an option."""
    while True:
        ident = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not ident.startswith("-"):
            return ident


_PR_SET_PDEATHSIG = 1


def _die_with_parent_hook() -> Callable[[], None]:
    """A child-side hook that has the kernel SIGTERM the broker when its parent
    dies (Linux). ``prctl`` is looked up here, before the fork, so the child
    runs as little Python as possible."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    sigterm = int(signal.SIGTERM)

    def hook() -> None:
        prctl(_PR_SET_PDEATHSIG, sigterm)

    return hook


@dataclass
class BrokerState:
    """What ``stop``/``status`` need to find a broker started by another command."""

    pid: int
    bootstrap: str
    data_dir: str
    owns_data_dir: bool
    version: str


class DevBroker:
    """One development Kafka node. Use as a context manager in tests."""

    def __init__(
        self,
        data_dir: str | Path | None = None,
        *,
        port: int | None = None,
        version: str | None = None,
        heap: str = "512m",
        detached: bool = False,
        startup_timeout: float = 90.0,
    ) -> None:
        self.owns_data_dir = data_dir is None
        self.data_dir = Path(data_dir) if data_dir else Path(tempfile.mkdtemp(prefix="streamer-kafka-"))
        self.port = port or free_port()
        self.controller_port = free_port()
        while self.controller_port == self.port:
            self.controller_port = free_port()
        self.version = version
        self.heap = heap
        self.detached = detached
        """Detached brokers outlive the starting process (command line);
        attached ones are terminated when it dies (tests)."""
        self.startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._distribution: Distribution | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def log_file(self) -> Path:
        return self.data_dir / "broker.log"

    def start(self) -> str:
        """Start (or restart on the same data and ports) and wait until it answers."""
        if self._process is not None and self._process.poll() is None:
            return self.bootstrap
        self._distribution = ensure_distribution(self.version)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        properties = self._write_config()
        if not (self.data_dir / "logs" / "meta.properties").exists():
            self._format(properties)
        with open(self.log_file, "ab") as log:
            self._process = subprocess.Popen(
                [*self._java(), "kafka.Kafka", str(properties)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=None if self.detached else _die_with_parent_hook(),
            )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self.bootstrap

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the JVM (SIGTERM, then SIGKILL after ``timeout``); keep the data."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)

    def close(self) -> None:
        """Stop and remove the data folder if this broker created it."""
        self.stop()
        if self.owns_data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def state(self) -> BrokerState:
        if self._process is None:
            raise DevBrokerError("broker is not running")
        return BrokerState(
            pid=self._process.pid, bootstrap=self.bootstrap, data_dir=str(self.data_dir),
            owns_data_dir=self.owns_data_dir,
            version=self._distribution.version if self._distribution else "",
        )

    def __enter__(self) -> DevBroker:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def _java(self) -> list[str]:
        java_home = os.environ.get("JAVA_HOME")
        java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
        if not java:
            raise DevBrokerError("java (17 or newer) is not on PATH and JAVA_HOME is not set")
        assert self._distribution is not None
        log4j = self.data_dir / "log4j2.xml"
        log4j.write_text(_LOG4J2)
        return [
            java, f"-Xmx{self.heap}", "-Xms128m", "-XX:+UseG1GC", "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={log4j}", "-cp", self._distribution.classpath,
        ]

    def _write_config(self) -> Path:
        settings = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{self.controller_port}",
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name": "PLAINTEXT",
            "log.dirs": str(self.data_dir / "logs"),
            "num.partitions": "1",
            "auto.create.topics.enable": "false",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "8",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "transaction.state.log.num.partitions": "8",
            "group.initial.rebalance.delay.ms": "0",
            "message.max.bytes": str(MESSAGE_MAX_BYTES),
            "replica.fetch.max.bytes": str(MESSAGE_MAX_BYTES),
            "socket.request.max.bytes": str(4 * MESSAGE_MAX_BYTES),
            "num.network.threads": "2",
            "num.io.threads": "4",
            "log.retention.hours": "24",
            "log.segment.bytes": str(64 * 1024 * 1024),
        }
        # The controller port is re-chosen on each object; a restart keeps the first one.
        path = self.data_dir / "server.properties"
        if path.exists():
            previous = dict(
                line.split("=", 1) for line in path.read_text().splitlines() if "=" in line
            )
            voters = previous.get("controller.quorum.voters", "")
            if voters:
                self.controller_port = int(voters.rsplit(":", 1)[1])
                settings["controller.quorum.voters"] = voters
                settings["listeners"] = (
                    f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}"
                )
        path.write_text("".join(f"{key}={value}\n" for key, value in settings.items()))
        return path

    def _format(self, properties: Path) -> None:
        result = subprocess.run(
            [*self._java(), "kafka.tools.StorageTool", "format", "-t", _cluster_id(), "-c", str(properties)],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
        )
        if result.returncode != 0:
            raise DevBrokerError(f"formatting the KRaft store failed:\n{result.stdout}{result.stderr}")

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while not self._port_open():
            self._check_alive()
            if time.monotonic() > deadline:
                raise DevBrokerError(f"broker did not open {self.bootstrap} in time; see {self.log_file}")
            time.sleep(0.1)  # polling an external JVM: no event to wait on
        admin = AdminClient({"bootstrap.servers": self.bootstrap, "log_level": 0})
        while True:
            self._check_alive()
            try:
                admin.list_topics(timeout=2)
                return
            except KafkaException:
                if time.monotonic() > deadline:
                    raise DevBrokerError(f"broker at {self.bootstrap} does not answer; see {self.log_file}")

    def _port_open(self) -> bool:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.settimeout(0.5)
            return probe.connect_ex(("127.0.0.1", self.port)) == 0

    def _check_alive(self) -> None:
        if self._process is not None and self._process.poll() is not None:
            tail = "\n".join(self.log_file.read_text(errors="replace").splitlines()[-20:])
            raise DevBrokerError(f"broker exited with {self._process.returncode}:\n{tail}")


# --- command line -------------------------------------------------------------------


def default_state_file() -> Path:
    configured = os.environ.get("STREAMER_DEVKAFKA_STATE")
    if configured:
        return Path(configured)
    return Path.home() / ".cache" / "streamer" / "kafka" / "devbroker.json"


def _read_state(path: Path) -> BrokerState | None:
    try:
        return BrokerState(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped) counts as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return True


def stop_pid(pid: int, timeout: float = 30.0) -> None:
    if not _alive(pid):
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            break
        time.sleep(0.1)  # not our child: nothing to wait() on


def _command_start(args: argparse.Namespace) -> int:
    state_file: Path = args.state
    existing = _read_state(state_file)
    if existing and _alive(existing.pid):
        print(existing.bootstrap)
        return 0
    broker = DevBroker(args.data_dir, port=args.port, version=args.version, heap=args.heap, detached=True)
    try:
        broker.start()
    except Exception as error:
        broker.close()
        print(f"kafka-dev: {error}", file=sys.stderr)
        return 1
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state_file.write_text(json.dumps(asdict(broker.state()), indent=2) + "\n")
    print(broker.bootstrap)
    return 0


def _command_stop(args: argparse.Namespace) -> int:
    state = _read_state(args.state)
    if state is None:
        print("kafka-dev: no broker recorded in " + str(args.state), file=sys.stderr)
        return 0
    stop_pid(state.pid)
    if state.owns_data_dir:
        shutil.rmtree(state.data_dir, ignore_errors=True)
    args.state.unlink(missing_ok=True)
    print(f"stopped {state.bootstrap}")
    return 0


def _command_status(args: argparse.Namespace) -> int:
    state = _read_state(args.state)
    if state is None or not _alive(state.pid):
        print("not running")
        return 1
    print(f"running {state.bootstrap} pid {state.pid} kafka {state.version} data {state.data_dir}")
    return 0


def _command_fetch(args: argparse.Namespace) -> int:
    distribution = ensure_distribution(args.version)
    print(f"kafka {distribution.version}: {distribution.libs}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kafka-dev", description="Development Apache Kafka broker")
    parser.add_argument("--state", type=Path, default=default_state_file(), help="state file")
    parser.add_argument("--version", default=None, help="Kafka version (default: newest that resolves)")
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("start", help="start in the background and print the bootstrap address")
    start.add_argument("--data-dir", default=None, help="keep data here (default: a temporary folder)")
    start.add_argument("--port", type=int, default=None, help="broker port (default: a free one)")
    start.add_argument("--heap", default="512m", help="JVM maximum heap")
    commands.add_parser("stop", help="stop the broker and remove its temporary data")
    commands.add_parser("status", help="print the address if running (exit 1 if not)")
    commands.add_parser("fetch", help="download the Kafka jars into the cache")
    args = parser.parse_args(argv)
    handlers = {"start": _command_start, "stop": _command_stop, "status": _command_status, "fetch": _command_fetch}
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
