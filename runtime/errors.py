"""Every error the runtime raises or hands to user code, under one base class.

Errors that reach a service caller travel as values (``Reply.error``), so the
service errors carry only text that survives a trip through Kafka.
"""

from __future__ import annotations


class StreamerError(Exception):
    """Base of all runtime errors."""


class UnknownStreamError(StreamerError):
    """A stream (event name) that the topology does not declare, or an empty name."""


class EventTypeError(StreamerError):
    """An event of the wrong type for a stream, or one an actor does not declare it emits."""


class SystemStoppedError(StreamerError):
    """Publishing or calling after ``stop()`` began."""


class QueueFullError(StreamerError):
    """A full queue whose overflow policy is ``error``."""


class TransitionError(StreamerError):
    """``ctx.goto`` to a state with no declared transition from the current one."""


class HandlerMissingError(StreamerError):
    """The user's handler class lacks a method the topology needs, or no class was found."""


class TopologyError(StreamerError):
    """A topology that references undeclared events, actors or states."""


class ServiceError(StreamerError):
    """A service call failed: the callee raised, is unknown, or was stopped."""


class ServiceTimeout(ServiceError):
    """No reply arrived within the service's timeout."""


class ActorFailure(StreamerError):
    """A handler failed under the ``escalate`` policy: the system stops."""
