"""The call tracker: AMI frames in, typed call events out.

Pure: no I/O, no clock. ``feed(frame, at)`` takes one AMI message (a mapping
of header → first value) and the time the bridge read it, and returns the
domain events it causes. Calls are keyed by Linkedid; a call ends (and is
evicted) when its last channel hangs up, so memory stays bounded however many
calls go through. Works with PJSIP single channels and Local ``;1/;2`` pairs,
and never assumes Uniqueids are numbers (``SystemName`` prefixes them).

The state is one ``CallTable`` (cti/table.py); the handlers (cti/handlers/,
one module per concern) and the resync reconciler (cti/resync.py) change it
only through its public operations. Direction comes from what the channels
show (cti/topology.py), never from who sent an Originate.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime

from . import resync
from .calls import OriginateRequest
from .events import CallEnded, CallEvent, CallOffered, Event, OriginateResult
from .handlers import channels, monitoring, originates, queues, transfers
from .table import CallTable
from .topology import Topology

log = logging.getLogger(__name__)

Frame = Mapping[str, str]
Handler = Callable[[CallTable, Frame, datetime, list[Event]], None]

_MEMBER_EVENTS = (
    "QueueMemberStatus",
    "QueueMemberAdded",
    "QueueMemberRemoved",
    "QueueMemberPause",
    "QueueMemberPaused",
    "QueueMemberPenalty",
)


_VARSET = b"Event: VarSet\r\n"
_VARIABLE = b"\r\nVariable: "
_READ_VARIABLES = frozenset(name.encode() for name in channels.READ_VARIABLES)


def unread_frame(raw: bytes) -> bool:
    """A raw AMI message the tracker would not read: a VarSet of a variable it ignores. They are three
    quarters of the traffic, so the reader drops them before parsing (FrameParser's `skip`)."""
    if not raw.startswith(_VARSET):
        return False
    start = raw.find(_VARIABLE)
    if start < 0:
        return True
    start += len(_VARIABLE)
    end = raw.find(b"\r\n", start)
    return raw[start : end if end >= 0 else len(raw)] not in _READ_VARIABLES


def _handlers() -> dict[str, Handler]:
    table: dict[str, Handler] = {
        # channels
        "Newchannel": channels.newchannel,
        "NewCallerid": channels.newcallerid,
        "Newstate": channels.newstate,
        "Newexten": channels.newexten,
        "AGIExecStart": channels.agiexec,
        "VarSet": channels.varset,
        "DialBegin": channels.dialbegin,
        "DialEnd": channels.dialend,
        "HangupRequest": channels.hanguprequest,
        "Hangup": channels.hangup,
        # queues
        "AgentCalled": queues.agentcalled,
        "AgentRingNoAnswer": queues.ringnoanswer,
        "AgentConnect": queues.agentconnect,
        "AgentComplete": queues.agentcomplete,
        "QueueCallerJoin": queues.queuejoin,
        "QueueCallerLeave": queues.queueleave,
        "QueueCallerAbandon": queues.queueabandon,
        # transfers
        "Hold": transfers.hold,
        "Unhold": transfers.unhold,
        "BlindTransfer": transfers.blindtransfer,
        "AttendedTransfer": transfers.attendedtransfer,
        # originates
        "OriginateResponse": originates.originateresponse,
        # listening, recording
        "ChanSpyStart": monitoring.chanspystart,
        "ChanSpyStop": monitoring.chanspystop,
        "MixMonitorStart": monitoring.mixmonitorstart,
        "MixMonitorStop": monitoring.mixmonitorstop,
    }
    for name in _MEMBER_EVENTS:
        table[name] = queues.member
    for name in resync.LIST_EVENTS:
        table[name] = resync.on_list_frame
    return table


class CallTracker:
    def __init__(self, *, ended_memory: int = 10_000, topology: Topology | None = None) -> None:
        self.table = CallTable(topology=topology, ended_memory=ended_memory)
        self._handlers = _handlers()

    # ------------------------------------------------------------------ inputs

    def feed(self, frame: Frame, at: datetime) -> tuple[Event, ...]:
        event = frame.get("Event")
        if event is None:
            if "Response" in frame:
                return originates.response(self.table, frame, at)
            return ()
        handler = self._handlers.get(event)
        if handler is None:
            return ()
        out: list[Event] = []
        handler(self.table, frame, at, out)
        return self._placeable(out) if out else ()

    def _placeable(self, out: list[Event]) -> tuple[Event, ...]:
        """Only events a listener can place: one about a call comes between that call's
        CallOffered and CallEnded. Frames lost or out of order (a late AgentConnect, a
        ChanSpyStop after the Hangup) would otherwise report a call nobody was told of."""
        offered_now = {e.call_id for e in out if isinstance(e, CallOffered)}
        ended_now = {e.call_id for e in out if isinstance(e, CallEnded)}
        told: set[str] = set()
        kept: list[Event] = []
        for e in out:
            if not isinstance(e, CallEvent) or isinstance(e, (CallEnded, OriginateResult)):
                kept.append(e)
            elif isinstance(e, CallOffered):
                told.add(e.call_id)
                kept.append(e)
            elif e.call_id in told:
                kept.append(e)
            elif e.call_id not in offered_now:  # offered before this frame, and not ended since
                call = self.table.calls.get(e.call_id)
                if call.offered if call is not None else e.call_id in ended_now:
                    kept.append(e)
        return tuple(kept)

    def expect_originate(self, request: OriginateRequest, at: datetime) -> None:
        """The bridge is about to send this Originate (fed before it is written)."""
        self.table.expect_originate(request, at)

    def connection_lost(self, at: datetime) -> None:
        """Originates sent before a drop are settled by the next resync."""
        for pending in self.table.originates.values():
            pending.before_drop = True

    def stats(self) -> dict[str, int]:
        t = self.table
        return {
            "calls": len(t.calls),
            "channels": len(t.channel_index),
            "originates": len(t.originates),
            "ended_memory": len(t.recently_ended),
            "rung_phones": len(t.rung_phones),
        }
