"""AMI Atxfer as Asterisk 22 plays it (s7, s7b): the agent's feature code and the
target's digits arrive as DTMF, the caller is held, a ``Local/EXT@agents`` pair
rings the target phone in a consultation bridge.

How it ends (README "Outbound, transfers…" and API.md):
- the transferer's channel hangs up (AMI Hangup) → BridgeMerge, AttendedTransfer
  (DestType Bridge), AgentComplete Reason transfer, then LocalOptimization moves
  the consultee's phone into the caller's bridge;
- the consultee's channel hangs up (AMI Hangup) → the agent has the caller back (Unhold);
- nobody answers within ``atxfer_noanswer_timeout`` → Unhold and the consult
  legs' hang-ups, no AttendedTransfer (s7b);
- an unknown, unregistered or busy target fails at once: the agent has the caller back.
If the transferer hangs up while the target still rings (a "blond" transfer) and
nobody answers, the caller queues again where it came from (Asterisk would call the
transferer back; the simulator never leaves the caller stranded either way).
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from .call import Signal
from .channel import SimChannel
from .queueing import CID_PRES, bridge_block
from .state import Pbx

if TYPE_CHECKING:
    from .talk import Talk

FEATURE_CODE = "*2"  # features.conf [featuremap] atxfer => *2 (s7)
DTMF_DIGITS = set("0123456789*#")


def consult_target(pbx: Pbx, digits: str) -> str | None:
    """The phone an internal number rings ([agents] in extensions.conf), or None."""
    mapped = dict(pbx.config.extensions).get(digits)
    if mapped:
        return mapped
    iface = f"PJSIP/{digits}"
    return iface if digits and iface in pbx.phones else None


class Consult:
    def __init__(self, talk: Talk, sig: Signal) -> None:
        self.talk, self.pbx, self.call = talk, talk.pbx, talk.call
        # DTMF carries digits only: letters of an extension are lost on the way (s7 note)
        self.digits = "".join(c for c in sig.data.get("exten", "") if c in DTMF_DIGITS)
        self.context = sig.data.get("context") or "agents"
        agent = self.call.agent
        assert agent is not None
        self.agent = agent
        self.consult_bridge = ""
        self.target_bridge = ""
        self.local1: SimChannel | None = None
        self.local2: SimChannel | None = None
        self.target: SimChannel | None = None
        self.interface = ""
        self.rang = False
        self.answered = False

    @property
    def local_device(self) -> str:
        return f"Local/{self.digits}@{self.context}"

    # ------------------------------------------------------------------ flow

    async def run(self) -> str:
        pbx, call, agent, caller = self.pbx, self.call, self.agent, self.call.caller
        for digit in FEATURE_CODE:
            self._dtmf(digit)
        pbx.chan_event("Hold", "call,all", agent)
        pbx.chan_event("MusicOnHoldStart", "call,all", caller, ("Class", "default"))
        pbx.device_state(caller.device, "ONHOLD")
        for digit in self.digits:
            self._dtmf(digit)
        interface = consult_target(pbx, self.digits)
        if interface is None:  # no such extension: Asterisk plays beeperr and gives the caller back
            self._unhold()
            return "talking"
        self.interface = interface
        phone = pbx.phones[interface]
        self._dial()
        if not phone.reachable or phone.busy:
            self._end_consult(status="CHANUNAVAIL" if not phone.reachable else "BUSY")
            return "talking"
        self._ring(phone.auto_answer)
        deadline = time.monotonic() + pbx.config.atxfer_noanswer_timeout
        while True:
            sig = await call.next_signal(None if self.answered else deadline - time.monotonic())
            if sig is None:  # atxfernoanswertimeout (s7b)
                self._end_consult(status="CANCEL")
                return "talking"
            target = self.target
            assert target is not None
            if sig.kind == "answered" and sig.data.get("uniqueid") == target.uniqueid and not self.answered:
                self._answer()
            elif sig.kind == "caller_hangup":
                self._end_consult(status="CANCEL" if not self.answered else "")
                return "caller_gone"
            elif sig.kind == "agent_hangup" and sig.data.get("channel", agent.name) == agent.name:
                self._merge()
                if self.answered:
                    self._optimize()
                    return "transferred"
                return await self._blond(deadline)
            elif sig.kind in ("consult_hangup", "agent_hangup"):  # the consultee (or its Local leg) hung up
                self._end_consult(status="CANCEL" if not self.answered else "")
                return "talking"

    async def _blond(self, deadline: float) -> str:
        """The transferer left while the target rang: the caller now waits for the target alone."""
        call = self.call
        while True:
            sig = await call.next_signal(deadline - time.monotonic())
            target = self.target
            assert target is not None
            if sig is None or sig.kind in ("consult_hangup", "agent_hangup"):
                self._drop_ringing_target()
                return "rejoin"
            if sig.kind == "caller_hangup":
                self._drop_ringing_target()
                self._caller_gone()
                return "ended"
            if sig.kind == "answered" and sig.data.get("uniqueid") == target.uniqueid:
                self._answer()
                self._optimize()
                return "transferred"

    # ---------------------------------------------------------------- pieces

    def _dtmf(self, digit: str) -> None:
        self.pbx.chan_event(
            "DTMFEnd", "dtmf,all", self.agent, ("Digit", digit), ("DurationMs", "0"), ("Direction", "Received")
        )

    def _unhold(self) -> None:
        pbx, caller = self.pbx, self.call.caller
        pbx.chan_event("MusicOnHoldStop", "call,all", caller)
        pbx.chan_event("Unhold", "call,all", self.agent)
        pbx.device_state(caller.device, "INUSE")

    def _dial(self) -> None:
        """The Local pair of the consultation and the target's channel, up to DialBegin."""
        pbx, call, agent = self.pbx, self.call, self.agent
        n = pbx.next_channel_number()
        base = f"{self.local_device}-{n}"
        l1 = pbx.new_channel(
            self.local_device, name=base + ";1", linkedid=call.call_id, context=self.context, exten=self.digits
        )
        l2 = pbx.new_channel(
            self.local_device, name=base + ";2", state=4, linkedid=call.call_id, context=self.context, exten=self.digits
        )
        for ch in (l1, l2):
            ch.call, ch.role = call, "consult"
        self.local1, self.local2 = l1, l2
        pbx.chan_event("Newchannel", "call,all", l1)
        pbx.chan_event("Newchannel", "call,all", l2)
        self.consult_bridge = pbx.bridge_id()
        pbx.emit("BridgeCreate", "call,all", bridge_block(self.consult_bridge, 0))
        l2.cid_num, l2.cid_name = agent.cid_num, agent.cid_name
        pbx.chan_event("NewCallerid", "call,all", l2, CID_PRES)
        pbx.emit(
            "LocalBridge",
            "call,all",
            l1.block("LocalOne")
            + l2.block("LocalTwo")
            + [("Context", self.context), ("Exten", self.digits), ("LocalOptimization", "Yes")],
        )
        endpoint = self.interface.split("/", 1)[-1]
        if endpoint != self.digits:
            pbx.newexten(l2, 1, "Goto", f"{endpoint},1")
            l2.exten = endpoint
        pbx.newexten(l2, 1, "Dial", f"{self.interface},20")
        l1.cl_num, l1.cl_name = agent.cid_num, agent.cid_name
        pbx.chan_event("NewConnectedLine", "call,all", l1)
        pbx.emit("BridgeEnter", "call,all", bridge_block(self.consult_bridge, 1) + l1.block())
        t = pbx.new_channel(self.interface, linkedid=call.call_id, context="agents-out", exten="s")
        t.call, t.role = call, "consult"
        self.target = t
        pbx.chan_event("Newchannel", "call,all", t)
        t.cid_num, t.cid_name = endpoint, "<unknown>"
        t.cl_num, t.cl_name = agent.cid_num, agent.cid_name
        t.exten = endpoint
        pbx.newexten(t, 1, "AppDial", "(Outgoing Line)")
        pbx.chan_event("NewCallerid", "call,all", t, CID_PRES)
        pbx.chan_event("NewConnectedLine", "call,all", t)
        # the transferer moves from the caller's bridge into the consultation
        pbx.emit("BridgeLeave", "call,all", bridge_block(self.talk.bridge, 1) + agent.block())
        agent.bridge_id = self.consult_bridge
        pbx.emit("BridgeEnter", "call,all", bridge_block(self.consult_bridge, 2) + agent.block())
        agent.cl_num, agent.cl_name = agent.cid_num, "<unknown>"
        pbx.chan_event("NewConnectedLine", "call,all", agent)
        pbx.emit("DialBegin", "call,all", l2.block() + t.block("Dest") + [("DialString", endpoint)])

    def _ring(self, auto_answer: float | None) -> None:
        pbx, l1, l2, t, agent = self.pbx, self.local1, self.local2, self.target, self.agent
        assert l1 is not None and l2 is not None and t is not None
        l2.cl_num, l2.cl_name = t.cid_num, t.cid_name
        pbx.chan_event("NewConnectedLine", "call,all", l2)
        agent.cl_num, agent.cl_name = t.cid_num, t.cid_name
        pbx.chan_event("NewConnectedLine", "call,all", agent)
        pbx.newstate(t, 5)
        phone = pbx.phones[self.interface]
        self.rang = phone.busy = True
        phone.ring = asyncio.get_running_loop().create_future()
        phone.ring_call, phone.ring_channel = self.call, t
        pbx.member_status_all(self.interface)
        pbx.device_state(self.interface, "RINGING")
        l1.cid_num, l1.cid_name = t.cid_num, t.cid_name
        pbx.newstate(l1, 5)
        pbx.chan_event("NewCallerid", "call,all", l1, CID_PRES)
        pbx.emit("DialState", "call,all", l1.block("Dest") + [("DialStatus", "RINGING")])
        pbx.device_state(self.local_device, "INUSE")
        pbx.emit("DialState", "call,all", l2.block() + t.block("Dest") + [("DialStatus", "RINGING")])
        if auto_answer is not None:
            from .queueing import _answer_later

            pbx.spawn(_answer_later(pbx, self.interface, t, auto_answer))

    def _answer(self) -> None:
        pbx, l1, l2, t = self.pbx, self.local1, self.local2, self.target
        assert l1 is not None and l2 is not None and t is not None
        self.answered = True
        phone = pbx.phones[self.interface]
        phone.ring = None
        phone.in_call = phone.busy = True
        pbx.newstate(t, 6)
        pbx.emit("DialEnd", "call,all", l2.block() + t.block("Dest") + [("DialStatus", "ANSWER")])
        pbx.newstate(l2, 6)
        self.target_bridge = pbx.bridge_id()
        pbx.emit("BridgeCreate", "call,all", bridge_block(self.target_bridge, 0))
        t.exten = ""
        pbx.newexten(t, 1, "AppDial", "(Outgoing Line)")
        t.bridge_id = self.target_bridge
        pbx.emit("BridgeEnter", "call,all", bridge_block(self.target_bridge, 1) + t.block())
        pbx.newstate(l1, 6)
        pbx.emit("DialEnd", "call,all", l1.block("Dest") + [("DialStatus", "ANSWER")])
        pbx.member_status_all(self.interface)
        pbx.device_state(self.interface, "INUSE")
        pbx.device_state(self.local_device, "INUSE")
        pbx.device_state(self.local_device, "INUSE")
        l2.bridge_id = self.target_bridge
        pbx.emit("BridgeEnter", "call,all", bridge_block(self.target_bridge, 2) + l2.block())

    def _merge(self) -> None:
        """The transferer hung up: its consultation bridge merges into the caller's (s7)."""
        pbx, talk, call, agent, l1, t = self.pbx, self.talk, self.call, self.agent, self.local1, self.target
        caller = call.caller
        assert l1 is not None and t is not None
        pbx.chan_event("HangupRequest", "call,all", agent)
        pbx.emit("BridgeLeave", "call,all", bridge_block(self.consult_bridge, 1) + agent.block())
        pbx.emit(
            "BridgeMerge",
            "call,all",
            [("To" + k, v) for k, v in bridge_block(talk.bridge, 1)]
            + [("From" + k, v) for k, v in bridge_block(self.consult_bridge, 1)],
        )
        pbx.emit("BridgeLeave", "call,all", bridge_block(self.consult_bridge, 0) + l1.block())
        l1.bridge_id = talk.bridge
        pbx.emit("BridgeEnter", "call,all", bridge_block(talk.bridge, 2) + l1.block())
        pbx.chan_event("MusicOnHoldStop", "call,all", caller)
        pbx.emit(
            "AttendedTransfer",
            "call,all",
            [("Result", "Success")]
            + agent.block("OrigTransferer")
            + [("Orig" + k, v) for k, v in bridge_block(talk.bridge, 2)]
            + agent.block("SecondTransferer")
            + [("Second" + k, v) for k, v in bridge_block(self.consult_bridge, 0)]
            + caller.block("Transferee")
            + [("IsExternal", "No"), ("DestType", "Bridge"), ("DestBridgeUniqueid", talk.bridge)],
        )
        l1.cl_num, l1.cl_name = caller.cid_num, caller.cid_name
        pbx.chan_event("NewConnectedLine", "call,all", l1)
        pbx.emit("BridgeDestroy", "call,all", bridge_block(self.consult_bridge, 0))
        talk_time = int(time.monotonic() - talk.started)
        talk._account(talk_time)
        talk._complete("transfer", talk_time)
        caller.cl_num, caller.cl_name = t.cid_num, t.cid_name
        pbx.chan_event("NewConnectedLine", "call,all", caller)
        pbx.device_state(caller.device, "INUSE")
        talk._agent_gone(agent)
        talk.m = None
        call.agent = None
        t.cl_num, t.cl_name = caller.cid_num, caller.cid_name
        pbx.chan_event("NewConnectedLine", "call,all", t)

    def _optimize(self) -> None:
        """LocalOptimization: the consultee's phone replaces the Local pair in the caller's bridge (s7)."""
        pbx, talk, call, l1, l2, t = self.pbx, self.talk, self.call, self.local1, self.local2, self.target
        caller = call.caller
        assert l1 is not None and l2 is not None and t is not None
        pbx.emit(
            "LocalOptimizationBegin",
            "call,all",
            l1.block("LocalOne")
            + l2.block("LocalTwo")
            + t.block("Source")
            + [("DestUniqueId", l2.uniqueid), ("Id", "0")],
        )
        pbx.emit("BridgeLeave", "call,all", bridge_block(self.target_bridge, 1) + t.block())
        pbx.emit("BridgeLeave", "call,all", bridge_block(talk.bridge, 1) + l1.block())
        t.bridge_id = talk.bridge
        pbx.emit("BridgeEnter", "call,all", bridge_block(talk.bridge, 2) + t.block())
        l2.cid_num, l2.cid_name = caller.cid_num, caller.cid_name
        pbx.chan_event("NewCallerid", "call,all", l2, CID_PRES)
        # "Success: No" although the swap worked: an Asterisk quirk kept as recorded
        pbx.emit(
            "LocalOptimizationEnd",
            "call,all",
            l1.block("LocalOne") + l2.block("LocalTwo") + [("Success", "No"), ("Id", "0")],
        )
        pbx.chan_event("HangupRequest", "call,all", l2, ("Cause", "16"))
        pbx.hangup(l1, 16, "Normal Clearing")
        pbx.emit("BridgeLeave", "call,all", bridge_block(self.target_bridge, 0) + l2.block())
        pbx.emit("BridgeDestroy", "call,all", bridge_block(self.target_bridge, 0))
        pbx.chan_event("SoftHangupRequest", "call,all", l2, ("Cause", "16"))
        pbx.hangup(l2, 16, "Normal Clearing")
        pbx.device_state(self.local_device, "NOT_INUSE")
        pbx.device_state(self.local_device, "NOT_INUSE")
        t.role = "agent"
        call.agent = t
        call.member = self.interface
        talk.iface = self.interface
        talk._bridge_peers(caller, t)

    def _end_consult(self, *, status: str) -> None:
        """The agent gets the caller back; the consultation's legs hang up (s7b).
        ``status`` is the Local leg's DialEnd towards the target ("" once it answered)."""
        pbx, talk, agent, caller = self.pbx, self.talk, self.agent, self.call.caller
        l1, l2, t = self.local1, self.local2, self.target
        assert l1 is not None and l2 is not None and t is not None
        if self.answered:  # the consultee hung up: its side goes first
            pbx.chan_event("HangupRequest", "call,all", t, ("Cause", "16"))
            pbx.emit("BridgeLeave", "call,all", bridge_block(self.target_bridge, 1) + t.block())
            self._target_gone(t)
            pbx.emit("BridgeLeave", "call,all", bridge_block(self.target_bridge, 0) + l2.block())
            pbx.emit("BridgeDestroy", "call,all", bridge_block(self.target_bridge, 0))
        pbx.emit("BridgeLeave", "call,all", bridge_block(self.consult_bridge, 1) + agent.block())
        agent.bridge_id = talk.bridge
        pbx.emit("BridgeEnter", "call,all", bridge_block(talk.bridge, 2) + agent.block())
        self._unhold()
        pbx.emit("BridgeLeave", "call,all", bridge_block(self.consult_bridge, 0) + l1.block())
        pbx.emit("BridgeDestroy", "call,all", bridge_block(self.consult_bridge, 0))
        pbx.chan_event("HangupRequest", "call,all", l2, ("Cause", "16"))
        pbx.hangup(l1, 16, "Normal Clearing")
        pbx.device_state(self.local_device, "NOT_INUSE")
        if status:
            pbx.emit("DialEnd", "call,all", l2.block() + t.block("Dest") + [("DialStatus", status)])
        pbx.chan_event("SoftHangupRequest", "call,all", l2, ("Cause", "16"))
        pbx.hangup(l2, 16, "Normal Clearing")
        if not self.answered:
            self._target_gone(t)
        pbx.device_state(self.local_device, "NOT_INUSE")
        agent.cl_num, agent.cl_name = caller.cid_num, caller.cid_name
        pbx.chan_event("NewConnectedLine", "call,all", agent)

    def _drop_ringing_target(self) -> None:
        """A blond transfer nobody answered: the Local pair and the target's channel go."""
        pbx, talk, l1, l2, t = self.pbx, self.talk, self.local1, self.local2, self.target
        assert l1 is not None and l2 is not None and t is not None
        pbx.emit("BridgeLeave", "call,all", bridge_block(talk.bridge, 1) + l1.block())
        pbx.chan_event("HangupRequest", "call,all", l2, ("Cause", "16"))
        pbx.hangup(l1, 16, "Normal Clearing")
        pbx.emit("DialEnd", "call,all", l2.block() + t.block("Dest") + [("DialStatus", "CANCEL")])
        pbx.chan_event("SoftHangupRequest", "call,all", l2, ("Cause", "16"))
        pbx.hangup(l2, 16, "Normal Clearing")
        self._target_gone(t)
        pbx.device_state(self.local_device, "NOT_INUSE")
        caller = self.call.caller
        pbx.emit("BridgeLeave", "call,all", bridge_block(talk.bridge, 0) + caller.block())
        pbx.emit("BridgeDestroy", "call,all", bridge_block(talk.bridge, 0))
        caller.bridge_id = ""

    def _caller_gone(self) -> None:
        from .queueing import qos

        pbx, caller = self.pbx, self.call.caller
        qos(pbx, caller)
        pbx.chan_event("HangupRequest", "call,all", caller)
        pbx.hangup(caller, 16, "Normal Clearing")
        pbx.device_state(caller.device, "NOT_INUSE")

    def _target_gone(self, t: SimChannel) -> None:
        pbx = self.pbx
        if not t.hungup:
            pbx.hangup(t, 16, "Normal Clearing")
        if not self.rang:  # it never rang (unregistered or busy): its phone is as it was
            return
        phone = pbx.phones[self.interface]
        if phone.ring is not None and not phone.ring.done():
            phone.ring.cancel()
        phone.ring = None
        phone.ring_call = phone.ring_channel = None
        phone.busy = phone.in_call = False
        pbx.device_state(self.interface, "NOT_INUSE")
        pbx.member_status_all(self.interface)
        from .talk import poke_queues_of

        poke_queues_of(pbx, self.interface)
