"""CTI bridge to Asterisk: AMI client, typed call events, the pure call tracker,
call control, and a PBX simulator (``cti.sim``). Imports nothing from the rest
of the project."""

from .client import AmiClient, AmiConfig
from .control import (
    ActionResult,
    AttendedTransfer,
    BlindTransfer,
    CallControl,
    CliCommand,
    Hangup,
    Originate,
    QueueAdd,
    QueuePause,
    QueueRemove,
    Redirect,
)
from .errors import ActionFailed, ActionTimeout, CtiError, LoginFailed, NotConnected
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
    "CliCommand",
    "CtiError",
    "Hangup",
    "LoginFailed",
    "NotConnected",
    "Originate",
    "QueueAdd",
    "QueuePause",
    "QueueRemove",
    "Redirect",
]
