"""The simulator's new cases against the s6–s12 PJSIP transcripts (and 04a/04f,
05b): the same event names in order for the events that matter, with the same
headers in the same order. Skips, saying why, where ../shared is absent."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import pytest

from cti.frames import Frame
from cti.sim import MemberConfig, PbxSimulator, QueueConfig

from .conftest import RawClient, connect, fast_config
from .shape import call_frames, diff, signature
from .transcripts import received, require_transcripts

NOISE = ("RTCPSent",)
Scenario = Callable[[PbxSimulator, RawClient], Awaitable[None]]


def recorded(name: str, *, everything: bool = False) -> list[Frame]:
    frames = [i.frame for i in received(name) if i.frame is not None]
    return frames if everything else call_frames(frames, skip=NOISE)


async def run_sim(config_kw: dict, scenario: Scenario, *, everything: bool = False) -> list[Frame]:
    sim = PbxSimulator(fast_config(**config_kw))
    await sim.start()
    try:
        client = await connect(sim)
        await scenario(sim, client)
        await client.read_for(0.05)
        await client.close()
        return client.frames if everything else call_frames(client.frames, skip=NOISE)
    finally:
        await sim.stop()


def shape(frames: list[Frame], names: tuple[str, ...]) -> list[tuple[str, tuple[str, ...]]]:
    """Names and header names (in order) of the events that matter for a case."""
    return [(f.name, tuple(k for k in f if k != "SystemName")) for f in frames if f.name in names]


def event(name: str, **match: str) -> Callable[[Frame], bool]:
    return lambda f: f.get("Event") == name and all(f.get(k) == v for k, v in match.items())


def trunk_gone(f: Frame) -> bool:
    return f.get("Event") == "Hangup" and f.get("Channel", "").startswith("PJSIP/trunk")


AGENT1 = MemberConfig(interface="PJSIP/agent1", name="Agent One")
AGENT2 = MemberConfig(interface="PJSIP/agent2", name="Agent Two")


# ------------------------------------------------------------------ 1. desk phone dials out


@pytest.mark.parametrize(
    "name, outcome", [("s6-sip-phone-dials-out-answered", "answered"), ("s6b-sip-phone-dials-out-busy", "busy")]
)
async def test_desk_phone_dialling_out_matches_s6(name: str, outcome: str) -> None:
    require_transcripts(name)

    async def scenario(sim: PbxSimulator, client: RawClient) -> None:
        call_id = sim.dial_out("agent4", "79161234567", outcome=outcome, talk_time=0.2)
        assert call_id
        await client.until(event("Hangup", Channel="PJSIP/agent4-00000000"))

    got = await run_sim({"phones": (MemberConfig(interface="PJSIP/agent4", name="Agent Four"),)}, scenario)
    want = recorded(name)
    assert signature(got) == signature(want), diff(signature(want), signature(got))
    first = got[0]
    assert (first["Channel"], first["Exten"], first["Context"]) == (
        "PJSIP/agent4-00000000",
        "79161234567",
        "agents-out",
    )
    assert not [f for f in got if f.name.startswith("Queue") or f.name.startswith("Agent")]


async def test_desk_phone_customer_not_answering_ends_both_legs() -> None:
    async def scenario(sim: PbxSimulator, client: RawClient) -> None:
        sim.dial_out("agent4", "79161234567", outcome="no_answer")
        await client.until(event("Hangup", Channel="PJSIP/agent4-00000000"))
        assert not sim.pbx.channels

    got = await run_sim({"dial_timeout": 0.2}, scenario)
    assert [f["DialStatus"] for f in got if f.name == "DialEnd"] == ["NOANSWER"]


async def test_a_phone_that_dials_out_is_not_rung_by_its_queue_in_the_same_moment() -> None:
    """The operator gets ready and picks up the handset at once: the caller the queue had kept
    waiting must not ring the phone that is already dialling."""

    async def scenario(sim: PbxSimulator, client: RawClient) -> None:
        member = sim.pbx.queues["support"].members["PJSIP/agent1"]
        member.paused = True
        caller = sim.place_inbound_call("79001112233", queue="support", patience=5.0)
        await client.until(event("QueueCallerJoin", Linkedid=caller))
        member.paused = False  # ready: the waiting caller is woken…
        for waiting in sim.pbx.queues["support"].waiting:
            waiting.signal("poke")
        dialled = sim.dial_out("agent1", "79161234567", outcome="answered", talk_time=0.3)  # …and the handset is up
        await client.until(event("Hangup", Uniqueid=dialled))
        over = next(i for i, f in enumerate(client.frames) if event("Hangup", Uniqueid=dialled)(f))
        rung = [f for f in client.frames[:over] if f.name == "AgentCalled"]
        assert not rung, "the queue rang a phone that was dialling"
        sim.hangup_caller(caller)
        await client.until(event("Hangup", Uniqueid=caller))

    await run_sim({}, scenario)


async def test_bad_dial_out_requests_are_refused() -> None:
    sim = PbxSimulator(fast_config())
    with pytest.raises(ValueError, match="control characters"):
        sim.dial_out("agent4", "79161234567\r\nAction: Hangup")
    with pytest.raises(ValueError, match="not a number"):
        sim.dial_out("agent4", "12")
    with pytest.raises(ValueError, match="outcome"):
        sim.dial_out("agent4", "79161234567", outcome="maybe")


# ------------------------------------------------------------------ 2. foreign originates

KEY_04A = ("OriginateResponse", "QueueCallerJoin", "AgentCalled", "AgentConnect", "AgentComplete")


async def test_foreign_originate_to_a_queue_has_the_04a_shape() -> None:
    require_transcripts("04a-originate-answered-to-queue")
    queues = (QueueConfig(name="debt", ring_timeout=0.5, members=(AGENT1,)),)

    async def scenario(sim: PbxSimulator, client: RawClient) -> None:
        sim.set_outbound_outcome("79001110001", "answered")
        client.send(
            Action="Originate",
            ActionID="dial-1",
            Channel="PJSIP/79001110001@trunk",
            Context="dialer",
            Exten="debt",
            Priority="1",
            CallerID="Collections <74950000000>",
            Timeout="3000",
            Async="true",
        )
        await client.until(event("AgentComplete"))

    got = await run_sim({"queues": queues, "talk_time": (0.2, 0.2)}, scenario)
    want = recorded("04a-originate-answered-to-queue")
    assert shape(got, KEY_04A) == shape(want, KEY_04A)
    resp = next(f for f in got if f.name == "OriginateResponse")
    assert (resp["Response"], resp["Reason"], resp["ActionID"]) == ("Success", "4", "dial-1")
    # the queue caller is the originated channel itself (README: the dialer case)
    assert next(f for f in got if f.name == "QueueCallerJoin")["Uniqueid"] == resp["Uniqueid"]


async def test_sync_originate_to_a_busy_number_answers_like_04f() -> None:
    require_transcripts("04f-originate-sync-busy")

    async def scenario(sim: PbxSimulator, client: RawClient) -> None:
        sim.set_outbound_outcome("79001110002", "busy")
        client.send(
            Action="Originate",
            ActionID="sync-1",
            Channel="PJSIP/79001110002@trunk",
            Context="dialer",
            Exten="s",
            Priority="1",
            Timeout="3000",
        )
        await client.until(lambda f: f.get("ActionID") == "sync-1")

    got = await run_sim({}, scenario, everything=True)
    want = [f for f in recorded("04f-originate-sync-busy", everything=True) if f.get("Response") == "Error"]
    mine = [f for f in got if f.get("ActionID") == "sync-1"]
    assert [list(f.pairs())[:1] + [("Message", f.get("Message"))] for f in mine] == [
        list(f.pairs())[:1] + [("Message", f.get("Message"))] for f in want
    ]
    assert not [f for f in got if f.name == "OriginateResponse"]


@pytest.mark.parametrize(
    "outcome, reason, causes",
    [("answered", "4", ["0"]), ("busy", "5", ["17"]), ("no_answer", "3", ["19"]), ("congestion", "8", ["34"])],
)
async def test_foreign_originate_outcomes(outcome: str, reason: str, causes: list[str]) -> None:
    async def scenario(sim: PbxSimulator, client: RawClient) -> None:
        sim.set_outbound_outcome("79001110003", outcome)
        client.send(
            Action="Originate",
            ActionID="x1",
            Channel="PJSIP/79001110003@trunk",
            Application="Wait",
            Data="0.1",
            Timeout="300",
            Async="true",
        )
        await client.until(trunk_gone)

    got = await run_sim({"outbound_answer_delay": 0.05}, scenario)
    (resp,) = [f for f in got if f.name == "OriginateResponse"]
    assert resp["Reason"] == reason
    assert [f["Cause"] for f in got if f.name == "Hangup"] == causes


async def test_originate_to_an_unknown_endpoint_fails_with_reason_0() -> None:
    async def scenario(sim: PbxSimulator, client: RawClient) -> None:
        client.send(Action="Originate", ActionID="x2", Channel="PJSIP/nobody", Application="Wait", Async="true")
        await client.until(event("OriginateResponse"))

    got = await run_sim({}, scenario)
    (resp,) = [f for f in got if f.name == "OriginateResponse"]
    assert (resp["Response"], resp["Reason"], resp["Uniqueid"]) == ("Failure", "0", "<unknown>")


async def test_callback_originate_rings_the_operator_then_dials_the_customer() -> None:
    """What ccdesk sends for a callback: the operator's phone first, then Dial(PJSIP/<n>@trunk)."""

    async def scenario(sim: PbxSimulator, client: RawClient) -> None:
        sim.set_outbound_outcome("79161234567", "answered")
        client.send(
            Action="Originate",
            ActionID="cb-1",
            Channel="PJSIP/agent1",
            Application="Dial",
            Data="PJSIP/79161234567@trunk,30",
            ChannelId="cb-call-1",
            Async="true",
        )
        await client.until(trunk_gone)

    got = await run_sim({"talk_time": (0.1, 0.1)}, scenario)
    begin = next(f for f in got if f.name == "DialBegin" and f.get("Channel"))
    assert begin["Channel"].startswith("PJSIP/agent1-") and begin["DestChannel"].startswith("PJSIP/trunk-")
    assert begin["Linkedid"] == begin["DestLinkedid"] == "cb-call-1"
    assert [f["DialStatus"] for f in got if f.name == "DialEnd" and f.get("Channel")] == ["ANSWER"]


