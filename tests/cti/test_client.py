"""The AMI client against the simulator over real TCP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest

from cti import AmiClient, AmiConfig, CallControl
from cti.control import (
    BlindTransfer,
    CliCommand,
    Hangup,
    Originate,
    QueueAdd,
    QueuePause,
    QueueRemove,
    Redirect,
)
from cti.errors import InvalidValue
from cti.events import (
    AgentRinging,
    AgentStateChanged,
    CallAnswered,
    CallEnded,
    CallOffered,
    CallQueued,
    CallTransferred,
    Event,
    MemberChange,
    OriginateOutcome,
    OriginateResult,
    PbxConnected,
    PbxDisconnected,
    PbxHealth,
    PbxLoginFailed,
    PbxResynced,
    TransferKind,
)
from cti.sim import PbxSimulator


class Recorder:
    def __init__(self, client: AmiClient) -> None:
        self.events: list[Event] = []
        client.subscribe(self.events.append)

    def of(self, event_type: type, /, **match: object) -> list:  # type: ignore[type-arg]
        return [
            e for e in self.events if isinstance(e, event_type) and all(getattr(e, k) == v for k, v in match.items())
        ]

    async def wait(self, predicate: Callable[[], object], timeout: float = 5.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if predicate():
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"timed out; events: {[type(e).__name__ for e in self.events]}")


def client_config(sim: PbxSimulator, **kw: object) -> AmiConfig:
    base: dict[str, object] = dict(
        port=sim.port,
        username="ops",
        secret="ops-secret",
        reconnect_min=0.05,
        reconnect_max=0.2,
        action_timeout=2.0,
        ping_interval=0.2,
        ping_timeout=0.3,
    )
    base.update(kw)
    return AmiConfig(**base)  # type: ignore[arg-type]


@pytest.fixture
async def bridge(sim: PbxSimulator) -> AsyncIterator[tuple[AmiClient, Recorder]]:
    client = AmiClient(client_config(sim))
    rec = Recorder(client)
    await client.start()
    await client.wait_connected(5)
    await rec.wait(lambda: rec.of(PbxResynced))
    yield client, rec
    await client.close()


async def test_login_connects_and_resyncs(bridge: tuple[AmiClient, Recorder]) -> None:
    client, rec = bridge
    assert client.health is PbxHealth.CONNECTED
    assert client.version == "11.0.0"
    assert rec.of(PbxConnected) and rec.of(PbxResynced)[0].active_calls == 0
    assert rec.of(AgentStateChanged, change=MemberChange.SNAPSHOT, agent="PJSIP/agent1")


async def test_wrong_secret_is_reported_and_retried_with_backoff(sim: PbxSimulator) -> None:
    client = AmiClient(client_config(sim, secret="wrong"))
    rec = Recorder(client)
    await client.start()
    try:
        await rec.wait(lambda: len(rec.of(PbxLoginFailed)) >= 2)
        assert client.health is PbxHealth.LOGIN_FAILED
        assert rec.of(PbxLoginFailed)[0].message == "Authentication failed"
        assert "wrong" not in repr(client) and "wrong" not in repr(client.config)
    finally:
        await client.close()


async def test_inbound_call_is_tracked_end_to_end(sim: PbxSimulator, bridge: tuple[AmiClient, Recorder]) -> None:
    _, rec = bridge
    call_id = sim.place_inbound_call("79001234567", queue="support", talk_time=0.3)
    await rec.wait(lambda: rec.of(CallEnded, call_id=call_id))
    kinds = [type(e) for e in rec.events if getattr(e, "call_id", None) == call_id]
    assert kinds == [CallOffered, CallQueued, AgentRinging, CallAnswered, CallEnded]
    ended = rec.of(CallEnded, call_id=call_id)[0]
    assert ended.answered and ended.agent == "PJSIP/agent1" and ended.ended_by == "caller"
    assert rec.of(CallOffered, call_id=call_id)[0].caller_number == "79001234567"


async def test_every_control_action(sim: PbxSimulator, bridge: tuple[AmiClient, Recorder]) -> None:
    client, rec = bridge
    control = CallControl(client)
    ok = await control.execute(QueueAdd(queue="support", interface="PJSIP/1001", member_name="Olga"))
    assert ok.ok and ok.message == "Added interface to queue"
    dup = await control.execute(QueueAdd(queue="support", interface="PJSIP/1001"))
    assert not dup.ok and dup.message == "Unable to add interface: Already there"
    paused = await control.execute(QueuePause(interface="PJSIP/1001", paused=True, reason="lunch"))
    assert paused.ok and paused.message == "Interface paused successfully"
    await rec.wait(
        lambda: rec.of(AgentStateChanged, change=MemberChange.PAUSED, agent="PJSIP/1001", pause_reason="lunch")
    )
    unpaused = await control.execute(QueuePause(interface="PJSIP/1001", paused=False))
    assert unpaused.message == "Interface unpaused successfully"
    cli = await control.execute(CliCommand(command="queue show support"))
    assert cli.ok and any("Olga" in line for line in cli.output)
    bad_cli = await control.execute(CliCommand(command="no such thing"))
    assert not bad_cli.ok
    removed = await control.execute(QueueRemove(queue="support", interface="PJSIP/1001"))
    assert removed.ok and rec.wait is not None
    missing = await control.execute(Hangup(channel="PJSIP/nope-00000000"))
    assert not missing.ok and missing.message == "No such channel"
    # Redirect of a bridged caller to another queue, then blind transfer, then hangup.
    sim.set_auto_answer("PJSIP/agent1", 0.05)
    call_id = sim.place_inbound_call("79005550001", queue="support", talk_time=30)
    await rec.wait(lambda: rec.of(CallAnswered, call_id=call_id))
    caller = next(c["channel"] for c in sim.snapshot()["channels"] if c["call_id"] == call_id and c["role"] == "caller")
    red = await control.execute(Redirect(channel=caller, context="incoming", exten="support"))
    assert red.ok and red.message == "Redirect successful"
    await rec.wait(lambda: len(rec.of(CallAnswered, call_id=call_id)) == 2)
    assert rec.of(CallTransferred, call_id=call_id, kind=TransferKind.REDIRECT)
    agent_chan = rec.of(CallAnswered, call_id=call_id)[-1].agent_channel
    bt = await control.execute(BlindTransfer(channel=agent_chan, context="incoming", exten="support"))
    assert bt.ok and bt.message == "Transfer succeeded"
    await rec.wait(lambda: len(rec.of(CallAnswered, call_id=call_id)) == 3)
    assert rec.of(CallTransferred, call_id=call_id, kind=TransferKind.BLIND)
    agent_chan = rec.of(CallAnswered, call_id=call_id)[-1].agent_channel
    hung = await control.execute(Hangup(channel=agent_chan))
    assert hung.ok and hung.message == "Channel Hungup"
    await rec.wait(lambda: rec.of(CallEnded, call_id=call_id))
    assert rec.of(CallEnded, call_id=call_id)[0].ended_by == "agent"
    assert len(rec.of(CallEnded, call_id=call_id)) == 1


@pytest.mark.parametrize(
    "outcome, expected",
    [
        ("answered", OriginateOutcome.ANSWERED),
        ("busy", OriginateOutcome.BUSY),
        ("no_answer", OriginateOutcome.NO_ANSWER),
        ("congestion", OriginateOutcome.CONGESTION),
        ("failed", OriginateOutcome.FAILED),
    ],
)
async def test_originate_outcomes(
    sim: PbxSimulator, bridge: tuple[AmiClient, Recorder], outcome: str, expected: OriginateOutcome
) -> None:
    client, rec = bridge
    number = {
        "answered": "71110000001",
        "busy": "71110000002",
        "no_answer": "71110000003",
        "congestion": "71110000004",
        "failed": "71110000005",
    }[outcome]
    sim.set_outbound_outcome(number, outcome)
    result = await CallControl(client).execute(
        Originate(
            destination=f"PJSIP/{number}@trunk",
            application="Wait",
            data="0.1",
            caller_id="Collections <74950000000>",
            timeout=0.3,
            correlation_id=f"att-{number}",
        )
    )
    assert result.ok and result.message == "Originate successfully queued"
    await rec.wait(lambda: rec.of(CallEnded, call_id=result.channel_id))
    got = rec.of(OriginateResult, call_id=result.channel_id)
    assert [r.outcome for r in got] == [expected]
    assert got[0].correlation_id == f"att-{number}"
    offered = rec.of(CallOffered, call_id=result.channel_id)[0]
    assert offered.direction.value == "outbound" and offered.caller_number == number
    kinds = [type(e) for e in rec.events if getattr(e, "call_id", None) == result.channel_id]
    assert kinds.index(OriginateResult) < kinds.index(CallEnded)


async def test_sync_originate_failure_is_reported(sim: PbxSimulator, bridge: tuple[AmiClient, Recorder]) -> None:
    client, rec = bridge
    sim.set_outbound_outcome("71110000009", "busy")
    result = await CallControl(client).execute(
        Originate(
            destination="PJSIP/71110000009@trunk", application="Wait", data="0.1", asynchronous=False, timeout=0.3
        )
    )
    assert not result.ok and result.message == "Originate failed"
    await rec.wait(lambda: rec.of(OriginateResult, call_id=result.channel_id))
    assert rec.of(OriginateResult, call_id=result.channel_id)[0].outcome is OriginateOutcome.FAILED


async def test_garbage_frames_are_skipped(sim: PbxSimulator, bridge: tuple[AmiClient, Recorder]) -> None:
    client, rec = bridge
    junk = (
        b"this is not AMI\r\n\r\nFoo: bar\r\n\r\n\x00\xff\xfe\r\n\r\n"
        b"Event: NoSuchEventType\r\nUniqueid: x\r\n\r\n"
        b"Event: Hangup\r\nUniqueid: never-seen\r\nLinkedid: nope\r\n\r\n"
    )
    sim.pbx.sinks[0](junk)
    call_id = sim.place_inbound_call("79001112233", queue="support", talk_time=0.2)
    await rec.wait(lambda: rec.of(CallEnded, call_id=call_id))
    assert client.health is PbxHealth.CONNECTED


async def test_restart_mid_call_neither_loses_nor_doubles_calls(
    sim: PbxSimulator, bridge: tuple[AmiClient, Recorder]
) -> None:
    client, rec = bridge
    survivor = sim.place_inbound_call("79000000001", queue="support", talk_time=1.5)
    vanishing = sim.place_inbound_call("79000000002", queue="support", talk_time=30, patience=30)
    await rec.wait(lambda: rec.of(CallAnswered, call_id=survivor) and rec.of(CallQueued, call_id=vanishing))
    await sim.stop(keep_calls=True)  # the AMI goes away; the calls go on
    await rec.wait(lambda: rec.of(PbxDisconnected))
    sim.hangup_caller(vanishing)  # ends while we are blind
    newcomer = sim.place_inbound_call("79000000003", queue="support", talk_time=0.3)
    await asyncio.sleep(0.1)
    await sim.start()
    await rec.wait(lambda: len(rec.of(PbxResynced)) == 2)
    await rec.wait(lambda: rec.of(CallEnded, call_id=survivor) and rec.of(CallEnded, call_id=newcomer), timeout=8)
    for call_id in (survivor, vanishing, newcomer):
        assert len(rec.of(CallOffered, call_id=call_id)) == 1, call_id
        assert len(rec.of(CallEnded, call_id=call_id)) == 1, call_id
    assert rec.of(CallEnded, call_id=vanishing)[0].lost_in_disconnect
    assert rec.of(CallOffered, call_id=newcomer)[0].seeded
    assert not rec.of(CallEnded, call_id=survivor)[0].lost_in_disconnect
    assert client.tracker.stats()["calls"] == 0


async def test_stalled_pbx_is_detected_and_replaced(sim: PbxSimulator, bridge: tuple[AmiClient, Recorder]) -> None:
    client, rec = bridge
    sim.stall(True)
    await rec.wait(lambda: rec.of(PbxDisconnected), timeout=3)
    assert rec.of(PbxDisconnected)[0].reason == "keep-alive timeout"
    sim.stall(False)
    await rec.wait(lambda: len(rec.of(PbxConnected)) == 2, timeout=3)
    assert client.health is PbxHealth.CONNECTED


async def test_close_cancels_a_pending_reconnect(sim: PbxSimulator) -> None:
    client = AmiClient(client_config(sim, port=1))  # nothing listens there
    await client.start()
    await asyncio.sleep(0.1)
    await client.close()
    assert client.health is PbxHealth.CLOSED


async def test_a_crlf_in_a_value_never_reaches_the_pbx(sim: PbxSimulator, bridge: tuple[AmiClient, Recorder]) -> None:
    """Issue 11: an operator's CR/LF would append an action of their own."""
    client, rec = bridge
    control = CallControl(client)
    smuggled = "lunch\r\n\r\nAction: QueueRemove\r\nQueue: support\r\nInterface: PJSIP/agent1"
    with pytest.raises(InvalidValue) as err:
        await control.execute(QueuePause(interface="PJSIP/agent1", paused=True, reason=smuggled))
    assert err.value.field == "reason"
    with pytest.raises(InvalidValue):
        await control.execute(Originate(destination="PJSIP/79001234567\r\nAction: Logoff@trunk", context="dialer"))
    shown = await control.execute(CliCommand(command="queue show support"))
    agent1 = [line for line in shown.output if "agent1" in line.lower()]
    assert agent1 and not any("paused" in line.lower() for line in agent1), "nothing was paused or removed"
    assert not rec.of(AgentStateChanged, agent="PJSIP/agent1", change=MemberChange.REMOVED)
    assert not rec.of(CallOffered) and not rec.of(OriginateResult)
    assert client.health is PbxHealth.CONNECTED
