"""The base class of user actors (through the generated ``<Actor>Base`` classes)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from .context import Context


class Actor:
    """Subclass (usually via a generated base) and override handler methods.

    The runtime builds the instance with no arguments. Handlers run on the
    actor's worker thread(s), one item at a time; a service call from outside
    code (``System.call``) to an idle actor with one worker runs on the caller's
    thread instead, under the same exclusion. With ``workers`` above one and no
    ordered gate, state machine, join, collect or watch, several workers share
    the instance.
    """

    NAME: ClassVar[str] = ""
    """The spec's actor name; generated bases set it."""

    _streamer_core: Any = None

    @property
    def state(self) -> str | None:
        """The state machine's current state (None without a machine). Read-only:
        move it with ``ctx.goto``."""
        core = self._streamer_core
        return None if core is None else core.state

    def on_start(self, ctx: Context[Any]) -> None:
        """Runs once on the actor's thread when the system starts."""

    def on_stop(self, ctx: Context[Any]) -> None:
        """Runs once on the actor's thread after the system drained, before it stops."""