# ------------------------------------------------------------------ 3. attended transfer

ATXFER_KEY = (
    "DTMFEnd",
    "Hold",
    "Unhold",
    "LocalBridge",
    "BridgeMerge",
    "AttendedTransfer",
    "AgentComplete",
    "LocalOptimizationBegin",
    "LocalOptimizationEnd",
)


def _atxfer_config(*, consultee_bot: bool) -> dict:
    return {
        "queues": (
            QueueConfig(name="support", ring_timeout=0.5, members=(AGENT1,)),
            QueueConfig(
                name="billing", members=(MemberConfig(interface="PJSIP/agent2", name="Agent Two", bot=consultee_bot),)
            ),
        ),
        "extensions": (("1002", "PJSIP/agent2"),),
        "atxfer_noanswer_timeout": 0.4,
        "talk_time": (0.3, 0.3),
    }


async def _answered_queue_call(sim: PbxSimulator, client: RawClient, talk_time: float = 2.0) -> str:
    sim.place_inbound_call("sipp", caller_name="sipp", did="support", queue="support", talk_time=talk_time, patience=5)
    frames = await client.until(event("AgentConnect"))
    return next(f for f in frames if f.name == "AgentConnect")["DestChannel"]


async def test_attended_transfer_completed_matches_s7() -> None:
    require_transcripts("s7-sip-atxfer-complete")

    async def scenario(sim: PbxSimulator, client: RawClient) -> None:
        agent = await _answered_queue_call(sim, client)
        client.send(Action="Atxfer", ActionID="a2", Channel=agent, Exten="1002", Context="agents")
        await client.until(lambda f: f.get("Event") == "DialEnd" and "Channel" not in f and f["DialStatus"] == "ANSWER")
        client.send(Action="Hangup", ActionID="a3", Channel=agent)  # complete = the transferer hangs up
        await client.until(trunk_gone)

    got = await run_sim(_atxfer_config(consultee_bot=True), scenario, everything=True)
    want = recorded("s7-sip-atxfer-complete", everything=True)
    assert shape(got, ATXFER_KEY) == shape(want, ATXFER_KEY), diff(shape(want, ATXFER_KEY), shape(got, ATXFER_KEY))
    assert [f["Message"] for f in got if f.get("ActionID") == "a2"] == ["Atxfer successfully queued"]
    assert [f["Digit"] for f in got if f.name == "DTMFEnd"] == ["*", "2", "1", "0", "0", "2"]
    consult = next(f for f in got if f.name == "Newchannel" and f["Channel"].startswith("Local/1002@agents-"))
    assert consult["Linkedid"] == next(f for f in got if f.name == "AgentConnect")["Linkedid"]
    (transfer,) = [f for f in got if f.name == "AttendedTransfer"]
    assert transfer["DestType"] == "Bridge"
    assert [f["Reason"] for f in got if f.name == "AgentComplete"] == ["transfer"]
    # the consultee's phone ends up bridged with the caller, then the caller hangs up
    enter = [f for f in got if f.name == "BridgeEnter" and f["Channel"].startswith("PJSIP/agent2-")]
    assert enter[-1]["BridgeUniqueid"] == transfer["DestBridgeUniqueid"]


