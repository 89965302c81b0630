"""Python names derived from spec names, in one place.

Every identifier the generated code contains is either a spec name (validated
here before it is printed) or derived from one by these functions, so the view
layer and the checker agree on what, e.g., a handler method is called.
"""

from __future__ import annotations

import builtins
import keyword
import re

_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

_RESERVED = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins))
"""Names a generated parameter must not take: keywords and shadowed builtins."""


class UnsafeNameError(ValueError):
    """A name reached code generation that is not a plain Python identifier."""


def checked_identifier(name: str) -> str:
    """Return ``name`` if it may be printed into Python code as an identifier.

    The checker rejects bad names with a diagnostic first; this is the last line
    of defence so spec text can never become code.
    """
    if not name.isidentifier() or not name.isascii() or keyword.iskeyword(name):
        raise UnsafeNameError(f"not a safe Python identifier: {name!r}")
    return name


def snake_case(name: str) -> str:
    """``ValidOrder`` -> ``valid_order``, ``HTTPRequest`` -> ``http_request``."""
    return _WORD_BOUNDARY.sub("_", checked_identifier(name)).lower()


def handler_name(spec_name: str) -> str:
    """The method handling an event, join, collect or watch: ``on_<snake>``."""
    return f"on_{snake_case(spec_name)}"


def enter_hook_name(state: str) -> str:
    return f"on_enter_{snake_case(state)}"


def exit_hook_name(state: str) -> str:
    return f"on_exit_{snake_case(state)}"


def base_class_name(actor: str) -> str:
    return f"{checked_identifier(actor)}Base"


def state_alias_name(actor: str) -> str:
    return f"{checked_identifier(actor)}State"


def call_helper_name(actor: str, method: str) -> str:
    return f"call_{snake_case(actor)}_{snake_case(method)}"


def parameter_names(spec_names: list[str], taken: frozenset[str] = frozenset()) -> list[str]:
    """Distinct parameter names for values of the given events, in order.

    ``[Order, Inventory]`` -> ``[order, inventory]``; a name that is a keyword,
    a builtin, already taken, or repeated gets a numeric suffix.
    """
    result: list[str] = []
    used = set(taken)
    for spec_name in spec_names:
        base = snake_case(spec_name)
        candidate = base
        counter = 2
        while candidate in used or candidate in _RESERVED:
            candidate = f"{base}_{counter}"
            counter += 1
        used.add(candidate)
        result.append(candidate)
    return result
