"""Queue member frames (QueueMember* events and QueueStatus ``QueueMember``
list items) → ``AgentStateChanged``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from .calls import known
from .events import AgentStateChanged, DeviceStatus, MemberChange

_CHANGES = {
    "QueueMemberAdded": MemberChange.ADDED,
    "QueueMemberRemoved": MemberChange.REMOVED,
    "QueueMemberStatus": MemberChange.STATUS,
    "QueueMemberPenalty": MemberChange.PENALTY,
    "QueueMember": MemberChange.SNAPSHOT,
}


def _int(value: str | None) -> int:
    try:
        return int(value) if value else 0
    except ValueError:
        return 0


def member_event(f: Mapping[str, str], at: datetime) -> AgentStateChanged | None:
    name = f.get("Event", "")
    paused = f.get("Paused") == "1"
    change: MemberChange | None
    if name in ("QueueMemberPause", "QueueMemberPaused"):
        change = MemberChange.PAUSED if paused else MemberChange.UNPAUSED
    else:
        change = _CHANGES.get(name)
        if change is None:
            return None
    # QueueStatus list items name the fields differently (Name/Location).
    agent = f.get("Interface") or f.get("Location")
    if not agent:
        return None
    try:
        status = DeviceStatus(_int(f.get("Status")))
    except ValueError:
        status = DeviceStatus.UNKNOWN
    return AgentStateChanged(
        at=at,
        agent=agent,
        agent_name=known(f.get("MemberName") or f.get("Name")),
        queue=f.get("Queue", ""),
        change=change,
        status=status,
        paused=paused,
        pause_reason=f.get("PausedReason") or None,
        in_call=f.get("InCall") == "1",
        calls_taken=_int(f.get("CallsTaken")),
        dynamic=f.get("Membership") == "dynamic",
    )
