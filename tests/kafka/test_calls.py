"""Service calls between two OS processes over the real broker, with a timeout."""

from __future__ import annotations

from pathlib import Path

from streamer.envelope import new_envelope
from streamer.kafka.codec import Codec
from streamer.kafka.config import load_settings
from streamer.kafka.transport import KafkaTransport

from kafka_apps.services import Answer, Ask, build
from kafka_helpers import AppProcess, TopicReader

_answer = Codec({"Answer": Answer})


def test_request_reply_across_processes_with_a_timeout(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    env = {"KAFKA_TEST_MODULE": unique_name}
    topology = build(unique_name)
    reader = TopicReader(kafka_bootstrap, f"{unique_name}.Answer", lambda v: _answer.decode(v).event)
    feeder = KafkaTransport(topology, "feeder", load_settings(kafka_bootstrap, environ={}))
    feeder.start(frozenset({"Ask"}), frozenset(), lambda envelope, done: None)
    processes = [
        AppProcess("kafka_apps.services", name, kafka_bootstrap, tmp_path, env=env).start()
        for name in ("pricer", "front")
    ]

    def ask(ident: str, text: str, answer: bool) -> None:
        feeder.send(new_envelope("Ask", Ask(id=ident, text=text, answer=answer), "test", 0.0))

    try:
        ask("a1", "price", True)
        ask("a2", "silence", False)
        ask("a3", "size", True)
        answers = reader.wait_until(lambda r: len(r) >= 3, 90, "three answers", processes)
        by_id = {a.id: a for a in answers}
        assert by_id["a1"] == Answer(id="a1", ok=True, text="response for price")
        assert by_id["a3"] == Answer(id="a3", ok=True, text="response for size")
        assert not by_id["a2"].ok
        assert by_id["a2"].text.startswith("ServiceTimeout"), by_id["a2"].text
        # Both processes survived the timeout and keep serving.
        ask("a4", "again", True)
        later = reader.wait_until(lambda r: any(a.id == "a4" for a in r), 60, "an answer after the timeout", processes)
        assert Answer(id="a4", ok=True, text="response for again") in later
        assert all(process.alive() for process in processes)
        for process in processes:
            assert process.terminate() == 0, process.log()
    except AssertionError:
        print("\n".join(f"--- {p.label}\n{p.log()}" for p in processes))
        raise
    finally:
        for process in processes:
            if process.alive():
                process.kill()
        feeder.stop(10)
        reader.close()
