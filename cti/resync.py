"""Reconciling the tracker with the PBX after a (re)connect.

The bridge sends ``QueueStatus`` then ``CoreShowChannels``. Asterisk writes a
list in one piece, so at ``CoreShowChannelsComplete`` the snapshot is exactly
consistent with the position in the stream: tracked calls that have no channel
left ended while we were away (CallEnded, ``lost_in_disconnect``), channels we
do not know belong to calls that started while we were away (seeded
CallOffered / CallQueued / CallAnswered). Originates sent before the drop are
settled here: answered if their channel is up, UNKNOWN if it is gone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .calls import interface_of, known
from .events import (
    CallAnswered,
    CallQueued,
    Event,
    IvrStarted,
    OriginateOutcome,
    PbxResynced,
    QueueStatsUpdated,
)
from .members import member_event

if TYPE_CHECKING:
    from .tracker import CallTracker

LIST_EVENTS = (
    "CoreShowChannel",
    "CoreShowChannelsComplete",
    "QueueEntry",
    "QueueMember",
    "QueueSummary",
)


@dataclass(slots=True)
class ResyncState:
    channels: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    entries: dict[str, tuple[str, int, int]] = field(default_factory=dict)


def _int(value: str | None) -> int:
    try:
        return int(value) if value else 0
    except ValueError:
        return 0


def _duration(value: str | None) -> int:
    """CoreShowChannel Duration ``HH:MM:SS`` → seconds."""
    total = 0
    for part in (value or "").split(":"):
        total = total * 60 + _int(part)
    return total


def on_list_frame(tracker: CallTracker, f: Mapping[str, str], at: datetime, out: list[Event]) -> None:
    event = f.get("Event")
    state = tracker.resync
    if event == "CoreShowChannel":
        state.channels.setdefault(f.get("ActionID", ""), []).append(dict(f))
    elif event == "CoreShowChannelsComplete":
        reconcile(tracker, state.channels.pop(f.get("ActionID", ""), []), at, out)
    elif event == "QueueEntry":
        state.entries[f.get("Uniqueid", "")] = (f.get("Queue", ""), _int(f.get("Position")), _int(f.get("Wait")))
    elif event == "QueueMember":
        member = member_event(f, at)
        if member is not None:
            out.append(member)
    elif event == "QueueSummary":
        out.append(
            QueueStatsUpdated(
                at=at,
                queue=f.get("Queue", ""),
                logged_in=_int(f.get("LoggedIn")),
                available=_int(f.get("Available")),
                callers=_int(f.get("Callers")),
                hold_seconds=_int(f.get("HoldTime")),
                talk_seconds=_int(f.get("TalkTime")),
                longest_hold_seconds=_int(f.get("LongestHoldTime")),
            )
        )


def reconcile(tracker: CallTracker, items: list[dict[str, str]], at: datetime, out: list[Event]) -> None:
    live = {item.get("Uniqueid", ""): item for item in items}
    ended = seeded = 0
    for call in list(tracker.calls.values()):
        pending = call.originate
        if call.awaiting_result:
            if pending is not None and pending.before_drop:
                tracker._settle(call, pending, OriginateOutcome.UNKNOWN, at, out)
                ended += 1
            continue
        alive = [uid for uid in call.channels if uid in live]
        if not alive:
            if pending is not None and not pending.settled:
                tracker._settle(call, pending, OriginateOutcome.UNKNOWN, at, out)
            tracker._finish(call, at, out, lost=True)
            ended += 1
            continue
        for uid in [u for u in call.channels if u not in live]:
            del call.channels[uid]
            tracker.channel_index.pop(uid, None)
    # Originates that never produced a channel we saw.
    for pending in list(tracker.originates.values()):
        if pending.settled or not pending.before_drop:
            continue
        cid = pending.request.channel_id
        if cid and cid in live:
            continue  # seeded below as our outbound call
        if cid and tracker.channel_index.get(cid):
            continue
        tracker._settle(None, pending, OriginateOutcome.UNKNOWN, at, out)
    by_call: dict[str, list[dict[str, str]]] = {}
    for uid, item in live.items():
        if uid in tracker.channel_index:
            continue
        by_call.setdefault(item.get("Linkedid") or uid, []).append(item)
    for call_id, chans in by_call.items():
        if call_id in tracker.calls:  # new legs of a call we track
            call = tracker.calls[call_id]
            for item in chans:
                tracker._add_channel(call, item)
            continue
        if call_id in tracker.recently_ended:
            continue
        _seed(tracker, call_id, chans, at, out)
        seeded += 1
    for pending in list(tracker.originates.values()):
        call = tracker._call_of_originate(pending)
        if (
            pending.before_drop
            and not pending.settled
            and call is not None
            and any(live.get(uid, {}).get("ChannelState") == "6" for uid in call.channels)
        ):
            tracker._settle(call, pending, OriginateOutcome.ANSWERED, at, out, reason=4)
        pending.before_drop = False
    tracker.resync.entries.clear()
    out.append(PbxResynced(at=at, active_calls=len(tracker.calls), seeded_calls=seeded, ended_calls=ended))


def _seed(tracker: CallTracker, call_id: str, chans: list[dict[str, str]], at: datetime, out: list[Event]) -> None:
    chans.sort(key=lambda c: c.get("Uniqueid") != call_id)  # the call's first channel first
    call = tracker._new_call(call_id, at - timedelta(seconds=_duration(chans[0].get("Duration"))))
    customer = agent = None
    for item in chans:
        tracker._add_channel(call, item)
        app = item.get("Application", "")
        if app == "Queue" and customer is None:
            customer = item
        elif app in ("AppQueue", "AppDial", "AppDial2") and agent is None and item.get("BridgeId"):
            agent = item
    if customer is not None:
        call.customer = customer["Uniqueid"]
    tracker._offer(call, at, out, seeded=True)
    if any(item.get("Application") == "AGI" for item in chans):
        call.ivr = True
        out.append(IvrStarted(call_id=call_id, at=at, channel=chans[0].get("Channel", ""), script=""))
    entry = tracker.resync.entries.get(customer["Uniqueid"]) if customer else None
    if entry is not None:
        queue, position, wait = entry
        call.queue, call.in_queue, call.position = queue, True, position
        call.joined_at = at - timedelta(seconds=wait)
        out.append(
            CallQueued(
                call_id=call_id,
                at=at,
                queue=queue,
                position=position,
                caller_number=known(customer.get("CallerIDNum")) if customer else None,
                seeded=True,
            )
        )
    elif agent is not None and (customer is None or customer.get("BridgeId") == agent.get("BridgeId")):
        queue = customer.get("ApplicationData", "").split(",", 1)[0] if customer else None
        talk = _duration(agent.get("Duration"))
        call.queue = queue or None
        call.answered = True
        call.answered_at = at - timedelta(seconds=talk)
        call.agent = interface_of(agent.get("Channel", ""))
        call.agent_channel = agent.get("Channel")
        out.append(
            CallAnswered(
                call_id=call_id,
                at=at,
                queue=call.queue,
                agent=call.agent,
                agent_name=None,
                agent_channel=call.agent_channel,
                wait_seconds=0.0,
                seeded=True,
            )
        )
