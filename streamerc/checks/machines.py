"""Per-actor state machines: one initial state, known names, every state
reachable and able to leave (unless final), and accept/defer/reject lists
that make sense together.

States gate names: consumed events and join, collect and watch names (the
runtime's ``MachineGate``). A name no state mentions passes in every state; a
name some state mentions is, in each state, accepted, deferred or rejected as
written there, else as the ``otherwise`` policy says.
"""

from __future__ import annotations

from .. import model as m
from ..diagnostics import did_you_mean
from .declarations import check_identifier, report_duplicates
from .scope import Scope, machine_inputs


def check_machine(scope: Scope, actor: m.ActorDecl, machine: m.MachineDecl) -> None:
    report_duplicates(scope, "state", (s.name for s in machine.states), f" in actor `{actor.name.text}`")
    for state in machine.states:
        check_identifier(scope, state.name, "state")
        _check_misspelled_modifier(scope, state)
    states: dict[str, m.StateDecl] = {}
    for state in machine.states:
        states.setdefault(state.name.text, state)
    initial = _check_initial(scope, actor, machine)
    _check_transitions(scope, actor, machine, states)
    _check_lists(scope, actor, machine)
    known_ends = all(e.text in states for t in machine.transitions for e in (t.source, t.target))
    if initial is not None and known_ends:
        _check_reachable(scope, machine, initial, states)
    _check_way_out(scope, machine, states)


def _check_misspelled_modifier(scope: Scope, state: m.StateDecl) -> None:
    """``inital Idle`` parses as two states, ``inital`` and ``Idle``: say so."""
    name = state.name.text
    if name.islower() and name not in ("initial", "final"):
        hint = did_you_mean(name, ["initial", "final"])
        if hint is not None:
            scope.sink.warning(
                "W301", f"state `{name}` looks like a misspelled keyword", state.name.span, hint
            )


def _check_initial(scope: Scope, actor: m.ActorDecl, machine: m.MachineDecl) -> str | None:
    initials = [s for s in machine.states if s.initial]
    if not initials:
        scope.sink.error(
            "E301",
            f"the state machine of `{actor.name.text}` has no initial state",
            machine.span,
            "mark one state `initial`",
        )
        return None
    for extra in initials[1:]:
        scope.sink.error(
            "E301",
            f"more than one initial state: `{initials[0].name.text}` and `{extra.name.text}`",
            extra.name.span,
            "keep `initial` on one state",
        )
    return initials[0].name.text


def _check_transitions(
    scope: Scope, actor: m.ActorDecl, machine: m.MachineDecl, states: dict[str, m.StateDecl]
) -> None:
    inputs = machine_inputs(actor)
    seen: dict[tuple[str, str | None], m.TransitionDecl] = {}
    for t in machine.transitions:
        for end in (t.source, t.target):
            if end.text not in states:
                scope.sink.error(
                    "E104", f"unknown state `{end.text}`", end.span, did_you_mean(end.text, states)
                )
        source = states.get(t.source.text)
        if source is not None and source.final:
            scope.sink.error(
                "E304",
                f"`{t.source.text}` is final; no transition may leave it",
                t.span,
                f"remove `final` from `{t.source.text}` or this transition",
            )
        if t.on is not None and t.on.text not in inputs:
            _unknown_input(scope, actor, t.on, inputs)
        key = (t.source.text, t.on.text if t.on is not None else None)
        earlier = seen.get(key)
        if t.on is not None and earlier is not None and earlier.target.text != t.target.text:
            scope.sink.error(
                "E306",
                f"`{t.source.text}` has two transitions on `{t.on.text}`",
                t.span,
                f"the first one goes to `{earlier.target.text}` (line {earlier.span.line})",
            )
        seen.setdefault(key, t)


def _unknown_input(scope: Scope, actor: m.ActorDecl, name: m.Name, inputs: dict[str, m.Name]) -> None:
    hint = did_you_mean(name.text, inputs)
    if hint is None:
        hint = (
            "its inputs are " + ", ".join(f"`{n}`" for n in sorted(inputs))
            if inputs
            else f"`{actor.name.text}` has no inputs"
        )
    scope.sink.error("E106", f"`{name.text}` is not an input of `{actor.name.text}`", name.span, hint)


def _check_lists(scope: Scope, actor: m.ActorDecl, machine: m.MachineDecl) -> None:
    inputs = machine_inputs(actor)
    accepted_somewhere = {n.text for s in machine.states for n in s.accepts}
    reported: set[str] = set()
    for state in machine.states:
        placed: dict[str, str] = {}
        for verb, names in (
            ("accepted", state.accepts),
            ("deferred", state.defers),
            ("rejected", state.rejects),
        ):
            for name in names:
                if name.text not in inputs:
                    _unknown_input(scope, actor, name, inputs)
                    continue
                earlier = placed.get(name.text)
                if earlier is not None:
                    scope.sink.error(
                        "E307",
                        f"`{name.text}` is both {earlier} and {verb} in `{state.name.text}`",
                        name.span,
                    )
                placed.setdefault(name.text, verb)
                if verb != "accepted" and name.text not in accepted_somewhere and name.text not in reported:
                    reported.add(name.text)
                    scope.sink.error(
                        "E305",
                        f"`{name.text}` is {verb} in `{state.name.text}` but accepted in no state, "
                        "so it is never handled",
                        name.span,
                        f"accept `{name.text}` in some state",
                    )


def _check_reachable(
    scope: Scope, machine: m.MachineDecl, initial: str, states: dict[str, m.StateDecl]
) -> None:
    reached = {initial}
    frontier = [initial]
    while frontier:
        here = frontier.pop()
        for t in machine.transitions:
            if t.source.text == here and t.target.text in states and t.target.text not in reached:
                reached.add(t.target.text)
                frontier.append(t.target.text)
    for name, state in states.items():
        if name not in reached:
            scope.sink.error(
                "E302",
                f"state `{name}` cannot be reached from `{initial}`",
                state.name.span,
                f"add a transition such as `{initial} -> {name}`",
            )


def _check_way_out(scope: Scope, machine: m.MachineDecl, states: dict[str, m.StateDecl]) -> None:
    leaves = {t.source.text for t in machine.transitions if t.target.text != t.source.text}
    for name, state in states.items():
        if not state.final and name not in leaves:
            scope.sink.error(
                "E303",
                f"state `{name}` has no way out and is not final",
                state.name.span,
                f"mark it `final {name}` or add a transition from it",
            )
