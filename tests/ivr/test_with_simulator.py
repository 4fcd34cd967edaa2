"""The IVR driven by the project's PBX simulator (cti.sim), as in the embedded running mode."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from cti.sim.config import MemberConfig, QueueConfig, SimConfig
from cti.sim.simulator import PbxSimulator
from ivr.memory_backend import MemoryBackend
from ivr.server import IvrServer
from ivr.values import IvrSessionRecord
from routing import RuleSet

from .conftest import KNOWN


@pytest.fixture
async def sim(server: IvrServer, rules: RuleSet) -> AsyncIterator[PbxSimulator]:
    queues = tuple(
        QueueConfig(name=name, members=(MemberConfig(interface=f"PJSIP/{3000 + n}", name=name),))
        for n, name in enumerate(rules.queues)
    )
    simulator = PbxSimulator(
        SimConfig(
            port=0,
            queues=queues,
            agi_address=f"127.0.0.1:{server.port}",
            answer_wait=0.01,
            agent_answer_delay=0.05,
            seed=1,
        )
    )
    await simulator.start()
    yield simulator
    await simulator.stop()


async def session_of(backend: MemoryBackend, call_id: str) -> IvrSessionRecord:
    async with asyncio.timeout(5):
        while True:
            found = [s for s in backend.sessions if s.call_id == call_id]
            if found:
                return found[0]
            await asyncio.sleep(0.02)


async def queue_variable(sim: PbxSimulator, call_id: str) -> str | None:
    for channel in sim.pbx.channels.values():
        if channel.linkedid == call_id and "CCDESK_QUEUE" in channel.variables:
            return channel.variables["CCDESK_QUEUE"]
    return None


async def test_simulated_caller_is_routed_into_the_chosen_queue(sim: PbxSimulator, backend: MemoryBackend) -> None:
    call_id = sim.place_inbound_call(KNOWN, via_ivr=True, ivr_digits=["1", "0"], talk_time=5, patience=30)
    record = await session_of(backend, call_id)  # the call card key is the CTI call id
    assert record.decision is not None and record.decision.queue == "billing"
    assert record.path[-1] == "operator-billing"
    assert await queue_variable(sim, call_id) == "billing"


async def test_simulated_caller_who_goes_silent_hangs_up_mid_menu(sim: PbxSimulator, backend: MemoryBackend) -> None:
    # the simulated caller presses 3, then times out once and hangs up
    call_id = sim.place_inbound_call(KNOWN, via_ivr=True, ivr_digits=["3"], patience=30)
    record = await session_of(backend, call_id)
    assert record.hung_up and record.outcome == "abandoned" and record.last_node == "meter"
    assert backend.stored_readings == []