async def test_attended_transfer_not_answered_matches_s7b() -> None:
    require_transcripts("s7b-sip-atxfer-no-answer")

    async def scenario(sim: PbxSimulator, client: RawClient) -> None:
        agent = await _answered_queue_call(sim, client, talk_time=1.2)
        client.send(Action="Atxfer", ActionID="a2", Channel=agent, Exten="1002", Context="agents")
        await client.until(trunk_gone)

    got = await run_sim(_atxfer_config(consultee_bot=False), scenario, everything=True)
    want = recorded("s7b-sip-atxfer-no-answer", everything=True)
    assert shape(got, ATXFER_KEY) == shape(want, ATXFER_KEY), diff(shape(want, ATXFER_KEY), shape(got, ATXFER_KEY))
    assert not [f for f in got if f.name == "AttendedTransfer"]
    assert [f["Reason"] for f in got if f.name == "AgentComplete"] == ["caller"]


async def test_attended_transfer_cancelled_gives_the_caller_back() -> None:
    async def scenario(sim: PbxSimulator, client: RawClient) -> None:
        agent = await _answered_queue_call(sim, client, talk_time=1.5)
        client.send(Action="Atxfer", ActionID="a2", Channel=agent, Exten="1002", Context="agents")
        frames = await client.until(
            lambda f: f.get("Event") == "DialEnd" and "Channel" not in f and f["DialStatus"] == "ANSWER"
        )
        target = next(f for f in frames if f.name == "DialBegin" and f["Channel"].startswith("Local/"))["DestChannel"]
        client.send(Action="Hangup", ActionID="a3", Channel=target)  # cancel = the consultee's channel hangs up
        await client.until(event("Unhold", Channel=agent))
        assert sim.pbx.channels[agent].bridge_id == sim.pbx.channels[next(iter(sim.pbx.channels))].bridge_id
        await client.until(trunk_gone)

    got = await run_sim(_atxfer_config(consultee_bot=True), scenario)
    assert not [f for f in got if f.name == "AttendedTransfer"]
    assert [f["Reason"] for f in got if f.name == "AgentComplete"] == ["caller"]


