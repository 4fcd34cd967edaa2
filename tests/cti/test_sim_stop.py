"""Stopping the simulator ends every call flow, whatever the flow was doing.

A run of tests/cti once hung at the pytest timeout: a flow that got a signal in the
same loop turn as ``stop()`` cancelled it kept running (Python 3.11's ``wait_for``
returns the result and drops the cancellation), and ``stop()`` waited for it forever.
"""

from __future__ import annotations

import asyncio

from cti.sim import MemberConfig, PbxSimulator
from cti.sim.call import SimCall
from cti.sim.channel import SimChannel

from .conftest import connect, fast_config

STOP_WITHIN = 5.0  # seconds; a healthy stop takes milliseconds


def _call() -> SimCall:
    caller = SimChannel(
        name="PJSIP/trunk-00000001", uniqueid="1.1", linkedid="1.1", device="PJSIP/trunk", context="x", exten="s"
    )
    return SimCall(call_id="1.1", caller=caller)


async def test_a_flow_cancelled_as_its_signal_arrives_is_cancelled() -> None:
    call = _call()
    waiter = asyncio.ensure_future(call.next_signal(None))
    await asyncio.sleep(0)  # the flow now waits for its next signal
    call.signal("poke")
    waiter.cancel()
    done, _ = await asyncio.wait({waiter}, timeout=STOP_WITHIN)
    assert waiter in done and waiter.cancelled()
    left = await call.next_signal(0)
    assert left is not None and left.kind == "poke"  # the signal stays for whoever reads next


async def test_a_flow_waiting_with_a_timeout_is_cancelled_as_its_signal_arrives() -> None:
    call = _call()
    waiter = asyncio.ensure_future(call.next_signal(30.0))
    await asyncio.sleep(0)
    call.signal("poke")
    waiter.cancel()
    done, _ = await asyncio.wait({waiter}, timeout=STOP_WITHIN)
    assert waiter in done and waiter.cancelled()


async def test_the_timeout_still_ends_the_wait() -> None:
    assert await _call().next_signal(0.01) is None


async def test_stop_ends_a_chanspy_that_gets_a_signal_as_the_simulator_stops() -> None:
    sim = PbxSimulator(fast_config(phones=(MemberConfig(interface="PJSIP/agent4", name="Supervisor"),)))
    await sim.start()
    client = await connect(sim)
    client.send(
        Action="Originate",
        ActionID="spy",
        Channel="PJSIP/agent4",
        Application="ChanSpy",
        Data="PJSIP/agent1,q",
        CallerID="Listen <5551>",
        Async="true",
    )
    await client.until(lambda f: f.get("Event") == "OriginateResponse" and f.get("Response") == "Success")
    spyer = next(c for c in sim.pbx.channels.values() if c.name.startswith("PJSIP/agent4-"))
    assert spyer.call is not None
    await client.close()
    await sim.stop(keep_calls=True)  # the AMI port closes; the ChanSpy (which only ends on a hang-up) goes on
    spyer.call.signal("poke")  # a signal in the same loop turn as the cancellation
    stopping = asyncio.ensure_future(sim.stop())
    done, _ = await asyncio.wait({stopping}, timeout=STOP_WITHIN)
    if not done:  # leave nothing running in the shared loop, then fail
        for task in list(sim.pbx.tasks):
            task.cancel()
        await asyncio.wait({stopping}, timeout=STOP_WITHIN)
    assert done, "stop() still waits for a call flow"
    assert not sim.pbx.tasks


async def test_stop_cancels_again_a_flow_that_swallowed_its_cancellation() -> None:
    sim = PbxSimulator(fast_config())
    await sim.start()
    swallowed = asyncio.Event()

    async def stubborn() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            swallowed.set()  # what wait_for on Python 3.11 can do to a flow
        await asyncio.sleep(3600)

    flow = sim.pbx.spawn(stubborn())
    await asyncio.sleep(0)
    stopping = asyncio.ensure_future(sim.stop())
    done, _ = await asyncio.wait({stopping}, timeout=STOP_WITHIN)
    if not done:
        flow.cancel()
        await asyncio.wait({stopping}, timeout=STOP_WITHIN)
    assert done, "stop() still waits for a call flow"
    assert swallowed.is_set() and flow.cancelled()
