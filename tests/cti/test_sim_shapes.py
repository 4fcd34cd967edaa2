"""The simulator's calls against the recorded PJSIP transcripts: same event
names, same headers in the same order, same Uniqueid/Linkedid relations."""

from __future__ import annotations

import pytest

from cti.frames import Frame
from cti.sim import PbxSimulator

from .conftest import connect, fast_config
from .shape import call_frames, diff, signature
from .transcripts import received

# Per-call noise the recording has and a scaled-down run cannot match 1:1:
# RTCP reports depend on how long the call talked.
NOISE = ("RTCPSent",)


def recorded(name: str) -> list[Frame]:
    return call_frames([i.frame for i in received(name) if i.frame is not None], skip=NOISE)


async def run_sim(config_kw: dict, scenario) -> list[Frame]:  # type: ignore[no-untyped-def]
    sim = PbxSimulator(fast_config(**config_kw))
    await sim.start()
    try:
        client = await connect(sim)
        await scenario(sim, client)
        await client.close()
        return call_frames(client.frames, skip=NOISE)
    finally:
        await sim.stop()


def _ended(f: Frame) -> bool:
    return f.get("Event") == "Hangup" and f.get("Channel", "").startswith("PJSIP/trunk")


async def test_answered_inbound_call_matches_s1() -> None:
    async def scenario(sim: PbxSimulator, client) -> None:  # type: ignore[no-untyped-def]
        sim.place_inbound_call("sipp", caller_name="sipp", did="support", queue="support", talk_time=0.4, patience=5)
        await client.until(_ended)
        await client.read_for(0.05)

    got = await run_sim({}, scenario)
    want = recorded("s1-sip-inbound-answered")
    assert signature(got) == signature(want), diff(signature(want), signature(got))


async def test_abandoned_call_with_unreachable_agent_matches_s2() -> None:
    from cti.sim import MemberConfig, QueueConfig

    queues = (
        QueueConfig(
            name="support",
            ring_timeout=5.0,
            timeout=10.0,
            members=(MemberConfig(interface="PJSIP/agent2", name="Agent Two", reachable=False),),
        ),
    )

    async def scenario(sim: PbxSimulator, client) -> None:  # type: ignore[no-untyped-def]
        call_id = sim.place_inbound_call("sipp", caller_name="sipp", did="support", queue="support")
        await client.until(lambda f: f.get("Event") == "DialBegin")
        assert sim.hangup_caller(call_id)
        await client.until(_ended)
        await client.read_for(0.05)

    got = await run_sim({"queues": queues}, scenario)
    want = recorded("s2-sip-inbound-abandoned")
    assert signature(got) == signature(want), diff(signature(want), signature(got))


async def test_originate_answered_matches_s3() -> None:
    async def scenario(sim: PbxSimulator, client) -> None:  # type: ignore[no-untyped-def]
        sim.set_outbound_outcome("5555", "answered")
        client.send(
            Action="Originate",
            ActionID="a2",
            Channel="PJSIP/5555@trunk",
            Application="Wait",
            Data="0.2",
            CallerID="Contact Center <1000>",
            Timeout="20000",
            Async="true",
            Variable="ORIG_SCENARIO=s3",
        )
        await client.until(_ended)
        await client.read_for(0.05)

    got = await run_sim({}, scenario)
    want = recorded("s3-sip-originate-answered")
    assert signature(got) == signature(want), diff(signature(want), signature(got))


KEY = (
    "QueueCallerJoin",
    "AgentCalled",
    "AgentRingNoAnswer",
    "QueueCallerAbandon",
    "QueueCallerLeave",
    "AgentConnect",
    "AgentComplete",
    "OriginateResponse",
)


def key_shape(frames: list[Frame]) -> list[tuple[str, tuple[str, ...]]]:
    """Queue events only: the Local recordings fake their callers with an
    Originate, whose OriginateResponse a real inbound call does not have."""
    return [
        (f.name, tuple(k for k in f if k != "SystemName"))
        for f in frames
        if f.name in KEY and f.name != "OriginateResponse"
    ]


async def test_ring_no_answer_then_abandon_has_the_03a_shape() -> None:
    from cti.sim import MemberConfig, QueueConfig

    queues = (
        QueueConfig(
            name="noanswer",
            ring_timeout=0.3,
            retry=0.05,
            timeout=5.0,
            members=(MemberConfig(interface="PJSIP/noans", name="Agent Sleepy", bot=False),),
        ),
    )

    async def scenario(sim: PbxSimulator, client) -> None:  # type: ignore[no-untyped-def]
        call_id = sim.place_inbound_call("79005550001", queue="noanswer")
        await client.until(lambda f: f.get("Event") == "AgentRingNoAnswer")
        await client.until(lambda f: f.get("Event") == "AgentCalled")
        sim.hangup_caller(call_id)
        await client.until(_ended)

    got = await run_sim({"queues": queues}, scenario)
    want = recorded("03a-queue-abandon-ringnoanswer")
    assert key_shape(got) == key_shape(want)
    rna = next(f for f in got if f.name == "AgentRingNoAnswer")
    assert 250 <= int(rna["RingTime"]) <= 450  # milliseconds, like Asterisk


async def test_queue_timeout_has_the_03c_shape() -> None:
    from cti.sim import MemberConfig, QueueConfig

    queues = (
        QueueConfig(
            name="noanswer",
            ring_timeout=0.4,
            retry=0.1,
            timeout=0.6,
            members=(MemberConfig(interface="PJSIP/noans", name="Agent Sleepy", bot=False),),
        ),
    )

    async def scenario(sim: PbxSimulator, client) -> None:  # type: ignore[no-untyped-def]
        sim.place_inbound_call("79005550003", queue="noanswer", patience=30)
        await client.until(_ended)

    got = await run_sim({"queues": queues}, scenario)
    want = recorded("03c-queue-timeout")
    assert key_shape(got) == key_shape(want)
    names = [(f.name, f.get("Variable")) for f in got]
    assert names.index(("QueueCallerLeave", None)) < names.index(("VarSet", "QUEUESTATUS"))


@pytest.mark.parametrize(
    "name, outcome, reason, cause",
    [
        ("04b-originate-busy", "busy", "5", "17"),
        ("04c-originate-noanswer", "no_answer", "3", "19"),
        ("04e-originate-nonexistent", "failed", "0", "0"),
    ],
)
async def test_originate_failures_have_the_04_shapes(name: str, outcome: str, reason: str, cause: str) -> None:
    async def scenario(sim: PbxSimulator, client) -> None:  # type: ignore[no-untyped-def]
        sim.set_outbound_outcome("79001110002", outcome)
        client.send(
            Action="Originate",
            ActionID="dial-x",
            Channel="PJSIP/79001110002@trunk",
            Context="dialer",
            Exten="s",
            Priority="1",
            CallerID="Collections <74950000000>",
            Timeout="300",
            Async="true",
        )
        await client.until(lambda f: f.get("Event") == "OriginateResponse")
        await client.read_for(0.05)

    got = await run_sim({}, scenario)
    want = recorded(name)
    (resp,) = [f for f in got if f.name == "OriginateResponse"]
    (ref,) = [f for f in want if f.name == "OriginateResponse"]
    assert list(resp) == list(ref)
    assert (resp["Response"], resp["Reason"], resp["Uniqueid"]) == ("Failure", reason, "<unknown>")
    assert resp["Channel"] == "PJSIP/79001110002@trunk"  # the dial string (gotcha 11)
    assert [f["Cause"] for f in got if f.name == "Hangup"] == [cause]
