"""The FastAGI server survives what a network throws at it, and stops cleanly."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence

import pytest

from ivr.errors import IvrError
from ivr.memory_backend import MemoryBackend
from ivr.menu import Menu
from ivr.server import IvrServer
from ivr.values import AccountInfo, Balance
from routing import QueueLoad, RuleSet

from .conftest import KNOWN, MONDAY_NOON, sample_backend
from .fake_asterisk import call


async def _read_until_closed(reader: asyncio.StreamReader, timeout: float = 3.0) -> bytes:
    async with asyncio.timeout(timeout):
        return await reader.read()


async def _loop_lag(during: float) -> float:
    """The worst delay of a 10 ms timer over `during` seconds: large when the loop is starved."""
    worst = 0.0
    end = time.monotonic() + during
    while time.monotonic() < end:
        before = time.monotonic()
        await asyncio.sleep(0.01)
        worst = max(worst, time.monotonic() - before - 0.01)
    return worst


async def test_port_probe_does_not_freeze_the_loop(server: IvrServer) -> None:
    for _ in range(5):  # connect and close before sending any environment
        _, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.close()
        await writer.wait_closed()
    assert await _loop_lag(0.3) < 0.1
    log = await call(server.port, caller_id=KNOWN, keys=["5"])  # still serving calls
    assert log.closed_by_server
    await asyncio.sleep(0.05)
    assert server.active_sessions == 0


@pytest.mark.parametrize(
    "garbage",
    [
        b"GET / HTTP/1.0\n\n",  # a blank line but no agi_network_script
        b"\x00\xff\xfe garbage\n\n",
        b"agi_network_script: other-script\nagi_callerid: 79001234567\n\n",  # not our script
    ],
)
async def test_garbage_is_answered_by_closing(server: IvrServer, garbage: bytes) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(garbage)
    await writer.drain()
    assert await _read_until_closed(reader) == b""  # closed without a single command
    writer.close()


async def test_silent_peer_is_dropped_after_the_environment_timeout(server: IvrServer) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"agi_network: yes\n")  # then nothing: a stalled or slow peer
    started = time.monotonic()
    assert await _read_until_closed(reader) == b""
    assert 0.4 < time.monotonic() - started < 2.0  # env_timeout is 0.5 s in the fixture
    writer.close()


async def test_endless_line_is_cut_off(server: IvrServer) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(b"agi_x: " + b"a" * 40_000)
        await writer.drain()
    except ConnectionError:
        pass
    assert await _read_until_closed(reader) == b""
    writer.close()


async def test_peer_that_stops_answering_commands_is_timed_out(
    menu: Menu, rules: RuleSet, backend: MemoryBackend
) -> None:
    srv = IvrServer(
        menu=menu,
        backend=backend,
        rules=rules,
        port=0,
        reply_timeout=0.3,
        clock=lambda: MONDAY_NOON,
    )
    await srv.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
        writer.write(b"agi_network: yes\nagi_network_script: ivr\nagi_callerid: 79001234567\n\n")
        first = await reader.readline()  # the IVR's first command; we never answer it
        assert first.startswith(b"GET FULL VARIABLE")
        assert await _read_until_closed(reader) == b""
        writer.close()
        await asyncio.sleep(0.05)
        assert backend.sessions[0].hung_up  # recorded as a caller who went away
    finally:
        await srv.stop()


async def test_stop_cancels_and_awaits_live_sessions(menu: Menu, rules: RuleSet, backend: MemoryBackend) -> None:
    srv = IvrServer(menu=menu, backend=backend, rules=rules, port=0, clock=lambda: MONDAY_NOON)
    await srv.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
    writer.write(b"agi_network: yes\nagi_network_script: ivr\nagi_callerid: 79001234567\n\n")
    assert (await reader.readline()).startswith(b"GET FULL VARIABLE")  # session is waiting on us
    assert srv.active_sessions == 1
    await asyncio.wait_for(srv.stop(), 2.0)
    assert srv.active_sessions == 0
    assert await _read_until_closed(reader) == b""
    writer.close()
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", srv.port)


async def test_port_in_use_is_a_clear_error(server: IvrServer, menu: Menu, rules: RuleSet) -> None:
    other = IvrServer(menu=menu, backend=sample_backend(), rules=rules, port=server.port)
    with pytest.raises(IvrError, match="cannot listen for FastAGI"):
        await other.start()


async def test_many_callers_at_once(server: IvrServer, backend: MemoryBackend) -> None:
    logs = await asyncio.gather(
        *(call(server.port, caller_id=KNOWN, keys=["1", "9"], uniqueid=f"1.{n}", linkedid=f"1.{n}") for n in range(30))
    )
    assert all(log.played("balance-is") == 1 for log in logs)
    assert len(backend.sessions) == 30


async def test_missing_sound_file_does_not_end_the_call(server: IvrServer) -> None:
    log = await call(server.port, caller_id=KNOWN, keys=["5"], missing_prompts=frozenset({"welcome"}))
    assert log.commands[2:4] == [
        'STREAM FILE welcome ""',
        "CHANNEL STATUS",
    ]  # -1: was it a hang-up?
    assert log.played("callback-registered") == 1 and log.script_hung_up


async def test_without_linkedid_the_uniqueid_keys_the_call_card(server: IvrServer, backend: MemoryBackend) -> None:
    await call(server.port, caller_id=KNOWN, keys=["5"], linkedid=None, uniqueid="1795459467.87")
    assert backend.sessions[0].call_id == "1795459467.87"


class BrokenBalance(MemoryBackend):
    async def balance(self, account_id: int) -> Balance:
        raise RuntimeError("database is down")


async def test_backend_failure_hands_the_caller_to_an_operator(menu: Menu, rules: RuleSet) -> None:
    data = sample_backend()
    broken = BrokenBalance(accounts=data.accounts, phones=data.phones)
    srv = IvrServer(menu=menu, backend=broken, rules=rules, port=0, clock=lambda: MONDAY_NOON)
    await srv.start()
    try:
        log = await call(srv.port, caller_id=KNOWN, keys=["1"])
    finally:
        await srv.stop()
    assert log.variables["CCDESK_QUEUE"] == "support"
    assert broken.sessions[0].path[-1] == "operator"


class SlowBackend(MemoryBackend):
    async def accounts_by_phone(self, e164: str) -> Sequence[AccountInfo]:
        await asyncio.sleep(10)
        return []


async def test_slow_backend_is_timed_out(menu: Menu, rules: RuleSet) -> None:
    slow = SlowBackend()
    srv = IvrServer(menu=menu, backend=slow, rules=rules, port=0, backend_timeout=0.2, clock=lambda: MONDAY_NOON)
    await srv.start()
    try:
        log = await call(srv.port, caller_id=KNOWN, keys=[])
    finally:
        await srv.stop()
    assert log.variables["CCDESK_QUEUE"] == "support"


async def test_queue_load_reaches_routing(menu: Menu, rules: RuleSet) -> None:
    backend = sample_backend()
    load = {"billing": QueueLoad(waiting=9, available_agents=0)}
    srv = IvrServer(
        menu=menu,
        backend=backend,
        rules=rules,
        port=0,
        clock=lambda: MONDAY_NOON,
        queue_load=lambda: load,
    )
    await srv.start()
    try:
        log = await call(srv.port, caller_id=KNOWN, keys=["1", "0"])
    finally:
        await srv.stop()
    assert (log.variables["CCDESK_QUEUE"], log.variables["CCDESK_PRIORITY"]) == ("support", "1")
    decision = backend.sessions[0].decision
    assert decision is not None and decision.rule_id == "billing-overflow"


ENVIRONMENT = (
    b"agi_network: yes\nagi_network_script: ivr?lang=ru\nagi_channel: PJSIP/trunk-1\n"
    b"agi_uniqueid: 1.1\nagi_callerid: 79001234567\n\n"
)


async def _connect_from(source: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))


async def _refused(reader: asyncio.StreamReader) -> bool:
    """Closed without a single command (a reset too: the server closed with our environment unread)."""
    try:
        return await _read_until_closed(reader) == b""
    except ConnectionResetError:
        return True


async def _first_command(reader: asyncio.StreamReader) -> bytes:
    async with asyncio.timeout(3):
        return await reader.readline()


@pytest.fixture
async def pbx_only(menu: Menu, rules: RuleSet, backend: MemoryBackend):  # type: ignore[no-untyped-def]
    """A FastAGI server that accepts only the "PBX" at 127.0.0.2, at most two sessions from one address."""
    srv = IvrServer(
        menu=menu,
        backend=backend,
        rules=rules,
        port=0,
        clock=lambda: MONDAY_NOON,
        env_timeout=2.0,
        allow="127.0.0.2, 127.0.0.3",
        max_sessions=10,
        max_sessions_per_peer=2,
    )
    await srv.start()
    yield srv
    await srv.stop()


async def test_a_peer_outside_the_allow_list_is_refused_before_any_work(pbx_only: IvrServer) -> None:
    reader, writer = await _connect_from("127.0.0.1", pbx_only.port)
    writer.write(ENVIRONMENT)
    assert await _refused(reader)  # not one command: it learns nothing
    writer.close()
    assert pbx_only.refused == 1 and pbx_only.active_sessions == 0
    reader, writer = await _connect_from("127.0.0.2", pbx_only.port)  # the PBX is served
    writer.write(ENVIRONMENT)
    assert (await _first_command(reader)).startswith(b"GET FULL VARIABLE")
    writer.close()


async def test_one_peer_cannot_take_every_session(pbx_only: IvrServer) -> None:
    held = []
    for _ in range(2):  # two calls in the IVR from one PBX: both served
        reader, writer = await _connect_from("127.0.0.2", pbx_only.port)
        writer.write(ENVIRONMENT)
        assert (await _first_command(reader)).startswith(b"GET FULL VARIABLE")
        held.append(writer)
    reader, writer = await _connect_from("127.0.0.2", pbx_only.port)  # the third is refused
    writer.write(ENVIRONMENT)
    assert await _refused(reader)
    writer.close()
    other_reader, other = await _connect_from("127.0.0.3", pbx_only.port)  # another PBX still gets a slot
    other.write(ENVIRONMENT)
    assert (await _first_command(other_reader)).startswith(b"GET FULL VARIABLE")
    for w in [*held, other]:
        w.close()


def test_the_default_allow_list_is_loopback_only(server: IvrServer) -> None:
    assert [str(n) for n in server.allow] == ["127.0.0.1/32", "::1/128"]


def test_a_bad_allow_entry_is_named() -> None:
    with pytest.raises(IvrError, match=re.escape("'10.0.0.300'")):
        IvrServer(menu=None, backend=None, rules=None, allow="10.0.0.1, 10.0.0.300")  # type: ignore[arg-type]
