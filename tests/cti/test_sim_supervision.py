"""The simulator honours what a supervisor sends, over TCP through the AMI client and call control:
QueueChangePriorityCaller moves a waiting caller up its queue, a Redirect of a waiting caller to
<extension>@agents rings that desk phone (app_queue reports an abandon; the tracker knows the caller was taken,
not lost), and ChanSpy on an
operator's very channel with option E ends when the spied call does."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from cti import AmiClient, CallControl, Redirect, Spy
from cti.control import ChangeCallerPriority
from cti.events import AgentRinging, CallAbandoned, CallAnswered, CallEnded, CallQueued, PbxResynced, SpyStarted
from cti.sim import PbxSimulator, QueueConfig

from .conftest import connect, fast_config
from .test_client import Recorder, client_config

PHONE = "PJSIP/1009"  # the supervisor's desk phone


@pytest.fixture
async def quiet() -> AsyncIterator[PbxSimulator]:
    """support with no member: callers wait; billing with agent1 answering at once."""
    sim = PbxSimulator(
        fast_config(
            queues=(
                QueueConfig(name="support", timeout=30.0),
                QueueConfig(
                    name="billing",
                    ring_timeout=0.3,
                    retry=0.1,
                    timeout=5.0,
                    members=(fast_config().queues[0].members[0],),
                ),
            ),
            abandon_patience=(30.0, 30.0),
            talk_time=(30.0, 30.0),
        )
    )
    await sim.start()
    sim.ensure_phone(PHONE, auto_answer=0.05)
    yield sim
    await sim.stop()


@pytest.fixture
async def control(quiet: PbxSimulator) -> AsyncIterator[tuple[CallControl, Recorder]]:
    client = AmiClient(client_config(quiet))
    rec = Recorder(client)
    await client.start()
    await client.wait_connected(5)
    await rec.wait(lambda: rec.of(PbxResynced))
    yield CallControl(client), rec
    await client.close()


def waiting(sim: PbxSimulator, queue: str = "support") -> list[str]:
    return list(sim.snapshot()["queues"][queue]["waiting"])


def caller_channel(sim: PbxSimulator, call_id: str) -> str:
    return str(
        next(c["channel"] for c in sim.snapshot()["channels"] if c["call_id"] == call_id and c["role"] == "caller")
    )


async def test_a_higher_priority_puts_a_waiting_caller_ahead(
    quiet: PbxSimulator, control: tuple[CallControl, Recorder]
) -> None:
    cc, rec = control
    first = quiet.place_inbound_call("79001110001", queue="support")
    await rec.wait(lambda: rec.of(CallQueued, call_id=first))
    second = quiet.place_inbound_call("79001110002", queue="support")
    await rec.wait(lambda: rec.of(CallQueued, call_id=second))
    assert waiting(quiet) == [first, second]

    moved = await cc.execute(ChangeCallerPriority(queue="support", channel=caller_channel(quiet, second), priority=5))
    assert (moved.ok, moved.message) == (True, "Priority change for caller on queue")
    assert waiting(quiet) == [second, first]
    # The same priority again keeps the order: a caller goes behind those of its own priority.
    same = await cc.execute(ChangeCallerPriority(queue="support", channel=caller_channel(quiet, first), priority=5))
    assert same.ok and waiting(quiet) == [second, first]

    nope = await cc.execute(ChangeCallerPriority(queue="vip", channel=caller_channel(quiet, first), priority=1))
    assert (nope.ok, nope.message) == (False, "Unable to change priority caller on queue: No such queue")
    gone = await cc.execute(ChangeCallerPriority(queue="support", channel="PJSIP/trunk-0000ffff", priority=1))
    assert (gone.ok, gone.message) == (False, "Unable to change priority caller on queue: No such caller")


@pytest.mark.parametrize(
    "headers, message",
    [
        ({"Queue": "support", "Caller": "PJSIP/trunk-1"}, "'Priority' not specified."),
        ({"Queue": "support", "Caller": "PJSIP/trunk-1", "Priority": "high"}, "'Priority' need integer."),
        ({"Caller": "PJSIP/trunk-1", "Priority": "1"}, "'Queue' not specified."),
        ({"Queue": "support", "Priority": "1"}, "'Caller' not specified."),
    ],
)
async def test_a_malformed_priority_change_is_refused_as_app_queue_does(
    quiet: PbxSimulator, headers: dict[str, str], message: str
) -> None:
    raw = await connect(quiet)
    try:
        raw.send(Action="QueueChangePriorityCaller", ActionID="p1", **headers)
        frames = await raw.until(lambda f: f.get("ActionID") == "p1")
        answer = next(f for f in frames if f.get("ActionID") == "p1")
        assert (answer.get("Response"), answer.get("Message")) == ("Error", message)
    finally:
        await raw.close()


async def test_a_waiting_caller_redirected_to_a_desk_phone_leaves_the_queue_and_is_answered_there(
    quiet: PbxSimulator, control: tuple[CallControl, Recorder]
) -> None:
    cc, rec = control
    call_id = quiet.place_inbound_call("79001110003", queue="support")
    await rec.wait(lambda: rec.of(CallQueued, call_id=call_id))
    red = await cc.execute(Redirect(channel=caller_channel(quiet, call_id), context="agents", exten="1009"))
    assert red.ok and red.message == "Redirect successful"
    await rec.wait(lambda: rec.of(CallAnswered, call_id=call_id))
    assert waiting(quiet) == []
    assert [e.agent for e in rec.of(AgentRinging, call_id=call_id)] == [PHONE]
    assert rec.of(CallAnswered, call_id=call_id)[0].agent == PHONE
    # The caller hangs up after talking to the supervisor: an answered call, never an abandoned one (app_queue
    # sent QueueCallerAbandon when the Redirect took the caller out of Queue()).
    assert quiet.hangup_caller(call_id)
    await rec.wait(lambda: rec.of(CallEnded, call_id=call_id))
    assert rec.of(CallAbandoned, call_id=call_id) == [], "taken over, not abandoned"
    ended = rec.of(CallEnded, call_id=call_id)[0]
    assert (ended.answered, ended.agent) == (True, PHONE)


async def test_chanspy_on_the_operators_very_channel_ends_with_the_spied_call(
    quiet: PbxSimulator, control: tuple[CallControl, Recorder]
) -> None:
    cc, rec = control
    call_id = quiet.place_inbound_call("79001110004", queue="billing")
    await rec.wait(lambda: rec.of(CallAnswered, call_id=call_id))
    agent_channel = rec.of(CallAnswered, call_id=call_id)[0].agent_channel
    assert agent_channel
    spy = await cc.execute(Spy(phone=PHONE, target=agent_channel, options="qE", caller_id="Agent One <agent1>"))
    assert spy.ok
    await rec.wait(lambda: rec.of(SpyStarted, call_id=call_id))
    started = rec.of(SpyStarted, call_id=call_id)[0]
    assert (started.spy, started.spied_agent, started.spied_channel) == (PHONE, "PJSIP/agent1", agent_channel)

    assert quiet.hangup_caller(call_id)
    await rec.wait(lambda: not [c for c in quiet.snapshot()["channels"] if c["channel"].startswith(PHONE + "-")])
