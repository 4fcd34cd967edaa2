"""The connected part of a queue call, until someone hangs up or the caller is
moved elsewhere (Redirect, BlindTransfer) or handed to another agent (Atxfer)."""

from __future__ import annotations

import asyncio
import time

from .call import Signal, SimCall
from .channel import SimChannel
from .queueing import bridge_block, qos, queue_vars
from .state import Member, Pbx, Queue


class Talk:
    def __init__(self, pbx: Pbx, call: SimCall, q: Queue, m: Member, hold: int) -> None:
        self.pbx, self.call, self.q, self.hold = pbx, call, q, hold
        self.m: Member | None = m  # None once an attended transfer handed the caller to a non-member
        self.iface = m.interface  # the phone that talks to the caller now
        self.bridge = pbx.bridge_id()
        self.started = time.monotonic()

    async def run(self) -> tuple[str, Signal | None]:
        pbx, call = self.pbx, self.call
        caller, ag = call.caller, call.agent
        assert ag is not None
        pbx.emit("BridgeCreate", "call,all", bridge_block(self.bridge, 0))
        for n, ch in enumerate((ag, caller), start=1):
            ch.bridge_id = self.bridge
            pbx.emit("BridgeEnter", "call,all", bridge_block(self.bridge, n) + ch.block())
        self._bridge_peers(caller, ag)
        end = self.started + call.talk_time
        next_rtcp = self.started + pbx.config.rtcp_interval
        while True:
            sig = await call.next_signal(min(end, next_rtcp) - time.monotonic())
            if sig is None:
                if time.monotonic() >= end - 1e-3:
                    return self._caller_hangs_up(), None
                self._rtcp(caller)
                next_rtcp += pbx.config.rtcp_interval
                continue
            if sig.kind == "caller_hangup":
                return self._caller_hangs_up(), None
            if sig.kind == "agent_hangup":
                return self._agent_hangs_up(), None
            if sig.kind in ("redirect", "transfer"):
                self._release_agent(sig)
                return "moved", sig
            if sig.kind == "atxfer":
                result = await self._attended(sig)
                if result == "caller_gone":
                    return self._caller_hangs_up(), None
                if result == "ended":
                    return "completed", None
                if result == "rejoin":
                    return "moved", Signal("transfer", {"context": caller.context, "exten": caller.exten})
                caller = call.caller

    def _bridge_peers(self, caller: SimChannel, ag: SimChannel) -> None:
        caller.pvt_callid = caller.pvt_callid or f"{caller.uniqueid}@sim"
        ag.pvt_callid = ag.pvt_callid or f"1-{ag.uniqueid}@127.0.0.1"
        for _ in range(3):  # Asterisk sets them three times per bridge (s1)
            self.pbx.varset(caller, "BRIDGEPEER", ag.name)
            self.pbx.varset(caller, "BRIDGEPVTCALLID", ag.pvt_callid)
            self.pbx.varset(ag, "BRIDGEPEER", caller.name)
            self.pbx.varset(ag, "BRIDGEPVTCALLID", caller.pvt_callid)

    def _unbridge_vars(self, caller: SimChannel, ag: SimChannel) -> None:
        for ch in (caller, ag):
            self.pbx.varset(ch, "BRIDGEPEER", "")
            self.pbx.varset(ch, "BRIDGEPVTCALLID", "")

    def _rtcp(self, ch: SimChannel) -> None:
        elapsed = time.monotonic() - self.started
        packets = int(elapsed * 50)
        self.pbx.chan_event(
            "RTCPSent",
            "reporting,all",
            ch,
            ("To", "127.0.0.1:6001"),
            ("From", "127.0.0.1:20067"),
            ("MES", "87.2"),
            ("SSRC", "0x644f7d49"),
            ("PT", "200(SR)"),
            ("ReportCount", "0"),
            ("SentNTP", f"{time.time():.6f}"),
            ("SentRTP", str(packets * 160)),
            ("SentPackets", str(packets)),
            ("SentOctets", str(packets * 160)),
        )

    def _complete(self, reason: str, talk: int) -> None:
        call, ag, m = self.call, self.call.agent, self.m
        assert ag is not None
        if m is None:
            return
        self.pbx.emit(
            "AgentComplete",
            "agent,all",
            call.caller.block()
            + ag.block("Dest")
            + [
                ("Queue", self.q.name),
                ("Interface", m.interface),
                ("MemberName", m.name),
                ("HoldTime", str(self.hold)),
                ("TalkTime", str(talk)),
                ("Reason", reason),
            ],
        )

    def _account(self, talk: int) -> None:
        q, m = self.q, self.m
        if m is None:
            return
        q.talktime = (3 * q.talktime + talk) >> 2  # app_queue's update_queue: a running 3:1 average
        q.completed += 1
        m.calls_taken += 1
        m.last_call = int(time.time())

    def _agent_gone(self, ag: SimChannel, cause: int = 16) -> None:
        pbx, iface = self.pbx, self.iface
        phone = pbx.phones[iface]
        pbx.hangup(ag, cause, "Normal Clearing")
        phone.in_call = phone.busy = False
        if self.m is not None:  # only a queue call of the member's own ends in wrap-up
            start_wrap_up(pbx, iface)
        pbx.device_state(iface, "NOT_INUSE")
        pbx.member_status_all(iface)
        poke_queues_of(pbx, iface)

    def _caller_hangs_up(self) -> str:
        pbx, call = self.pbx, self.call
        caller, ag = call.caller, call.agent
        assert ag is not None
        talk = int(time.monotonic() - self.started)
        qos(pbx, caller, ag)
        pbx.chan_event("HangupRequest", "call,all", caller)
        self._unbridge_vars(caller, ag)
        pbx.emit("BridgeLeave", "call,all", bridge_block(self.bridge, 1, "native_rtp") + caller.block())
        self._account(talk)
        self._complete("caller", talk)
        for deferred in call.deferred:
            deferred()
        queue_vars(pbx, caller, self.q)
        pbx.varset(caller, "ANSWEREDTIME", str(talk))
        pbx.varset(caller, "ANSWEREDTIME_MS", str(int((time.monotonic() - self.started) * 1000)))
        total = time.monotonic() - call.joined
        pbx.varset(caller, "DIALEDTIME", str(int(total)))
        pbx.varset(caller, "DIALEDTIME_MS", str(int(total * 1000)))
        queue_vars(pbx, caller, self.q)
        pbx.chan_event("SoftHangupRequest", "call,all", caller, ("Cause", "16"))
        pbx.emit("BridgeLeave", "call,all", bridge_block(self.bridge, 0, "native_rtp") + ag.block())
        pbx.emit("BridgeDestroy", "call,all", bridge_block(self.bridge, 0, "native_rtp"))
        qos(pbx, ag)
        self._agent_gone(ag)
        pbx.hangup(caller, 16, "Normal Clearing")
        pbx.device_state(caller.device, "NOT_INUSE")
        return "completed"

    def _agent_hangs_up(self) -> str:
        pbx, call = self.pbx, self.call
        caller, ag = call.caller, call.agent
        assert ag is not None
        talk = int(time.monotonic() - self.started)
        qos(pbx, ag, caller)
        pbx.chan_event("SoftHangupRequest", "call,all", ag, ("Cause", "16"))
        self._unbridge_vars(caller, ag)
        pbx.emit("BridgeLeave", "call,all", bridge_block(self.bridge, 1, "native_rtp") + ag.block())
        self._account(talk)
        self._complete("agent", talk)
        for deferred in call.deferred:
            deferred()
        pbx.emit("BridgeLeave", "call,all", bridge_block(self.bridge, 0, "native_rtp") + caller.block())
        pbx.emit("BridgeDestroy", "call,all", bridge_block(self.bridge, 0, "native_rtp"))
        self._agent_gone(ag)
        queue_vars(pbx, caller, self.q)
        # The dialplan goes on after Queue(): Hangup() at the next priority.
        pbx.newexten(caller, caller.priority + 1, "Hangup", "")
        qos(pbx, caller)
        pbx.hangup(caller, 16, "Normal Clearing")
        pbx.device_state(caller.device, "NOT_INUSE")
        return "agent_hangup"

    def _release_agent(self, sig: Signal) -> None:
        """Redirect / BlindTransfer: the bridge dissolves and the agent leg hangs up.
        After a Redirect the first AgentComplete only comes when the caller
        finally hangs up (gotcha 9); a BlindTransfer sends it at once."""
        pbx, call = self.pbx, self.call
        caller, ag = call.caller, call.agent
        assert ag is not None
        talk = int(time.monotonic() - self.started)
        if sig.kind == "transfer":
            pbx.chan_event("Unhold", "call,all", ag)  # s12: BlindTransfer takes the agent off hold first
            pbx.emit(
                "BlindTransfer",
                "call,all",
                [("Result", "Success")]
                + ag.block("Transferer")
                + caller.block("Transferee")
                + [(k, v) for k, v in bridge_block(self.bridge, 2)]
                + [
                    ("IsExternal", "Yes"),
                    ("Context", sig.data.get("context", "")),
                    ("Extension", sig.data.get("exten", "")),
                ],
            )
            self._account(talk)
            self._complete("transfer", talk)
        elif self.m is not None:
            self._account(talk)
            q_name, m_iface, m_name, hold = self.q.name, self.m.interface, self.m.name, self.hold
            agent_block = ag.block("Dest")

            def late_complete() -> None:
                pbx.emit(
                    "AgentComplete",
                    "agent,all",
                    call.caller.block()
                    + agent_block
                    + [
                        ("Queue", q_name),
                        ("Interface", m_iface),
                        ("MemberName", m_name),
                        ("HoldTime", str(hold)),
                        ("TalkTime", str(talk)),
                        ("Reason", "caller"),
                    ],
                )

            call.deferred.append(late_complete)
        self._unbridge_vars(caller, ag)
        first, second = (ag, caller) if sig.kind == "transfer" else (caller, ag)  # s12 / 05c
        pbx.emit("BridgeLeave", "call,all", bridge_block(self.bridge, 1) + first.block())
        pbx.emit("BridgeLeave", "call,all", bridge_block(self.bridge, 0) + second.block())
        pbx.chan_event("HangupRequest", "call,all", ag, ("Cause", "16"))
        self._agent_gone(ag)
        pbx.emit("BridgeDestroy", "call,all", bridge_block(self.bridge, 0))
        caller.bridge_id = ""
        call.agent = None

    async def _attended(self, sig: Signal) -> str:
        """Atxfer: a consultation (consult.py) while the caller is held. Returns
        "talking" (the same or a new agent talks to the caller), "caller_gone",
        or "rejoin" (a blond transfer nobody answered: the caller queues again)."""
        from .consult import Consult  # late import: consult builds on this module

        result = await Consult(self, sig).run()
        if result == "transferred":
            self.m = None  # the consultee is no queue member of this call: no second AgentComplete
        return result


def start_wrap_up(pbx: Pbx, interface: str) -> None:
    """queues.conf wrapuptime: after a queue call the member is not offered another one for that long
    (s8; no AMI event marks it). Waiting callers are woken when it ends."""
    now = time.monotonic()
    loop = asyncio.get_running_loop()
    for q in pbx.queues.values():
        m = q.members.get(interface)
        if m is None or q.config.wrapuptime <= 0:
            continue
        m.rest_until = now + q.config.wrapuptime
        loop.call_later(q.config.wrapuptime, q.wake)


def poke_queues_of(pbx: Pbx, interface: str) -> None:
    """A phone got free: every queue it serves may ring it now."""
    for q in pbx.queues.values():
        if interface in q.members:
            q.wake()
