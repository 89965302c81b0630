"""The ``deploy`` section: every actor in exactly one process, sane topics."""

from __future__ import annotations

import re

from .. import model as m
from .declarations import check_size, report_duplicates
from .scope import Scope

_TOPIC_NAME = re.compile(r"[A-Za-z0-9._-]{1,249}")
"""What Kafka accepts as a topic name."""


def check_deploy(scope: Scope, deploy: m.DeployDecl) -> None:
    report_duplicates(scope, "process", (p.name for p in deploy.processes))
    placed: dict[str, tuple[m.ProcessDecl, m.Name]] = {}
    for process in deploy.processes:
        check_size(scope, process.replicas, "replicas", process.name.span)
        for placement in process.placements:
            actor = placement.actor
            if scope.require_actor(actor) is None:
                continue
            earlier = placed.get(actor.text)
            if earlier is not None:
                where = earlier[0].name.text
                scope.sink.error(
                    "E402",
                    f"actor `{actor.text}` is placed twice",
                    actor.span,
                    f"it is already in process `{where}` (line {earlier[1].span.line})",
                )
                continue
            placed[actor.text] = (process, actor)
    for decl in scope.spec.actors:
        if decl.name.text not in placed and scope.actors.get(decl.name.text) is decl:
            scope.sink.error(
                "E401",
                f"actor `{decl.name.text}` is not placed in any process",
                decl.name.span,
                "add it to a `process` in `deploy`",
            )
    report_duplicates(scope, "topic for event", (t.event for t in deploy.topics))
    for topic in deploy.topics:
        scope.require_event(topic.event)
        if topic.topic is not None and not _TOPIC_NAME.fullmatch(topic.topic):
            scope.sink.error(
                "E404",
                f"`{topic.topic}` is not a valid Kafka topic name",
                topic.span,
                "use 1 to 249 of the characters a-z A-Z 0-9 . _ -",
            )
        if topic.partitions is not None:
            check_size(scope, topic.partitions, "partitions", topic.span)
