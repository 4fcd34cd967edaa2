"""A call-back over real TCP: the bridge (AmiClient + CallControl) against the PBX simulator.

ccdesk's call-back, and another AMI client's identical click-to-dial, ring the operator's
phone first (``Originate Channel=PJSIP/agent1 Application=Dial Data=PJSIP/<n>@trunk``); the
events must tell the customer's fate, never the phone's pickup.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from cti import AmiClient, CallControl
from cti.control import Originate
from cti.events import (
    CallAnswered,
    CallEnded,
    CallOffered,
    Direction,
    Event,
    OriginateOutcome,
    OriginateResult,
    PbxResynced,
)
from cti.sim import PbxSimulator

from .conftest import RawClient, connect
from .test_client import Recorder, client_config

NUMBER = "79161234567"
CALL = "cb-sim-1"


@pytest.fixture
async def watcher(sim: PbxSimulator) -> AsyncIterator[tuple[AmiClient, Recorder]]:
    """ccdesk's bridge, connected and resynced."""
    client = AmiClient(client_config(sim))
    rec = Recorder(client)
    await client.start()
    await client.wait_connected(5)
    await rec.wait(lambda: rec.of(PbxResynced))
    yield client, rec
    await client.close()


async def _answer_phone(sim: PbxSimulator, interface: str, timeout: float = 5.0) -> None:
    end = time.monotonic() + timeout
    while not sim.answer(interface):
        if time.monotonic() > end:
            raise AssertionError(f"{interface} never rang")
        await asyncio.sleep(0.01)


def _told(rec: Recorder) -> list[Event]:
    kinds = (CallOffered, OriginateResult, CallAnswered, CallEnded)
    return [e for e in rec.events if isinstance(e, kinds) and e.call_id == CALL]


@pytest.mark.parametrize("who", ["ours", "foreign"])
@pytest.mark.parametrize(
    "outcome, expected",
    [
        ("answered", OriginateOutcome.ANSWERED),
        ("busy", OriginateOutcome.BUSY),
        ("no_answer", OriginateOutcome.NO_ANSWER),
        ("phone not picked up", OriginateOutcome.NO_ANSWER),
    ],
)
async def test_a_call_back_tells_the_customers_fate(
    sim: PbxSimulator, watcher: tuple[AmiClient, Recorder], who: str, outcome: str, expected: OriginateOutcome
) -> None:
    client, rec = watcher
    sim.set_auto_answer("PJSIP/agent1", None)  # the operator picks up (or not) by hand
    picks_up = outcome != "phone not picked up"
    if picks_up:
        sim.set_outbound_outcome(NUMBER, outcome)
    data, timeout = f"PJSIP/{NUMBER}@trunk,1", (5.0 if picks_up else 0.3)
    other: RawClient | None = None
    if who == "ours":
        result = await CallControl(client).execute(
            Originate(destination="PJSIP/agent1", application="Dial", data=data, timeout=timeout, channel_id=CALL)
        )
        assert result.ok
    else:
        other = await connect(sim)
        other.send(
            Action="Originate",
            ActionID="crm-1",
            Channel="PJSIP/agent1",
            Application="Dial",
            Data=data,
            ChannelId=CALL,
            Timeout=str(int(timeout * 1000)),
            Async="true",
        )
    try:
        if picks_up:
            await _answer_phone(sim, "PJSIP/agent1")
        await rec.wait(lambda: any(isinstance(e, CallEnded) for e in _told(rec)), timeout=10)
    finally:
        if other is not None:
            await other.close()
    told = _told(rec)
    answered = outcome == "answered"
    want = (
        [CallOffered, OriginateResult, CallAnswered, CallEnded]
        if answered
        else [CallOffered, OriginateResult, CallEnded]
    )
    assert [type(e) for e in told] == want
    offered, result_event, ended = told[0], told[1], told[-1]
    assert isinstance(offered, CallOffered) and isinstance(result_event, OriginateResult)
    assert isinstance(ended, CallEnded)
    assert (offered.direction, offered.caller_number, offered.agent) == (Direction.OUTBOUND, NUMBER, "PJSIP/agent1")
    assert (result_event.outcome, result_event.customer_number, result_event.foreign) == (
        expected,
        NUMBER,
        who == "foreign",
    )
    assert (ended.answered, ended.outcome, ended.agent) == (answered, expected, "PJSIP/agent1")
    if answered:
        assert isinstance(told[2], CallAnswered) and told[2].agent == "PJSIP/agent1"
    assert client.tracker.stats()["calls"] == 0
