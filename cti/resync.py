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
from datetime import datetime, timedelta

from .calls import interface_of, known, number_of
from .codes import ChannelState, ControlFrame
from .events import (
    CallAnswered,
    CallQueued,
    Direction,
    Event,
    IvrStarted,
    OriginateOutcome,
    PbxResynced,
    QueueStatsUpdated,
)
from .members import member_event
from .table import CallTable

LIST_EVENTS = (
    "CoreShowChannel",
    "CoreShowChannelsComplete",
    "QueueEntry",
    "QueueMember",
    "QueueSummary",
)


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


def on_list_frame(t: CallTable, f: Mapping[str, str], at: datetime, out: list[Event]) -> None:
    event = f.get("Event")
    if event == "CoreShowChannel":
        t.snapshot.setdefault(f.get("ActionID", ""), []).append(dict(f))
    elif event == "CoreShowChannelsComplete":
        reconcile(t, t.snapshot.pop(f.get("ActionID", ""), []), at, out)
    elif event == "QueueEntry":
        if len(t.queue_entries) >= t.ended_memory:
            # QueueStatus polled for the load, with no resync to use the entries up
            t.queue_entries.clear()
        t.queue_entries[f.get("Uniqueid", "")] = (f.get("Queue", ""), _int(f.get("Position")), _int(f.get("Wait")))
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


def reconcile(t: CallTable, items: list[dict[str, str]], at: datetime, out: list[Event]) -> None:
    live = {item.get("Uniqueid", ""): item for item in items}
    ended = seeded = 0
    for call in list(t.calls.values()):
        pending = call.originate
        if call.awaiting_result:
            if pending is not None and pending.before_drop:
                t.settle_originate(call, pending, OriginateOutcome.UNKNOWN, at, out)
                ended += 1
            continue
        alive = [uid for uid in call.channels if uid in live]
        if not alive:
            if pending is not None and not pending.settled:
                t.settle_originate(call, pending, OriginateOutcome.UNKNOWN, at, out)
            t.end_call(call, at, out, lost=True)
            ended += 1
            continue
        for uid in [u for u in call.channels if u not in live]:
            t.drop_channel(call, uid)
    # Originates that never produced a channel we saw.
    for pending in list(t.originates.values()):
        if pending.settled or not pending.before_drop:
            continue
        cid = pending.request.channel_id
        if cid and cid in live:
            continue  # seeded below as our outbound call
        if cid and t.channel_index.get(cid):
            continue
        t.settle_originate(None, pending, OriginateOutcome.UNKNOWN, at, out)
    by_call: dict[str, list[dict[str, str]]] = {}
    for uid, item in live.items():
        if uid in t.channel_index:
            continue
        by_call.setdefault(item.get("Linkedid") or uid, []).append(item)
    for call_id, chans in by_call.items():
        if call_id in t.calls:  # new legs of a call we track
            for item in chans:
                t.add_channel(t.calls[call_id], item)
            continue
        if call_id in t.recently_ended:
            continue
        if _seed(t, call_id, chans, at, out):
            seeded += 1
    for pending in list(t.originates.values()):
        mine = t.call_of_originate(pending)
        if (
            pending.before_drop
            and not pending.settled
            and mine is not None
            and any(live.get(uid, {}).get("ChannelState") == ChannelState.UP for uid in mine.channels)
        ):
            t.settle_originate(mine, pending, OriginateOutcome.ANSWERED, at, out, reason=ControlFrame.ANSWER)
        pending.before_drop = False
    t.queue_entries.clear()
    out.append(PbxResynced(at=at, active_calls=len(t.calls), seeded_calls=seeded, ended_calls=ended))


_SPY_APPS = ("ChanSpy", "ExtenSpy")
_CALLER_APPS = ("Queue", "AGI")


def _seed(t: CallTable, call_id: str, chans: list[dict[str, str]], at: datetime, out: list[Event]) -> bool:
    """A call that started while we were away; False when it is no customer call (a listener)."""
    chans.sort(key=lambda c: c.get("Uniqueid") != call_id)  # the call's first channel first
    call = t.new_call(call_id, at - timedelta(seconds=_duration(chans[0].get("Duration"))))
    customer = agent = None
    for item in chans:
        t.add_channel(call, item)
        app = item.get("Application", "")
        if app == "Queue" and customer is None:
            customer = item
        elif app in ("AppQueue", "AppDial", "AppDial2") and agent is None and item.get("BridgeId"):
            agent = item
    if any(item.get("Application") in _SPY_APPS for item in chans):
        call.silent = True
        return False
    if customer is not None:
        call.customer = customer["Uniqueid"]
    fallback: Direction | None = None
    if customer is not None or any(item.get("Application") in _CALLER_APPS for item in chans):
        fallback = Direction.INBOUND
    elif call.originate is None:
        first = chans[0].get("Channel", "")
        trunk = next((item for item in chans if t.is_trunk(item.get("Channel", ""))), None)
        if trunk is not None and not t.is_trunk(first):  # a phone talking to the trunk: it dialled out
            t.make_outbound(
                call,
                customer=trunk.get("Uniqueid"),
                number=known(trunk.get("Exten")) or number_of(known(trunk.get("CallerIDNum"))),
                operator=interface_of(first),
                operator_channel=first,
            )
        fallback = Direction.INBOUND
    t.offer(call, at, out, seeded=True, fallback=fallback)
    if call.silent:
        return False
    if any(item.get("Application") == "AGI" for item in chans):
        call.ivr = True
        out.append(IvrStarted(call_id=call_id, at=at, channel=chans[0].get("Channel", ""), script=""))
    entry = t.queue_entries.get(customer["Uniqueid"]) if customer else None
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
        app_data = customer.get("ApplicationData", "") if customer else ""
        talk = _duration(agent.get("Duration"))
        call.queue = app_data.split(",", 1)[0] or None
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
    return True
