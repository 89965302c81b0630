"""Streamer runtime: typed events, actors with gates, in-process broker.

The public API is re-exported here from one-concept private modules; generated
packages and user code import only ``streamer``.
"""

from .actor import Actor
from .clock import RealClock, VirtualClock
from .context import Context
from .deadletter import DEAD_LETTER_STREAM, DeadLetter
from .describe import describe
from .envelope import Envelope
from .errors import (
    ActorFailure,
    EventTypeError,
    HandlerMissingError,
    QueueFullError,
    ServiceError,
    ServiceTimeout,
    StreamerError,
    SystemStoppedError,
    TopologyError,
    TransitionError,
    UnknownStreamError,
)
from .event import Event
from .main import run_main
from .services import Reply, ReplyHandle
from .system import StopResult, System
from .testing import TestDriver
from .topology import (
    ActorSpec,
    CallSpec,
    CollectSpec,
    EventSpec,
    Expiry,
    Filter,
    Input,
    JoinSpec,
    MachineSpec,
    OrderedSpec,
    ProcessSpec,
    ServiceSpec,
    StateSpec,
    StreamSpec,
    TopicSpec,
    Topology,
    Transition,
    WatchSpec,
)
from .transport import Transport

__all__ = [
    "Actor",
    "ActorFailure",
    "ActorSpec",
    "CallSpec",
    "CollectSpec",
    "Context",
    "DEAD_LETTER_STREAM",
    "DeadLetter",
    "Envelope",
    "Event",
    "EventSpec",
    "EventTypeError",
    "Expiry",
    "Filter",
    "HandlerMissingError",
    "Input",
    "JoinSpec",
    "MachineSpec",
    "OrderedSpec",
    "ProcessSpec",
    "QueueFullError",
    "RealClock",
    "Reply",
    "ReplyHandle",
    "ServiceError",
    "ServiceSpec",
    "ServiceTimeout",
    "StateSpec",
    "StopResult",
    "StreamSpec",
    "StreamerError",
    "System",
    "SystemStoppedError",
    "TestDriver",
    "TopicSpec",
    "TopologyError",
    "Topology",
    "Transition",
    "TransitionError",
    "Transport",
    "UnknownStreamError",
    "VirtualClock",
    "WatchSpec",
    "describe",
    "run_main",
]
