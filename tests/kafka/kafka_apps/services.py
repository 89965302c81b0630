"""Request/reply across processes: ``front`` calls ``Pricer.quote`` in ``pricer``.

Each Ask becomes a call; its outcome (the quote, or the error such as a
timeout) is emitted as an Answer. A request with ``answer=False`` is never
answered, so the call must end in a timeout while both processes keep running.
Environment: ``KAFKA_TEST_MODULE`` (topic prefix).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from streamer.actor import Actor
from streamer.event import Event
from streamer import run_main
from streamer.services import Reply
from streamer.topology import ActorSpec, CallSpec, EventSpec, Input, ProcessSpec, ServiceSpec, Topology

TIMEOUT = 1.5


class Ask(Event, frozen=True, kw_only=True):
    id: str
    text: str
    answer: bool


class QuoteRequest(Event, frozen=True, kw_only=True):
    text: str
    answer: bool


class Quote(Event, frozen=True, kw_only=True):
    text: str


class Answer(Event, frozen=True, kw_only=True):
    id: str
    ok: bool
    text: str


def build(module: str) -> Topology:
    return Topology(
        module=module,
        events=(
            EventSpec("Ask", Ask, key="id", external=True),
            EventSpec("QuoteRequest", QuoteRequest),
            EventSpec("Quote", Quote),
            EventSpec("Answer", Answer, key="id"),
        ),
        actors=(
            ActorSpec("Front", inputs=(Input("Ask", "on_ask"),), emits=("Answer",), calls=(CallSpec("Pricer", "quote"),)),
            ActorSpec("Pricer", services=(ServiceSpec("quote", "QuoteRequest", "Quote", TIMEOUT, "quote"),)),
            ActorSpec("Sink", inputs=(Input("Answer", "on_answer"),)),
        ),
        processes=(
            ProcessSpec("front", ("Front",)),
            ProcessSpec("pricer", ("Pricer",)),
            ProcessSpec("sink", ("Sink",)),
        ),
    )


class Front(Actor):
    NAME = "Front"

    def on_ask(self, ctx: Any, ask: Ask) -> None:
        def answered(ctx: Any, reply: Reply[Quote]) -> None:
            if reply.ok and reply.value is not None:
                ctx.emit(Answer(id=ask.id, ok=True, text=reply.value.text))
            else:
                ctx.emit(Answer(id=ask.id, ok=False, text=f"{type(reply.error).__name__}: {reply.error}"))

        ctx.call("Pricer", "quote", QuoteRequest(text=ask.text, answer=ask.answer), answered)


class Pricer(Actor):
    NAME = "Pricer"

    def quote(self, ctx: Any, request: QuoteRequest) -> Quote | None:
        if request.answer:
            return Quote(text=f"response for {request.text}")
        ctx.defer_reply()  # and never answer: the caller must time out
        return None


class Sink(Actor):
    NAME = "Sink"

    def on_answer(self, ctx: Any, answer: Answer) -> None:
        pass


TOPOLOGY = build(os.environ.get("KAFKA_TEST_MODULE", "kafka_apps.services"))

if __name__ == "__main__":
    sys.exit(run_main(TOPOLOGY, {"Front": Front, "Pricer": Pricer, "Sink": Sink}, sys.argv[1:]))
