"""Python text laid out the way black leaves it, so black's first pass over the
generated files changes nothing (and it skips its second pass and its costly
line splitting).

``Text``, ``Brackets`` and ``Chain`` describe a nested expression (calls,
tuples, subscripts, parameter lists, ``and``/``or``/comparison/``|`` chains);
``lay_out`` prints one as lines, following black's rules: a node stays on one
line when it fits at its indentation, with its prefix and suffix; a call or
subscript whose arguments fit on one indented line gets black's "hugged"
form; a tuple or list, or arguments that do not fit, are exploded one per
line with a trailing comma (black's magic trailing comma then keeps them
exploded); a chain is split before its loosest operators. ``string_literal``
quotes strings as black normalises them. black still formats every file, so
a layout black would print differently only costs time, never changes the
output; tests/compiler/test_black_stable.py checks the layouts against black.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Union

from black.strings import str_width

LINE_LENGTH = 88
"""black's line length (``render.BLACK_MODE``)."""

INDENT = "    "


@dataclass(frozen=True)
class Text:
    """Text that is never split (a name, a literal, ``key=value``)."""

    text: str

    @property
    def flat(self) -> str:
        return self.text


@dataclass(frozen=True)
class Brackets:
    """``head`` + comma-separated ``items`` + ``close``: a call (``head`` ends in
    ``(``), a tuple or list display, a subscript or a parameter list."""

    head: str
    """Everything up to and including the opening bracket: ``key=Call(``."""
    items: tuple[Node, ...]
    close: str = ")"
    display: bool = False
    """A tuple or list display: black explodes it rather than hug its items."""
    parameters: bool = False
    """A ``def``'s parameters: black gives a lone parameter a trailing comma."""

    @property
    def one_tuple(self) -> bool:
        return self.display and self.close == ")" and len(self.items) == 1

    @cached_property
    def flat(self) -> str:
        # Cached: lay_out asks every node of a tree for its one-line form.
        inner = ", ".join(item.flat for item in self.items)
        return f"{self.head}{inner}{',' if self.one_tuple else ''}{self.close}"

    def prefixed(self, prefix: str) -> Brackets:
        return Brackets(prefix + self.head, self.items, self.close, self.display, self.parameters)


@dataclass(frozen=True)
class Chain:
    """Operands joined by binary operators black splits a line before:
    ``and``/``or``, comparisons, ``|``. Each part carries the priority of the
    operator it starts with (0 for the first) and its text starts with it."""

    parts: tuple[tuple[int, Node], ...]

    @cached_property
    def flat(self) -> str:
        return " ".join(part.flat for _, part in self.parts)


Node = Union[Text, Brackets, Chain]

# black's priorities of the operators it splits at (black.brackets).
LOGIC_PRIORITY = 14
COMPARATOR_PRIORITY = 10
UNION_PRIORITY = 9


def prefixed(prefix: str, node: Node) -> Node:
    """``node`` with ``prefix`` (``key=``, ``and ``) printed before it."""
    if isinstance(node, Text):
        return Text(prefix + node.text)
    if isinstance(node, Brackets):
        return node.prefixed(prefix)
    (priority, first), *rest = node.parts
    return Chain(((priority, prefixed(prefix, first)), *rest))


def keyword(name: str, value: Node) -> Node:
    """``name=value`` as a call argument."""
    return prefixed(f"{name}=", value)


def fits(line: str) -> bool:
    """Whether black leaves ``line`` (indentation included) unsplit for its length."""
    return len(line) <= LINE_LENGTH if line.isascii() else str_width(line) <= LINE_LENGTH


def lay_out(node: Node, indent: str = "", suffix: str = "") -> list[str]:
    """``node`` as black prints it at ``indent``, followed by ``suffix``."""
    flat = f"{indent}{node.flat}{suffix}"
    if isinstance(node, Text) or fits(flat):
        return [flat]
    if isinstance(node, Chain):
        return _split_chain(node.parts, indent, suffix)
    if not node.items:
        return [flat]
    inner = indent + INDENT
    lines = [indent + node.head]
    if len(node.items) == 1 and not node.parameters:
        # No comma to split at: black hugs the item or splits inside it (a
        # lone parameter, though, gets a trailing comma).
        lines += lay_out(node.items[0], inner, "," if node.one_tuple else "")
    elif not node.display and len(node.items) > 1 and fits(inner + ", ".join(item.flat for item in node.items)):
        lines.append(inner + ", ".join(item.flat for item in node.items))
    else:
        for item in node.items:
            lines += lay_out(item, inner, ",")
    lines.append(indent + node.close + suffix)
    return lines


def _split_chain(parts: tuple[tuple[int, Node], ...], indent: str, suffix: str) -> list[str]:
    """black's delimiter split: a line before each loosest operator, each
    group split further if it still does not fit."""
    if len(parts) == 1:
        return lay_out(parts[0][1], indent, suffix)
    loosest = max(priority for priority, _ in parts[1:])
    groups: list[list[tuple[int, Node]]] = []
    for priority, part in parts:
        if priority == loosest or not groups:
            groups.append([(0, part)])
        else:
            groups[-1].append((priority, part))
    lines: list[str] = []
    for index, group in enumerate(groups):
        last = index == len(groups) - 1
        lines += lay_out(Chain(tuple(group)), indent, suffix if last else "")
    return lines


def annotation(text: str) -> Node:
    """A type annotation (names, ``X[...]``, ``[...]``, ``A | B``) as a node, so
    a long one is split the way black splits it; anything else stays whole
    (black then splits it, at some cost in time only)."""
    try:
        node, rest = _union(text.replace(" ", ""))
    except ValueError:
        return Text(text)
    return Text(text) if rest else node


def _union(text: str) -> tuple[Node, str]:
    parts: list[tuple[int, Node]] = []
    while True:
        node, text = _primary(text)
        parts.append((UNION_PRIORITY, prefixed("| ", node)) if parts else (0, node))
        if not text.startswith("|"):
            return (parts[0][1] if len(parts) == 1 else Chain(tuple(parts))), text
        text = text[1:]


def _primary(text: str) -> tuple[Node, str]:
    end = 0
    while end < len(text) and (text[end].isalnum() or text[end] in "._"):
        end += 1
    name, text = text[:end], text[end:]
    if not text.startswith("["):
        if not name:
            raise ValueError(f"not a type annotation at {text!r}")
        return Text(name), text
    items: list[Node] = []
    text = text[1:]
    while not text.startswith("]"):
        item, text = _union(text)
        items.append(item)
        text = text[1:] if text.startswith(",") else text
        if not text:
            raise ValueError("unclosed bracket in a type annotation")
    return Brackets(f"{name}[", tuple(items), "]", display=not name), text[1:]


def string_literal(value: str | bytes) -> str:
    """A string or bytes literal as black normalises it: double quotes unless
    they would need more escapes than ``repr``'s single quotes."""
    text = repr(value)
    prefix = "b" if isinstance(value, bytes) else ""
    body = text[len(prefix) + 1 : -1]
    if text[len(prefix)] == '"':
        return text  # repr chose double quotes: the value has ' and no "
    # Single-quoted: every ' in the body is escaped and no " is.
    if body.count('"') > body.count("\\'"):
        return text
    return prefix + '"' + body.replace("\\'", "'").replace('"', '\\"') + '"'
