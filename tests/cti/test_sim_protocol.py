"""The simulator's AMI protocol against the recorded sessions: login (01),
actions and their errors (05a), queue member management (05b)."""

from __future__ import annotations

import asyncio
import hashlib
import json

from cti.frames import Frame
from cti.sim import MemberConfig, PbxSimulator, QueueConfig

from .conftest import RawClient, connect, fast_config
from .transcripts import received, require_transcripts, transcript


def _responses(frames: list[Frame]) -> list[tuple[str, str | None]]:
    return [(f["Response"], f.get("Message")) for f in frames if "Response" in f]


async def test_banner_login_and_fully_booted(sim: PbxSimulator) -> None:
    require_transcripts("01-login")
    reader, writer = await asyncio.open_connection("127.0.0.1", sim.port)
    assert await reader.readline() == b"Asterisk Call Manager/11.0.0\r\n"
    client = RawClient(reader, writer)
    client.parser._want_banner = False
    client.send(Action="Ping", ActionID="a1")
    client.send(Action="Login", ActionID="a2", Username="ops", Secret="ops-secret")
    frames = await client.until(lambda f: f.get("Event") == "SuccessfulAuth")
    assert _responses(frames) == [("Error", "Permission denied"), ("Success", "Authentication accepted")]
    want = [f.frame for f in received("01-login") if f.stream == "AMI#4" and f.frame]
    assert [list(f) for f in frames[1:]] == [list(f) for f in want[:3]]
    await client.close()


async def test_wrong_secret_gets_an_error_after_a_delay_then_eof(sim: PbxSimulator) -> None:
    client = await connect(sim, login=False)
    client.send(Action="Login", ActionID="a2", Username="ops", Secret="nope")
    frames = await client.read_for(1.0)
    assert _responses(frames) == [("Error", "Authentication failed")]
    assert await client.reader.read() == b""  # the server closed the socket
    await client.close()


async def test_md5_challenge_login_events_off_and_no_actionid(sim: PbxSimulator) -> None:
    client = await connect(sim, login=False)
    client.send(Action="Challenge", ActionID="c1", AuthType="MD5")
    (resp,) = await client.until(lambda f: "Challenge" in f)
    key = hashlib.md5((resp["Challenge"] + "ops-secret").encode()).hexdigest()
    client.send(Action="Login", AuthType="md5", Username="ops", Key=key, Events="off")
    frames = await client.read_for(0.2)
    assert [dict(f) for f in frames] == [{"Response": "Success", "Message": "Authentication accepted"}]
    await client.close()


async def test_05a_actions_and_errors_answer_like_asterisk() -> None:
    """Replays the bytes the recorder sent (lowercase keys, bare LF, pipelining,
    no ActionID, empty action…) and expects the same Response/Message pairs."""
    require_transcripts("05a-actions-basic")
    lines = [json.loads(x) for x in transcript("05a-actions-basic").read_text().splitlines()]
    chunks = [x["data"].encode() for x in lines if x["stream"] == "AMI" and x["dir"] == "send"]
    want = [f.frame for f in received("05a-actions-basic") if f.frame is not None]
    config = fast_config(
        queues=(
            QueueConfig(name="support", members=(MemberConfig(interface="Local/agent1@agents/n", name="Agent One"),)),
        )
    )
    simulator = PbxSimulator(config)
    await simulator.start()
    try:
        client = await connect(simulator, login=False)
        for chunk in chunks:
            client.writer.write(chunk)
            await client.read_for(0.03)
        await client.read_for(0.2)
        got = client.frames
        # Command/ListCommands outputs and list contents depend on the PBX's
        # config; the answers themselves must be Asterisk's.
        assert _responses(got) == _responses(want)
        completes = [f["Event"] for f in got if f.get("EventList") == "Complete"]
        assert completes == [f["Event"] for f in want if f.get("EventList") == "Complete"]
        bad = [f for f in got if f.get("Event") == "RequestBadFormat"]
        ref = [f for f in want if f.get("Event") == "RequestBadFormat"]
        assert [list(f) for f in bad] == [list(f) for f in ref]
        await client.close()
    finally:
        await simulator.stop()


async def test_05b_queue_member_management() -> None:
    require_transcripts("05b-queue-member-mgmt")
    iface = "Local/agent3@agents/n"
    config = fast_config(
        queues=(
            QueueConfig(name="support"),
            QueueConfig(name="debt", members=(MemberConfig(interface=iface, name="Agent Three"),)),
        )
    )
    simulator = PbxSimulator(config)
    await simulator.start()
    try:
        client = await connect(simulator)
        want_items = [i for i in received("05b-queue-member-mgmt") if i.frame is not None]
        steps = [
            dict(
                Action="QueueAdd",
                ActionID="a2",
                Queue="support",
                Interface=iface,
                Paused="false",
                MemberName="Agent Three",
            ),
            dict(Action="QueueAdd", ActionID="a3", Queue="support", Interface=iface),
            dict(Action="QueuePause", ActionID="a4", Queue="support", Interface=iface, Paused="true", Reason="lunch"),
            dict(Action="QueuePause", ActionID="a5", Interface=iface, Paused="false"),
            dict(Action="QueuePause", ActionID="a6", Interface=iface, Paused="true", Reason="all-queues"),
            dict(Action="QueuePause", ActionID="a7", Interface=iface, Paused="false"),
            dict(Action="QueuePenalty", ActionID="a8", Queue="support", Interface=iface, Penalty="3"),
        ]
        for step in steps:
            client.send(**step)
            await client.read_for(0.05)
        removal = [
            dict(Action="QueueRemove", ActionID="a13", Queue="support", Interface=iface),
            dict(Action="QueueRemove", ActionID="a14", Queue="support", Interface=iface),
        ]
        for step in removal:
            client.send(**step)
            await client.read_for(0.05)
        relevant = ("QueueMemberAdded", "QueueMemberPause", "QueueMemberPenalty", "QueueMemberRemoved")

        def digest(frames: list[Frame]) -> list[tuple[object, ...]]:
            return [
                (f.get("Response"), f.get("Message"))
                if "Response" in f
                else (f["Event"], f["Queue"], f["Paused"], f["PausedReason"], tuple(f))
                for f in frames
                if "Response" in f or f.get("Event") in relevant
            ]

        want = [
            i.frame
            for i in want_items
            if i.frame.get("ActionID") not in ("a1", "a9", "a10", "a11", "a12", "a15", "a16")
            and i.frame.get("Event") != "QueueMemberStatus"
        ]
        got = digest(client.frames[3:])
        assert got == digest([f for f in want if f is not None])
        await client.close()
    finally:
        await simulator.stop()