@pytest.mark.parametrize("target", ["1003", "1004", "agent2"])
async def test_attended_transfer_to_a_phone_that_cannot_answer_never_strands_the_caller(target: str) -> None:
    """1003 is not registered, 1004 does not exist, letters are lost as DTMF: the agent gets the caller back."""
    config = _atxfer_config(consultee_bot=True)
    config["phones"] = (MemberConfig(interface="PJSIP/1003", name="Unplugged", reachable=False),)

    async def scenario(sim: PbxSimulator, client: RawClient) -> None:
        agent = await _answered_queue_call(sim, client, talk_time=0.8)
        client.send(Action="Atxfer", ActionID="a2", Channel=agent, Exten=target, Context="agents")
        await client.until(event("Unhold", Channel=agent))
        await client.until(trunk_gone)
        assert not sim.pbx.channels

    got = await run_sim(config, scenario)
    assert [f["Reason"] for f in got if f.name == "AgentComplete"] == ["caller"]


# ------------------------------------------------------------------ 4./5. wrap-up and pause with a reason


async def test_wrap_up_keeps_the_member_from_the_next_call_like_s8() -> None:
    require_transcripts("s8-sip-wrapup-back-to-back")
    queues = (QueueConfig(name="wrap", ring_timeout=0.5, wrapuptime=0.6, members=(AGENT1,)),)

    async def scenario(sim: PbxSimulator, client: RawClient) -> None:
        sim.place_inbound_call("sipp", queue="wrap", talk_time=0.2, patience=5)
        await client.until(event("AgentCalled"))  # the second caller joins while the member rings (s8)
        sim.place_inbound_call("sipp2", queue="wrap", talk_time=0.2, patience=5)
        await client.until(lambda f: f.get("Event") == "AgentComplete")
        ended = time.monotonic()
        await client.until(event("AgentCalled"), timeout=3)
        assert time.monotonic() - ended >= 0.55
        await client.until(event("AgentComplete"), timeout=3)

    got = await run_sim({"queues": queues}, scenario)
    want = recorded("s8-sip-wrapup-back-to-back")
    names = ("AgentCalled", "AgentConnect", "AgentComplete", "QueueCallerJoin", "QueueCallerLeave")
    assert shape(got, names) == shape(want, names)
    after = next(f for f in got if f.name == "QueueMemberStatus" and f["CallsTaken"] == "1")
    assert (after["Status"], after["InCall"], after["Wrapuptime"]) == ("1", "0", "0")
    assert int(after["LastCall"]) >= int(time.time()) - 5
    assert not [f for f in got if "wrap" in f.name.lower()]  # no AMI event marks wrap-up


