"""The state-machine gate: per-actor states decide which names may pass.

A name (event, join, collect or watch) listed in some state is gated: in a state
that accepts it, it passes; one that defers it holds it (released, in arrival
order, when the state changes); one that rejects it dead-letters it; in other
states the machine's ``otherwise`` decides. Names listed in no state bypass the
machine. Held items are bounded; what overflows is dead-lettered.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Literal

from .errors import TopologyError, TransitionError
from .topology import MachineSpec

Decision = Literal["accept", "defer", "reject"]


class MachineGate:
    def __init__(self, spec: MachineSpec, actor: str) -> None:
        self.spec = spec
        self.actor = actor
        names = {state.name for state in spec.states}
        if spec.initial not in names:
            raise TopologyError(f"actor {actor}: initial state {spec.initial!r} is not declared")
        for transition in spec.transitions:
            for end in (transition.source, transition.target):
                if end not in names:
                    raise TopologyError(f"actor {actor}: transition uses undeclared state {end!r}")
        self.state = spec.initial
        self.gated: frozenset[str] = frozenset(
            name for state in spec.states for name in (*state.accepts, *state.defers, *state.rejects)
        )
        self._decisions: dict[str, dict[str, Decision]] = {}
        for state in spec.states:
            table: dict[str, Decision] = {name: spec.otherwise for name in self.gated}
            table.update({name: "reject" for name in state.rejects})
            table.update({name: "defer" for name in state.defers})
            table.update({name: "accept" for name in state.accepts})
            self._decisions[state.name] = table
        self._targets: dict[str, frozenset[str]] = {}
        self._on: dict[tuple[str, str], str] = {}
        for transition in spec.transitions:
            self._targets[transition.source] = self._targets.get(transition.source, frozenset()) | {
                transition.target
            }
            if transition.on is not None:
                self._on[(transition.source, transition.on)] = transition.target
        self.enter_hooks: dict[str, str | None] = {state.name: state.on_enter for state in spec.states}
        self.exit_hooks: dict[str, str | None] = {state.name: state.on_exit for state in spec.states}
        self._held: deque[tuple[str, Any]] = deque()
        self.changed = False
        self.table: dict[str, Decision] = self._decisions[self.state]
        """Decisions of the current state, name -> decision (hot path)."""

    def decide(self, name: str) -> Decision:
        return self.table[name]

    def check_goto(self, target: str) -> None:
        if target not in self._decisions:
            raise TransitionError(f"actor {self.actor}: no state named {target!r}")
        if target not in self._targets.get(self.state, frozenset()):
            allowed = ", ".join(sorted(self._targets.get(self.state, ()))) or "none"
            raise TransitionError(
                f"actor {self.actor}: no transition {self.state} -> {target} declared "
                f"(allowed from {self.state}: {allowed})"
            )

    def automatic_target(self, source: str, name: str) -> str | None:
        """The state a completed handler for ``name`` moves to, if started in ``source``."""
        return self._on.get((source, name))

    def set_state(self, target: str) -> None:
        if target != self.state:
            self.state = target
            self.table = self._decisions[target]
            self.changed = True

    def reset(self) -> None:
        self.set_state(self.spec.initial)

    # ---- held items ------------------------------------------------------

    def full(self) -> bool:
        return len(self._held) >= self.spec.held_limit

    def hold(self, name: str, item: Any) -> None:
        self._held.append((name, item))

    def __len__(self) -> int:
        return len(self._held)

    def next_decided(self) -> tuple[Decision, Any] | None:
        """The first held item the current state accepts or rejects, removed from
        the held queue; None when every held item is still deferred."""
        if not self.changed:
            return None
        table = self._decisions[self.state]
        for index, (name, item) in enumerate(self._held):
            decision = table[name]
            if decision != "defer":
                del self._held[index]
                return decision, item
        self.changed = False
        return None

    def drain(self) -> list[Any]:
        items = [item for _, item in self._held]
        self._held.clear()
        return items
