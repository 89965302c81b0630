"""``check(spec) -> list[Diagnostic]``: every semantic problem, sorted by position.

The passes live in ``streamerc.checks``, one concern each; they share a
``Scope`` (name indexes) and a ``DiagnosticSink``. A spec is good to generate
when no diagnostic is an error (warnings are fine).
"""

from __future__ import annotations

from .checks.actors import check_actor
from .checks.declarations import check_declarations
from .checks.deploy import check_deploy
from .checks.flow import check_flow
from .checks.machines import check_machine
from .checks.scope import Scope
from .diagnostics import Diagnostic, DiagnosticSink, sort_diagnostics
from .model import Spec


def check(spec: Spec) -> list[Diagnostic]:
    sink = DiagnosticSink()
    scope = Scope.build(spec, sink)
    check_declarations(scope)
    for actor in spec.actors:
        check_actor(scope, actor)
        if actor.machine is not None:
            check_machine(scope, actor, actor.machine)
    check_flow(scope)
    if spec.deploy is not None:
        check_deploy(scope, spec.deploy)
    return _unique(sort_diagnostics(sink.items))


def _unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Drop exact repeats (the same name looked up by two passes)."""
    seen: set[Diagnostic] = set()
    result = []
    for d in diagnostics:
        if d not in seen:
            seen.add(d)
            result.append(d)
    return result