async def test_pause_with_a_reason_outlives_the_call_like_s9() -> None:
    require_transcripts("s9-sip-pause-reason")

    async def scenario(sim: PbxSimulator, client: RawClient) -> None:
        await _answered_queue_call(sim, client, talk_time=0.3)
        client.send(
            Action="QueuePause", ActionID="a2", Interface="PJSIP/agent1", Queue="support", Paused="true", Reason="ACW"
        )
        await client.until(event("QueueMemberPause"))
        await client.until(trunk_gone)
        client.send(Action="QueuePause", ActionID="a4", Interface="PJSIP/agent1", Queue="support", Paused="false")
        await client.until(event("QueueMemberPause", Paused="0"))

    got = await run_sim({}, scenario, everything=True)
    want = recorded("s9-sip-pause-reason", everything=True)
    names = ("QueueMemberPause",)
    assert shape(got, names) == shape(want, names)
    pauses = [f for f in got if f.name == "QueueMemberPause"]
    assert [(f["Paused"], f["PausedReason"], f["InCall"]) for f in pauses] == [("1", "ACW", "1"), ("0", "", "0")]
    assert pauses[1]["LastPause"] == pauses[0]["LastPause"]  # unpausing leaves LastPause as it was
    after_call = next(f for f in got if f.name == "QueueMemberStatus" and f["CallsTaken"] == "1")
    assert (after_call["Paused"], after_call["PausedReason"]) == ("1", "ACW")
    assert [f["Message"] for f in got if f.get("ActionID") in ("a2", "a4")] == [
        "Interface paused successfully",
        "Interface unpaused successfully",
    ]


