"""app_queue as the simulator plays it: join, ring members one at a time
(rrmemory), ring-no-answer and retry, connect, talk, and every way of leaving
(hangup by either side, abandon, timeout, redirect, blind/attended transfer).
The events and their order follow the s1/s2 PJSIP transcripts."""

from __future__ import annotations

import asyncio
import time

from .call import Signal, SimCall
from .channel import SimChannel
from .state import Member, Pbx, Queue

MOVES = ("redirect",)  # signals that take a waiting caller out of Queue() into other dialplan
CID_PRES = ("CID-CallingPres", "0 (Presentation Allowed, Not Screened)")
_QOS = (
    (
        "RTPAUDIOQOS",
        "ssrc={ssrc};themssrc=0;lp=0;rxjitter=0.000000;rxcount=0;txjitter=0.000000;"
        "txcount={n};rlp=0;rtt=0.000000;rxmes=0.000000;txmes=87.231481",
    ),
    (
        "RTPAUDIOQOSJITTER",
        "minrxjitter=000.000000;maxrxjitter=000.000000;avgrxjitter=000.000000;"
        "stdevrxjitter=000.000000;mintxjitter=000.000000;maxtxjitter=000.000000;"
        "avgtxjitter=000.000000;stdevtxjitter=000.000000;",
    ),
    (
        "RTPAUDIOQOSLOSS",
        " minrxlost=000.000000; maxrxlost=000.000000; avgrxlost=000.000000; "
        "stdevrxlost=000.000000; mintxlost=000.000000; maxtxlost=000.000000; "
        "avgtxlost=000.000000; stdevtxlost=000.000000;",
    ),
    ("RTPAUDIOQOSRTT", " minrtt=000.000000; maxrtt=000.000000; avgrtt=000.000000; stdevrtt=000.000000;"),
    (
        "RTPAUDIOQOSMES",
        " minrxmes=087.231481; maxrxmes=087.231481; avgrxmes=087.231481; "
        "stdevrxmes=000.000000; mintxmes=000.000000; maxtxmes=000.000000; "
        "avgtxmes=000.000000; stdevtxmes=000.000000;",
    ),
)


def qos(pbx: Pbx, ch: SimChannel, peer: SimChannel | None = None) -> None:
    """The RTP statistics Asterisk sets when a PJSIP channel's media ends."""
    n = str(int((time.monotonic() - ch.created) * 50))
    for var, value in _QOS:
        value = value.format(ssrc=abs(hash(ch.uniqueid)) % 4_000_000_000, n=n)
        pbx.varset(ch, var, value)
        if peer is not None:
            pbx.varset(peer, var + "BRIDGED", value)


def bridge_block(bridge_id: str, count: int, tech: str = "simple_bridge") -> list[tuple[str, str]]:
    return [
        ("BridgeUniqueid", bridge_id),
        ("BridgeType", "basic"),
        ("BridgeTechnology", tech),
        ("BridgeCreator", "<unknown>"),
        ("BridgeName", "<unknown>"),
        ("BridgeNumChannels", str(count)),
        ("BridgeVideoSourceMode", "none"),
    ]


def queue_vars(pbx: Pbx, ch: SimChannel, q: Queue) -> None:
    for var, value in (
        ("QUEUENAME", q.name),
        ("QUEUEMAX", "0"),
        ("QUEUESTRATEGY", q.config.strategy),
        ("QUEUECALLS", str(len(q.waiting))),
        ("QUEUEHOLDTIME", str(q.holdtime)),
        ("QUEUETALKTIME", str(q.talktime)),
        ("QUEUECOMPLETED", str(q.completed)),
        ("QUEUEABANDONED", str(q.abandoned)),
        ("QUEUESRVLEVEL", "0"),
        ("QUEUESRVLEVELPERF", "0.0"),
    ):
        pbx.varset(ch, var, value)


