"""agi.py against the exact bytes a real Asterisk 22 sent (../shared/ami-transcripts/06a, 06b).

Asterisk's side is replayed over a real socket: it sends the recorded environment, then for each
recorded command checks that ours is the same and writes the recorded reply bytes.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from ivr.agi import AgiChannel, AgiReply, parse_environment

TRANSCRIPTS = Path(
    os.environ.get("CCDESK_TRANSCRIPTS_DIR") or Path(__file__).resolve().parents[3] / "shared" / "ami-transcripts"
)


def agi_exchange(name: str) -> tuple[bytes, list[tuple[str, bytes]]]:
    path = TRANSCRIPTS / name
    if not path.exists():
        pytest.skip(f"{path} is not here (the transcripts live beside the repository)")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    rows = [r for r in rows if r["stream"] == "AGI"]
    env = rows[0]["data"].encode()
    pairs: list[tuple[str, bytes]] = []
    for row in rows[1:]:
        if row["dir"] == "send":
            pairs.append((row["data"].rstrip("\n"), b""))
        else:
            command, reply = pairs[-1]
            pairs[-1] = (command, reply + row["data"].encode())
    return env, pairs


async def replay(name: str) -> tuple[AgiChannel, list[AgiReply], bytes]:
    env, pairs = agi_exchange(name)
    accepted: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await accepted.put((reader, writer))

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]

    async def asterisk() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(env)
        for command, reply in pairs:
            line = await reader.readline()
            assert line.decode().rstrip("\n") == command
            writer.write(reply)
            await writer.drain()
        assert await reader.read() == b""  # then we close
        writer.close()

    peer = asyncio.create_task(asterisk())
    try:
        reader, writer = await asyncio.wait_for(accepted.get(), 2)
        block = await reader.readuntil(b"\n\n")
        channel = AgiChannel(reader, writer, reply_timeout=5)
        replies = [await channel.command(command) for command, _ in pairs]
        writer.close()
        await asyncio.wait_for(peer, 5)
    finally:
        peer.cancel()
        server.close()
        await server.wait_closed()
    return channel, replies, block


async def test_06a_environment_and_every_reply_parse() -> None:
    channel, replies, block = await replay("06a-fastagi-ivr.jsonl")
    request = parse_environment(block)
    assert (request.script, request.params, request.caller_id) == (
        "ivr",
        {"lang": "ru"},
        "79001234567",
    )
    assert request.language == "ru" and request.args == ("first arg", "second")
    assert request.env["agi_accountcode"] == ""
    by_command = dict(zip((c for c, _ in agi_exchange("06a-fastagi-ivr.jsonl")[1]), replies, strict=False))
    assert by_command["GET VARIABLE CUST_NUM"].data == "79001234567"
    assert by_command["GET VARIABLE NO_SUCH_VAR"].result == "0"
    assert by_command["GET FULL VARIABLE ${CALLERID(all)}"].data == '"IVR Caller" <79001234567>'
    assert by_command["CHANNEL STATUS"].number == 6
    assert by_command['STREAM FILE no-such-sound ""'].number == -1
    assert by_command["GET DATA hello-test 4000 3"].result == "123"
    assert by_command["THIS IS BOGUS"].code == 510
    assert by_command["GET DATA"].code == 520 and "End of proper usage" in by_command["GET DATA"].text
    assert by_command['SAY DIGITS 123 ""'].ok
    assert not channel.hung_up


async def test_06b_hangup_line_before_a_reply_is_not_taken_for_the_reply() -> None:
    channel, replies, _ = await replay("06b-fastagi-agi-hangup.jsonl")
    commands = [c for c, _ in agi_exchange("06b-fastagi-agi-hangup.jsonl")[1]]
    assert commands == ["ANSWER", "HANGUP", "NOOP", "GET VARIABLE CUST_NUM"]
    assert [r.result for r in replies] == ["0", "1", "0", "1"]
    assert replies[3].data == "79001234568"  # still in step after the HANGUP line
    assert channel.hung_up