# ------------------------------------------------------------------ 6. MixMonitor, 7. ChanSpy


async def test_mixmonitor_matches_s10() -> None:
    require_transcripts("s10-sip-mixmonitor")

    async def scenario(sim: PbxSimulator, client: RawClient) -> None:
        await _answered_queue_call(sim, client, talk_time=0.5)
        trunk = next(c.name for c in sim.pbx.channels.values() if c.name.startswith("PJSIP/trunk"))
        client.send(Action="MixMonitor", ActionID="a3", Channel=trunk, File="/tmp/rec.wav", Options="b")
        await client.until(event("MixMonitorStart"))
        client.send(Action="StopMixMonitor", ActionID="a4", Channel=trunk)
        await client.until(event("MixMonitorStop"))
        await client.until(trunk_gone)

    got = await run_sim({}, scenario, everything=True)
    want = recorded("s10-sip-mixmonitor", everything=True)

    def mix(frames: list[Frame]) -> list[tuple[str, tuple[str, ...]]]:
        keep = [
            f
            for f in frames
            if f.get("ActionID") in ("a3", "a4")
            or f.name in ("MixMonitorStart", "MixMonitorStop")
            or f.get("Variable") == "MIXMONITOR_FILENAME"
        ]
        return [(f.name, tuple(f)) for f in keep]

    assert mix(got) == mix(want)
    assert next(f for f in got if f.get("Variable") == "MIXMONITOR_FILENAME")["Value"] == "/tmp/rec.wav"


@pytest.mark.parametrize("data", ["PJSIP/agent1,q", "PJSIP/agent1,qw", "PJSIP/agent1,qB"])
async def test_chanspy_matches_s11(data: str) -> None:
    require_transcripts("s11-sip-chanspy")
    config = {"phones": (MemberConfig(interface="PJSIP/agent4", name="Supervisor"),)}

    async def scenario(sim: PbxSimulator, client: RawClient) -> None:
        await _answered_queue_call(sim, client, talk_time=3.0)
        client.send(
            Action="Originate",
            ActionID="a2",
            Channel="PJSIP/agent4",
            Application="ChanSpy",
            Data=data,
            CallerID="Listen Agent One <5551>",
            Timeout="20000",
            Async="true",
        )
        await client.until(event("ChanSpyStart"))
        spyer = next(c.name for c in sim.pbx.channels.values() if c.name.startswith("PJSIP/agent4-"))
        client.send(Action="Hangup", ActionID="a3", Channel=spyer)
        await client.until(event("Hangup", Channel=spyer))

    got = await run_sim(config, scenario, everything=True)
    want = recorded("s11-sip-chanspy", everything=True)
    names = ("OriginateResponse", "ChanSpyStart", "ChanSpyStop")
    assert shape(got, names) == shape(want, names)
    start = next(f for f in got if f.name == "ChanSpyStart")
    spied_call = next(f for f in got if f.name == "AgentConnect")["Linkedid"]
    assert start["SpyeeChannel"].startswith("PJSIP/agent1-") and start["SpyeeLinkedid"] == spied_call
    assert start["SpyerLinkedid"] != spied_call  # the supervisor's channel has its own Linkedid


# ------------------------------------------------------------------ 8. blind transfer to a queue

BLIND_KEY = ("Unhold", "BlindTransfer", "AgentComplete", "QueueCallerJoin", "AgentCalled", "AgentConnect")