def _free_member(pbx: Pbx, q: Queue) -> Member | None:
    members = list(q.members.values())
    if not members:
        return None
    now = time.monotonic()
    for i in range(len(members)):
        m = members[(q.rr_next + i) % len(members)]
        phone = pbx.phones[m.interface]
        if not m.paused and not phone.busy and now >= m.rest_until:
            q.rr_next = (q.rr_next + i + 1) % len(members)
            return m
    return None


def _may_ring(call: SimCall, q: Queue) -> bool:
    """Callers are served in order: only ring when everyone ahead is ringing/served."""
    for other in q.waiting:
        if other is call:
            return True
        if not other.ringing:
            return False
    return False


class QueueRun:
    """One stay of a call in one queue. ``run`` returns how the stay ended:
    ``("completed", None)``, ``("abandoned", None)``, ``("timeout", None)``,
    ``("agent_hangup", None)`` or ``("moved", Signal)`` for redirect/transfer."""

    def __init__(self, pbx: Pbx, call: SimCall, q: Queue, priority: int, timeout: float) -> None:
        self.pbx, self.call, self.q = pbx, call, q
        self.priority, self.timeout = priority, timeout

    async def run(self) -> tuple[str, Signal | None]:
        pbx, call, q = self.pbx, self.call, self.q
        caller = call.caller
        pbx.newexten(caller, self.priority, "Queue", f"{q.name},,,,{int(self.timeout)}")
        for var in ("ANSWEREDTIME", "ANSWEREDTIME_MS", "DIALEDTIME", "DIALEDTIME_MS", "QUEUEWAIT", "QUEUEWAIT_MS"):
            pbx.varset(caller, var, "")
        if not q.waiting:
            pbx.device_state(f"Queue:{q.name}", "RINGING")
        q.waiting.append(call)
        call.queue, call.joined = q.name, time.monotonic()
        call.original_position = len(q.waiting)
        pbx.chan_event(
            "QueueCallerJoin",
            "agent,all",
            caller,
            ("Queue", q.name),
            ("Position", str(len(q.waiting))),
            ("Count", str(len(q.waiting))),
        )
        pbx.chan_event("MusicOnHoldStart", "call,all", caller, ("Class", "default"))
        deadline = call.joined + self.timeout
        patience = call.joined + call.patience if call.patience is not None else None
        while True:
            now = time.monotonic()
            limit = deadline if patience is None else min(deadline, patience)
            member = _free_member(pbx, q) if _may_ring(call, q) else None
            if member is None:
                sig = await call.next_signal(limit - now)
                if sig is None:
                    if patience is not None and time.monotonic() >= patience - 1e-3 and patience <= deadline:
                        return self._abandon(), None
                    return self._timeout(), None
                if sig.kind == "caller_hangup":
                    return self._abandon(), None
                if sig.kind in MOVES:
                    return self._redirected(), sig
                continue  # "poke": something changed in the queue
            ring_end = min(now + q.config.ring_timeout, limit)
            agent = self._ring(member)
            ring_start = time.monotonic()
            sig = await self._wait_ring(agent, ring_end)
            if sig is not None and sig.kind == "answered":
                return await self._connect(member, agent, ring_start)
            if sig is not None and sig.kind == "caller_hangup":
                return self._abandon(), None
            if sig is not None and sig.kind in MOVES:
                return self._redirected(), sig
            self._ring_no_answer(member, agent, ring_start)
            if time.monotonic() >= limit - 1e-3:
                if patience is not None and patience <= deadline:
                    return self._abandon(), None
                return self._timeout(), None
            retry_end = min(time.monotonic() + q.config.retry, limit)
            while True:
                sig = await call.next_signal(retry_end - time.monotonic())
                if sig is not None and sig.kind in MOVES:
                    return self._redirected(), sig
                if sig is None or sig.kind == "caller_hangup":
                    break
            if sig is not None:
                return self._abandon(), None

    async def _wait_ring(self, agent: SimChannel, until: float) -> Signal | None:
        while True:
            sig = await self.call.next_signal(until - time.monotonic())
            if sig is None or sig.kind in ("caller_hangup", *MOVES):
                return sig
            if sig.kind == "answered" and sig.data.get("uniqueid") == agent.uniqueid:
                return sig

    # ------------------------------------------------------------------ ringing

    def _ring(self, m: Member) -> SimChannel:
        pbx, call, q = self.pbx, self.call, self.q
        caller = call.caller
        phone = pbx.phones[m.interface]
        ag = pbx.new_channel(m.interface, linkedid=call.call_id, context="agents-out", exten="s")
        ag.call, ag.role = call, "agent"
        pbx.chan_event("Newchannel", "call,all", ag)
        ag.cid_num = q.name
        pbx.newexten(ag, 1, "AppQueue", "(Outgoing Line)")
        pbx.chan_event("NewCallerid", "call,all", ag, CID_PRES)
        pbx.varset(ag, "DIALEDPEERNUMBER", m.interface.split("/", 1)[-1])
        pbx.emit(
            "AgentCalled",
            "agent,all",
            caller.block()
            + ag.block("Dest", ConnectedLineNum=caller.cid_num, ConnectedLineName=caller.cid_name, Exten=q.name)
            + [("Queue", q.name), ("Interface", m.interface), ("MemberName", m.name)],
        )
        pbx.emit("DialBegin", "call,all", caller.block() + ag.block("Dest") + [("DialString", m.interface)])
        caller.cl_num, caller.cl_name = q.name, "<unknown>"
        pbx.chan_event("NewConnectedLine", "call,all", caller)
        ag.exten, ag.cl_num, ag.cl_name = q.name, caller.cid_num, caller.cid_name
        call.ringing[m.interface] = ag
        phone.busy = True
        q.wake()  # the caller behind this one may ring the next free member
        if not phone.reachable:
            return ag  # an unregistered phone: the channel stays Down (s2)
        pbx.newstate(ag, 5)
        pbx.newexten(ag, 1, "AppQueue", "(Outgoing Line)")
        pbx.chan_event("NewConnectedLine", "call,all", ag)
        pbx.emit("DialState", "call,all", caller.block() + ag.block("Dest") + [("DialStatus", "RINGING")])
        loop = asyncio.get_running_loop()
        phone.ring = loop.create_future()
        phone.ring_call, phone.ring_channel = call, ag
        pbx.member_status_all(m.interface)
        pbx.device_state(f"Queue:{q.name}_avail", "NOT_INUSE")
        pbx.device_state(m.interface, "RINGING")
        if phone.auto_answer is not None:
            pbx.spawn(_answer_later(pbx, phone.interface, ag, phone.auto_answer))
        return ag

    def _stop_ringing(self, m_interface: str, ag: SimChannel, cause: int) -> None:
        pbx = self.pbx
        phone = pbx.phones[m_interface]
        was_ringing = phone.ring is not None
        if phone.ring is not None and not phone.ring.done():
            phone.ring.cancel()
        phone.ring = None
        phone.busy = phone.in_call
        self.call.ringing.pop(m_interface, None)
        pbx.hangup(ag, cause, "Unknown" if cause == 0 else "Answered elsewhere")
        if was_ringing:
            pbx.device_state(m_interface, "NOT_INUSE")
            pbx.member_status_all(m_interface)
        else:
            pbx.chan_event("NewConnectedLine", "call,all", ag)
        self.q.wake()

    def _ring_no_answer(self, m: Member, ag: SimChannel, since: float) -> None:
        pbx, caller = self.pbx, self.call.caller
        ring_ms = int((time.monotonic() - since) * 1000)
        pbx.emit(
            "AgentRingNoAnswer",
            "agent,all",
            caller.block()
            + ag.block("Dest")
            + [("Queue", self.q.name), ("Interface", m.interface), ("MemberName", m.name), ("RingTime", str(ring_ms))],
        )
        pbx.emit("DialEnd", "call,all", caller.block() + ag.block("Dest") + [("DialStatus", "NOANSWER")])
        pbx.emit("DialEnd", "call,all", caller.block() + ag.block("Dest") + [("DialStatus", "CANCEL")])
        self._stop_ringing(m.interface, ag, 0)

    # ---------------------------------------------------------------- leaving

    def _leave(self) -> None:
        pbx, q, caller = self.pbx, self.q, self.call.caller
        position = q.waiting.index(self.call) + 1 if self.call in q.waiting else 1
        if self.call in q.waiting:
            q.waiting.remove(self.call)
        if not q.waiting:
            pbx.device_state(f"Queue:{q.name}", "NOT_INUSE")
        pbx.chan_event(
            "QueueCallerLeave",
            "agent,all",
            caller,
            ("Queue", q.name),
            ("Position", str(position)),
            ("Count", str(len(q.waiting))),
        )
        pbx.varset(caller, "QUEUEPOSITION", str(position))
        q.wake()

    def _redirected(self) -> str:
        """A Redirect while the caller waits (or a member rings): the phones stop ringing and the caller leaves
        the queue for wherever it was sent. app_queue counts that as an abandon: the async goto interrupts its
        wait like a hangup (res < 0, not handled → record_abandoned, queue_log ABANDON), so QueueCallerAbandon
        comes before QueueCallerLeave, as for a caller who hung up."""
        self._give_up(hung_up=False)
        self.pbx.chan_event("MusicOnHoldStop", "call,all", self.call.caller)
        return "moved"

    def _give_up(self, *, hung_up: bool) -> None:
        """Shared tail of abandon and timeout: QueueCallerAbandon is sent for both (03c)."""
        pbx, q, call = self.pbx, self.q, self.call
        caller = call.caller
        waited = time.monotonic() - call.joined
        if hung_up:
            pbx.chan_event("MusicOnHoldStop", "call,all", caller)
        for ag in list(call.ringing.values()):
            for _ in range(2):  # the loser gets DialEnd CANCEL twice (gotcha 7)
                pbx.emit("DialEnd", "call,all", caller.block() + ag.block("Dest") + [("DialStatus", "CANCEL")])
        pbx.varset(caller, "QUEUEWAIT", str(int(waited)))
        pbx.varset(caller, "QUEUEWAIT_MS", str(int(waited * 1000)))
        pbx.varset(caller, "DIALEDTIME", str(int(waited)))
        pbx.varset(caller, "DIALEDTIME_MS", str(int(waited * 1000) + 3))
        pbx.varset(caller, "ANSWEREDTIME", "0")
        pbx.varset(caller, "ANSWEREDTIME_MS", "0")
        pbx.varset(caller, "ABANDONED", "TRUE")
        queue_vars(pbx, caller, q)
        position = q.waiting.index(call) + 1 if call in q.waiting else 1
        pbx.chan_event(
            "QueueCallerAbandon",
            "agent,all",
            caller,
            ("Queue", q.name),
            ("Position", str(position)),
            ("OriginalPosition", str(call.original_position)),
            ("HoldTime", str(int(waited))),
        )
        q.abandoned += 1
        queue_vars(pbx, caller, q)
        for iface, ag in list(call.ringing.items()):
            self._stop_ringing(iface, ag, 0)
        self._leave()

    def _abandon(self) -> str:
        pbx, caller = self.pbx, self.call.caller
        qos(pbx, caller)
        pbx.chan_event("HangupRequest", "call,all", caller)
        self._give_up(hung_up=True)
        pbx.chan_event("SoftHangupRequest", "call,all", caller, ("Cause", "16"))
        pbx.hangup(caller, 0, "Unknown")
        pbx.device_state(caller.device, "NOT_INUSE")
        return "abandoned"

    def _timeout(self) -> str:
        pbx, call = self.pbx, self.call
        for iface, ag in list(call.ringing.items()):
            m = self.q.members.get(iface)
            if m is not None:
                self._ring_no_answer(m, ag, time.monotonic() - 1.0)
        pbx.chan_event("MusicOnHoldStop", "call,all", call.caller)
        self._give_up(hung_up=False)
        pbx.varset(call.caller, "QUEUESTATUS", "TIMEOUT")
        return "timeout"

    # ------------------------------------------------------------ connected

    async def _connect(self, m: Member, ag: SimChannel, ring_start: float) -> tuple[str, Signal | None]:
        pbx, q, call = self.pbx, self.q, self.call
        caller = call.caller
        phone = pbx.phones[m.interface]
        phone.ring = None
        call.ringing.pop(m.interface, None)
        for iface, other in list(call.ringing.items()):  # ringall losers
            for _ in range(2):
                pbx.emit("DialEnd", "call,all", caller.block() + other.block("Dest") + [("DialStatus", "CANCEL")])
            self._stop_ringing(iface, other, 26)
        hold = int(time.monotonic() - call.joined)
        ring = int(time.monotonic() - ring_start)
        pbx.newstate(ag, 6)
        pbx.emit("DialEnd", "call,all", caller.block() + ag.block("Dest") + [("DialStatus", "ANSWER")])
        pbx.device_state(m.interface, "INUSE")
        phone.in_call = True
        pbx.member_status_all(m.interface)
        pbx.chan_event("MusicOnHoldStop", "call,all", caller)
        for ch in (caller, ag):
            for var, value in (
                ("MEMBERINTERFACE", m.interface),
                ("MEMBERNAME", m.name),
                ("MEMBERCALLS", str(m.calls_taken)),
                ("MEMBERLASTCALL", str(m.last_call)),
                ("MEMBERPENALTY", str(m.penalty)),
                ("MEMBERDYNAMIC", "1" if m.dynamic else "0"),
                ("MEMBERREALTIME", "0"),
            ):
                pbx.varset(ch, var, value)
        for ch in (caller, ag):
            pbx.varset(ch, "QEHOLDTIME", str(hold))
            pbx.varset(ch, "QEORIGINALPOS", str(call.original_position))
        q.holdtime = (3 * q.holdtime + hold) >> 2  # app_queue's recalc_holdtime: a running 3:1 average
        queue_vars(pbx, caller, q)
        queue_vars(pbx, ag, q)
        self._leave()
        pbx.varset(caller, "QUEUEWAIT", str(hold))
        pbx.varset(caller, "QUEUEWAIT_MS", str(hold * 1000))
        pbx.emit(
            "AgentConnect",
            "agent,all",
            caller.block()
            + ag.block("Dest")
            + [
                ("Queue", q.name),
                ("Interface", m.interface),
                ("MemberName", m.name),
                ("HoldTime", str(hold)),
                ("RingTime", str(ring)),
            ],
        )
        call.agent, call.member = ag, m.interface
        from .talk import Talk  # late import: talk builds on this module's helpers

        return await Talk(pbx, call, q, m, hold).run()


async def _answer_later(pbx: Pbx, interface: str, ag: SimChannel, delay: float) -> None:
    await asyncio.sleep(delay)
    answer_phone(pbx, interface, ag)


def answer_phone(pbx: Pbx, interface: str, ag: SimChannel | None = None) -> bool:
    """Pick up a ringing phone (auto-answer, a bot, or the operator's click)."""
    phone = pbx.phones.get(interface)
    if phone is None or phone.ring is None or phone.ring.done():
        return False
    channel = phone.ring_channel
    if ag is not None and channel is not ag:
        return False
    phone.ring.set_result(None)
    call = phone.ring_call
    if isinstance(call, SimCall) and isinstance(channel, SimChannel):
        call.signal("answered", uniqueid=channel.uniqueid)
    return True
