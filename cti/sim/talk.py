"""The connected part of a queue call, until someone hangs up or the caller is
moved elsewhere (Redirect, BlindTransfer) or handed to another agent (Atxfer)."""

from __future__ import annotations

import time

from .call import Signal, SimCall
from .channel import SimChannel
from .queueing import CID_PRES, bridge_block, qos, queue_vars
from .state import Member, Pbx, Queue


class Talk:
    def __init__(self, pbx: Pbx, call: SimCall, q: Queue, m: Member, hold: int) -> None:
        self.pbx, self.call, self.q, self.m, self.hold = pbx, call, q, m, hold
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
                self._attended(sig)
                ag = call.agent
                assert ag is not None

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
        call, ag = self.call, self.call.agent
        assert ag is not None
        self.pbx.emit(
            "AgentComplete",
            "agent,all",
            call.caller.block()
            + ag.block("Dest")
            + [
                ("Queue", self.q.name),
                ("Interface", self.m.interface),
                ("MemberName", self.m.name),
                ("HoldTime", str(self.hold)),
                ("TalkTime", str(talk)),
                ("Reason", reason),
            ],
        )

    def _account(self, talk: int) -> None:
        q, m = self.q, self.m
        q.talktime = (q.talktime * q.completed + talk) // (q.completed + 1)
        q.completed += 1
        m.calls_taken += 1
        m.last_call = int(time.time())

    def _agent_gone(self, ag: SimChannel, cause: int = 16) -> None:
        pbx = self.pbx
        phone = pbx.phones[self.m.interface]
        pbx.hangup(ag, cause, "Normal Clearing")
        phone.in_call = phone.busy = False
        pbx.device_state(self.m.interface, "NOT_INUSE")
        pbx.member_status_all(self.m.interface)
        for c in self.q.waiting:
            c.signal("poke")
        for q in pbx.queues.values():  # the phone may serve other queues too
            if self.m.interface in q.members:
                for c in q.waiting:
                    c.signal("poke")

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
        else:
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
        pbx.emit("BridgeLeave", "call,all", bridge_block(self.bridge, 1) + caller.block())
        pbx.emit("BridgeLeave", "call,all", bridge_block(self.bridge, 0) + ag.block())
        pbx.chan_event("HangupRequest", "call,all", ag, ("Cause", "16"))
        self._agent_gone(ag)
        pbx.emit("BridgeDestroy", "call,all", bridge_block(self.bridge, 0))
        caller.bridge_id = ""
        call.agent = None

    def _attended(self, sig: Signal) -> None:
        """Atxfer: the agent consults another phone, which answers; the caller
        is then bridged with the new agent (AttendedTransfer DestType Bridge)."""
        pbx, call = self.pbx, self.call
        caller, old = call.caller, call.agent
        assert old is not None
        target = sig.data["interface"]
        new = pbx.new_channel(target, linkedid=call.call_id, context="agents-out", exten=sig.data.get("exten", "s"))
        new.call, new.role = call, "agent"
        pbx.chan_event("Newchannel", "call,all", new)
        pbx.chan_event("NewCallerid", "call,all", new, CID_PRES)
        pbx.newstate(new, 5)
        pbx.newstate(new, 6)
        pbx.emit(
            "AttendedTransfer",
            "call,all",
            [
                ("Result", "Success"),
                *old.block("OrigTransferer"),
                *bridge_block(self.bridge, 2),
                *old.block("SecondTransferer"),
                *caller.block("Transferee"),
                *new.block("TransferTarget"),
                ("IsExternal", "No"),
                ("DestType", "Bridge"),
                ("DestBridgeUniqueid", self.bridge),
            ],
        )
        self._unbridge_vars(caller, old)
        pbx.emit("BridgeLeave", "call,all", bridge_block(self.bridge, 1) + old.block())
        self._agent_gone(old)
        phone = pbx.phones.get(target)
        if phone is not None:
            phone.busy = phone.in_call = True
        new.bridge_id = self.bridge
        pbx.emit("BridgeEnter", "call,all", bridge_block(self.bridge, 2) + new.block())
        self._bridge_peers(caller, new)
        call.agent = new
        member = next((q.members[target] for q in pbx.queues.values() if target in q.members), None)
        if member is not None:
            self.m = member
