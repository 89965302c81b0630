"""Records that cannot become events go, unchanged, to ``<module>.deadletter``.

The dead-letter record keeps the original key, value and headers and adds
headers naming the error and where the record came from, so it can be
inspected and replayed. The consumer carries on with the next record.
"""

from __future__ import annotations

from confluent_kafka import Message

from .codec import HeaderList

HEADER_ERROR = "stm.dlq.error"
HEADER_REASON = "stm.dlq.reason"
HEADER_TOPIC = "stm.dlq.topic"
HEADER_PARTITION = "stm.dlq.partition"
HEADER_OFFSET = "stm.dlq.offset"
HEADER_GROUP = "stm.dlq.group"


def deadletter_headers(message: Message, reason: str, error: str, group: str) -> HeaderList:
    raw = message.headers() or []
    pairs = raw.items() if isinstance(raw, dict) else raw
    original: HeaderList = [(key, value) for key, value in pairs if not key.startswith("stm.dlq.")]
    return original + [
        (HEADER_ERROR, error.encode(errors="replace")),
        (HEADER_REASON, reason.encode()),
        (HEADER_TOPIC, (message.topic() or "").encode()),
        (HEADER_PARTITION, b"%d" % (message.partition() or 0)),
        (HEADER_OFFSET, b"%d" % (message.offset() or 0)),
        (HEADER_GROUP, group.encode()),
    ]
