"""CTI bridge to Asterisk: AMI client, typed call events, the pure call tracker,
call control, and a PBX simulator (``cti.sim``). Imports nothing from the rest
of the project."""

from .client import AmiClient, AmiConfig
from .control import (
    ActionResult,
    AttendedTransfer,
    BlindTransfer,
    CallControl,
    CancelTransfer,
    CliCommand,
    CompleteTransfer,
    Hangup,
    Originate,
    QueueAdd,
    QueuePause,
    QueueRemove,
    QueueStatus,
    QueueSummary,
    Redirect,
    Spy,
    StartRecording,
    StopRecording,
)
from .errors import ActionFailed, ActionTimeout, CtiError, InvalidValue, LoginFailed, NotConnected
from .topology import Topology
from .tracker import CallTracker

__all__ = [
    "ActionFailed",
    "ActionResult",
    "ActionTimeout",
    "AmiClient",
    "AmiConfig",
    "AttendedTransfer",
    "BlindTransfer",
    "CallControl",
    "CallTracker",
    "CancelTransfer",
    "CliCommand",
    "CompleteTransfer",
    "CtiError",
    "Hangup",
    "InvalidValue",
    "LoginFailed",
    "NotConnected",
    "Originate",
    "QueueAdd",
    "QueuePause",
    "QueueRemove",
    "QueueStatus",
    "QueueSummary",
    "Redirect",
    "Spy",
    "StartRecording",
    "StopRecording",
    "Topology",
]
