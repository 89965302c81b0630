"""Every ``stm`` example in the language reference and the design notes parses.

Examples that are fragments (clauses shown outside an actor, no module line)
are wrapped the way a reader would complete them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from streamerc.parse import parse

DOCS = Path(__file__).parents[2] / "docs"
BLOCK = re.compile(r"```stm\n(.*?)```", re.DOTALL)
CLAUSE_START = re.compile(
    r"^(consumes|emits|workers|mailbox|on error|filter|join|collect|watch|ordered|service|calls|states)\b"
)


def examples() -> list[tuple[str, str]]:
    found = []
    for doc in ("language.md", "design.md"):
        text = (DOCS / doc).read_text(encoding="utf-8")
        for i, block in enumerate(BLOCK.findall(text)):
            found.append((f"{doc}#{i}", block))
    return found


def complete(block: str) -> str:
    body = block.strip()
    if CLAUSE_START.match(body):
        body = f"actor Example {{\n{body}\n}}"
    if not re.search(r"^module\b", body, re.MULTILINE):
        body = "module example\n" + body
    return body


@pytest.mark.parametrize(("where", "block"), examples(), ids=[w for w, _ in examples()])
def test_doc_example_parses(where: str, block: str) -> None:
    parse(complete(block), where)


def test_the_reference_has_examples() -> None:
    assert len([w for w, _ in examples() if w.startswith("language.md")]) >= 12