async def test_blind_transfer_to_a_queue_matches_s12() -> None:
    require_transcripts("s12-sip-blindtransfer-to-queue")
    queues = (
        QueueConfig(name="support", ring_timeout=0.5, members=(AGENT1,)),
        QueueConfig(name="billing", ring_timeout=0.5, members=(AGENT2,)),
    )

    async def scenario(sim: PbxSimulator, client: RawClient) -> None:
        agent = await _answered_queue_call(sim, client, talk_time=0.6)
        client.send(Action="BlindTransfer", ActionID="a2", Channel=agent, Context="transfer", Exten="billing")
        await client.until(event("AgentConnect", Queue="billing"))
        await client.until(trunk_gone)

    got = await run_sim({"queues": queues}, scenario, everything=True)
    want = recorded("s12-sip-blindtransfer-to-queue", everything=True)
    assert shape(got, BLIND_KEY) == shape(want, BLIND_KEY), diff(shape(want, BLIND_KEY), shape(got, BLIND_KEY))
    assert [f["Reason"] for f in got if f.name == "AgentComplete"] == ["transfer", "caller"]
    assert next(f for f in got if f.name == "BlindTransfer")["IsExternal"] == "Yes"
    joins = [f for f in got if f.name == "QueueCallerJoin"]
    assert [j["Queue"] for j in joins] == ["support", "billing"] and joins[0]["Linkedid"] == joins[1]["Linkedid"]


# ------------------------------------------------------------------ 9. static members, 10. QueueSummary


async def test_static_members_answer_like_asterisk() -> None:
    require_transcripts("05b-queue-member-mgmt")

    async def scenario(sim: PbxSimulator, client: RawClient) -> None:
        client.send(Action="QueueAdd", ActionID="q1", Queue="support", Interface="PJSIP/agent1")
        client.send(Action="QueueRemove", ActionID="q2", Queue="support", Interface="PJSIP/agent1")
        client.send(Action="QueueStatus", ActionID="q3", Queue="support")
        await client.until(event("QueueStatusComplete"))

    got = await run_sim({}, scenario, everything=True)
    replies = {f["ActionID"]: (f["Response"], f.get("Message")) for f in got if f.get("Response")}
    assert replies["q1"] == ("Error", "Unable to add interface: Already there")
    assert replies["q2"] == ("Error", "Member not dynamic")
    want = {f.get("Message") for f in recorded("05b-queue-member-mgmt", everything=True) if f.get("Response")}
    assert "Unable to add interface: Already there" in want  # the same text as the recording
    (member,) = [f for f in got if f.name == "QueueMember"]
    assert member["Membership"] == "static"


async def test_queue_summary_has_live_values() -> None:
    queues = (
        QueueConfig(
            name="support", ring_timeout=5.0, members=(MemberConfig(interface="PJSIP/op", name="Op", bot=False), AGENT1)
        ),
    )

    async def summary(client: RawClient, aid: str) -> Frame:
        client.send(Action="QueueSummary", ActionID=aid, Queue="support")
        frames = await client.until(event("QueueSummaryComplete", ActionID=aid))
        return next(f for f in frames if f.name == "QueueSummary")

    async def scenario(sim: PbxSimulator, client: RawClient) -> None:
        idle = await summary(client, "s1")
        assert (idle["LoggedIn"], idle["Available"], idle["Callers"]) == ("2", "2", "0")
        sim.set_auto_answer("PJSIP/agent1", None)
        sim.place_inbound_call("79000000001", queue="support", talk_time=0.3, patience=10)
        sim.place_inbound_call("79000000002", queue="support", talk_time=0.3, patience=10)
        await client.until(event("AgentCalled"))
        await asyncio.sleep(1.1)
        busy = await summary(client, "s2")
        assert busy["Callers"] == "2" and int(busy["LongestHoldTime"]) >= 1
        assert int(busy["Available"]) < 2  # a ringing phone is not available
        assert sim.answer("PJSIP/op") or sim.answer("PJSIP/agent1")
        await client.until(event("AgentComplete"), timeout=3)
        later = await summary(client, "s3")
        assert int(later["HoldTime"]) >= 0 and later["TalkTime"].isdigit()
        client.send(Action="QueuePause", ActionID="p", Interface="PJSIP/op", Paused="true")
        await client.until(event("QueueMemberPause"))
        paused = await summary(client, "s4")
        assert int(paused["Available"]) <= 1

    await run_sim({"queues": queues}, scenario)


