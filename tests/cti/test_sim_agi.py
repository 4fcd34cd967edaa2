"""IVR calls: the simulator connects to a FastAGI server as Asterisk does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from cti.sim import PbxSimulator

from .conftest import connect, fast_config


class Script:
    """A minimal IVR: answers, asks for a digit, routes or self-serves."""

    def __init__(self, route_to: str | None) -> None:
        self.route_to = route_to
        self.env: bytes = b""
        self.replies: list[str] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.env = await reader.readuntil(b"\n\n")

        async def cmd(line: str) -> str:
            writer.write(line.encode() + b"\n")
            await writer.drain()
            reply = (await reader.readline()).decode().strip()
            self.replies.append(reply)
            return reply

        await cmd("ANSWER")
        await cmd('STREAM FILE welcome ""')
        await cmd("GET DATA menu 3000 1")
        await cmd("GET DATA menu 3000 1")  # the script ran out: the caller times out
        await cmd("NO SUCH COMMAND")
        await cmd("EXEC NoOp hello")
        if self.route_to:
            await cmd(f"SET VARIABLE CCDESK_QUEUE {self.route_to}")
            await cmd("SET VARIABLE CCDESK_PRIORITY 5")
        writer.close()
        await writer.wait_closed()


@pytest.fixture
async def agi_server() -> AsyncIterator[tuple[asyncio.Server, list[Script]]]:
    scripts: list[Script] = []
    pending = [Script("support"), Script(None)]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        script = pending.pop(0)
        scripts.append(script)
        await script.handle(reader, writer)

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    yield server, scripts
    server.close()
    await server.wait_closed()


async def test_ivr_call_speaks_fastagi_and_routes_by_ccdesk_queue(
    agi_server: tuple[asyncio.Server, list[Script]],
) -> None:
    server, scripts = agi_server
    port = server.sockets[0].getsockname()[1]
    sim = PbxSimulator(fast_config(agi_address=f"127.0.0.1:{port}"))
    await sim.start()
    try:
        client = await connect(sim)
        routed = sim.place_inbound_call("79001234567", did="88005550100", via_ivr=True, ivr_digits=["2"], talk_time=0.2)
        await client.until(lambda f: f.get("Event") == "AgentComplete" and f.get("Linkedid") == routed)
        self_served = sim.place_inbound_call("79001234568", via_ivr=True, ivr_digits=["1"])
        await client.until(lambda f: f.get("Event") == "Hangup" and f.get("Uniqueid") == self_served)
        await client.close()
    finally:
        await sim.stop()
    first = scripts[0]
    env = first.env.decode()
    assert "\r" not in env and env.endswith("\n\n")
    assert "agi_network: yes" in env and "agi_callerid: 79001234567" in env
    assert "agi_request: agi://127.0.0.1:" in env
    assert first.replies[:6] == [
        "200 result=0",
        "200 result=0 endpos=8000",
        "200 result=2",
        "200 result= (timeout)",
        "510 Invalid or unknown command",
        "200 result=0",
    ]
    names = [(f.get("Event"), f.get("Queue")) for f in client.frames if f.get("Linkedid") == routed]
    assert ("QueueCallerJoin", "support") in names
    assert ("AGIExecStart", None) in names
    entry = [f for f in client.frames if f.get("Event") == "QueueCallerJoin"]
    assert len(entry) == 1  # the self-served caller never reached a queue


async def test_a_script_line_and_a_hang_up_in_the_same_turn_are_both_seen() -> None:
    """Both come in one loop turn: the command must be answered, the hang-up told (neither lost)."""
    from cti.sim.agi import _next_of
    from cti.sim.call import SimCall
    from cti.sim.channel import SimChannel

    caller = SimChannel(
        name="PJSIP/trunk-1", uniqueid="1.1", linkedid="1.1", device="PJSIP/trunk", context="x", exten="s"
    )
    call = SimCall(call_id="1.1", caller=caller)
    reader = asyncio.StreamReader()
    waiting = asyncio.ensure_future(_next_of(call, reader))
    await asyncio.sleep(0)
    reader.feed_data(b"GET DATA menu 3000 1\n")
    call.signal("caller_hangup")
    sig, line = await asyncio.wait_for(waiting, 5)
    if sig is None:  # the line came first; the hang-up must still be there for the next turn
        sig, more = await asyncio.wait_for(_next_of(call, reader), 5)
        assert more is None
    assert sig is not None and sig.kind == "caller_hangup"
    assert line == b"GET DATA menu 3000 1\n"


async def test_a_cancelled_agi_wait_leaves_the_call_s_signals_alone() -> None:
    from cti.sim.agi import _next_of
    from cti.sim.call import SimCall
    from cti.sim.channel import SimChannel

    caller = SimChannel(
        name="PJSIP/trunk-1", uniqueid="1.1", linkedid="1.1", device="PJSIP/trunk", context="x", exten="s"
    )
    call = SimCall(call_id="1.1", caller=caller)
    waiting = asyncio.ensure_future(_next_of(call, asyncio.StreamReader()))
    await asyncio.sleep(0)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    call.signal("caller_hangup")  # nobody left over from the AGI wait takes it
    assert (await call.next_signal(1.0)) is not None
