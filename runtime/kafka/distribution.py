"""Apache Kafka server jars for the development broker, fetched once from Maven Central.

The jars are resolved by Maven (``dependency:copy-dependencies`` on a generated
pom) into ``~/.cache/streamer/kafka/<version>/libs``; a marker file written last
makes a cached version complete, so a second start downloads nothing and an
interrupted download is simply redone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

KAFKA_VERSIONS: tuple[str, ...] = ("4.4.0", "4.3.1", "4.2.0", "4.1.1", "4.0.2")
"""Candidates, newest first: the first one Maven resolves is used."""

LOG4J_VERSION = "2.24.3"
_COMPLETE = ".complete"

_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>streamer</groupId>
  <artifactId>kafka-devbroker</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>{kafka}</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-storage</artifactId><version>{kafka}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>{log4j}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>{log4j}</version></dependency>
  </dependencies>
</project>
"""


class DistributionError(RuntimeError):
    """The Kafka jars could not be found in the cache nor fetched."""


@dataclass(frozen=True)
class Distribution:
    version: str
    libs: Path

    @property
    def classpath(self) -> str:
        return str(self.libs / "*")


def cache_root() -> Path:
    configured = os.environ.get("STREAMER_DEVKAFKA_CACHE")
    if configured:
        return Path(configured)
    return Path.home() / ".cache" / "streamer" / "kafka"


def cached(version: str, root: Path | None = None) -> Distribution | None:
    libs = (root or cache_root()) / version / "libs"
    if (libs / _COMPLETE).exists():
        return Distribution(version, libs)
    return None


def ensure_distribution(version: str | None = None, root: Path | None = None) -> Distribution:
    """The jars of ``version`` (or of the newest candidate that resolves), fetching when missing."""
    root = root or cache_root()
    version = version or os.environ.get("STREAMER_DEVKAFKA_VERSION") or None
    candidates = (version,) if version else KAFKA_VERSIONS
    for candidate in candidates:
        found = cached(candidate, root)
        if found is not None:
            return found
    failures: list[str] = []
    for candidate in candidates:
        try:
            return _fetch(candidate, root)
        except DistributionError as error:
            failures.append(f"{candidate}: {error}")
    raise DistributionError("could not fetch Apache Kafka from Maven Central:\n" + "\n".join(failures))


def _fetch(version: str, root: Path) -> Distribution:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise DistributionError("Maven ('mvn') is not on PATH; install it to fetch the Kafka jars")
    target = root / version
    target.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="libs-", dir=target))
    try:
        pom = staging / "pom.xml"
        pom.write_text(_POM.format(kafka=version, log4j=LOG4J_VERSION))
        jars = staging / "jars"
        result = subprocess.run(
            [mvn, "-B", "-q", "-f", str(pom), "dependency:copy-dependencies",
             f"-DoutputDirectory={jars}", "-DincludeScope=runtime"],
            capture_output=True, text=True, timeout=900,
        )
        if result.returncode != 0 or not any(jars.glob("kafka_2.13-*.jar")):
            tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-8:])
            raise DistributionError(f"mvn exited with {result.returncode}: {tail}")
        (jars / _COMPLETE).write_text(version + "\n")
        libs = target / "libs"
        if libs.exists():
            shutil.rmtree(libs)
        jars.rename(libs)
        return Distribution(version, libs)
    except subprocess.TimeoutExpired as error:
        raise DistributionError(f"mvn did not finish in {error.timeout:.0f}s") from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