# ------------------------------------------------------------------ 11. security


def test_entry_points_refuse_control_characters() -> None:
    sim = PbxSimulator(fast_config())
    for bad in ("79001112233\r\nEvent: Hangup", "7900\n", "x\x00y"):
        with pytest.raises(ValueError, match="control characters"):
            sim.place_inbound_call(bad)
    with pytest.raises(ValueError, match="caller_name"):
        sim.place_inbound_call("79001112233", caller_name="Eve\r\n\r\nAction: Hangup")
    with pytest.raises(ValueError):
        sim.set_outbound_outcome("7900\r\n", "busy")
    assert not sim.pbx.channels  # nothing was started


async def test_an_injected_cr_never_runs_a_second_action() -> None:
    async def scenario(sim: PbxSimulator, client: RawClient) -> None:
        client.writer.write(
            b"Action: Setvar\r\nActionID: inj\r\nVariable: X\r\nValue: 1\rAction: Originate\r\n"
            b"Channel: PJSIP/79001110009@trunk\r\n\r\n"
        )
        client.send(Action="Ping", ActionID="after")
        await client.until(lambda f: f.get("ActionID") == "after")

    got = await run_sim({}, scenario, everything=True)
    replies = [(f.get("ActionID"), f.get("Response"), f.get("Message")) for f in got if f.get("Response")]
    assert ("inj", "Error", "Control characters are not allowed in header values") in replies
    assert [r[0] for r in replies].count("inj") == 1
    assert not [f for f in got if f.name in ("Newchannel", "OriginateResponse", "VarSet")]


async def test_transferer_leaving_while_the_target_rings_never_strands_the_caller() -> None:
    """A blond transfer nobody answers: the caller queues again where it came from."""

    async def scenario(sim: PbxSimulator, client: RawClient) -> None:
        agent = await _answered_queue_call(sim, client, talk_time=0.3)
        client.send(Action="Atxfer", ActionID="a2", Channel=agent, Exten="1002", Context="agents")
        await client.until(lambda f: f.get("Event") == "DialState" and f.get("Channel", "").startswith("Local/"))
        assert sim.hangup_channel(agent)  # the operator puts the handset down while 1002 rings
        await client.until(event("QueueCallerJoin"), timeout=3)
        await client.until(trunk_gone, timeout=5)
        assert not sim.pbx.channels

    got = await run_sim(_atxfer_config(consultee_bot=False), scenario)
    assert [f["Reason"] for f in got if f.name == "AgentComplete"] == ["transfer", "caller"]
    assert len([f for f in got if f.name == "AttendedTransfer"]) == 1
    assert len({f["Linkedid"] for f in got if f.name == "QueueCallerJoin"}) == 1


async def test_living_traffic_lets_bots_dial_out_now_and_then() -> None:
    async def scenario(sim: PbxSimulator, client: RawClient) -> None:
        await client.until(lambda f: f.get("Event") == "DialBegin" and f.get("Context") == "agents-out", timeout=5)

    got = await run_sim(
        {"calls_per_minute": 600.0, "dial_out_share": 0.5, "outbound_answer_delay": 0.05, "talk_time": (0.1, 0.1)},
        scenario,
    )
    begin = next(f for f in got if f.name == "DialBegin" and f.get("Context") == "agents-out")
    assert begin["Channel"].startswith("PJSIP/agent1-") and begin["DestChannel"].startswith("PJSIP/trunk-")
