from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from cti.frames import Frame, FrameParser
from cti.sim import MemberConfig, PbxSimulator, QueueConfig, SimConfig


def fast_config(**kw: object) -> SimConfig:
    """Timings scaled down so a whole call takes well under a second."""
    base: dict[str, object] = dict(
        port=0,
        username="ops",
        secret="ops-secret",
        queues=(
            QueueConfig(
                name="support",
                ring_timeout=0.3,
                retry=0.1,
                timeout=5.0,
                members=(MemberConfig(interface="PJSIP/agent1", name="Agent One"),),
            ),
        ),
        agent_answer_delay=0.15,
        answer_wait=0.05,
        rtcp_interval=0.25,
        login_failure_delay=0.05,
        outbound_answer_delay=0.1,
        talk_time=(0.4, 0.4),
        abandon_patience=(5.0, 5.0),
        seed=1,
    )
    base.update(kw)
    return SimConfig(**base)  # type: ignore[arg-type]


class RawClient:
    """A bare AMI socket: what the transcripts' recorder was."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.parser = FrameParser()
        self.frames: list[Frame] = []

    def send(self, **headers: str) -> None:
        self.writer.write(("".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode())

    async def read_for(self, seconds: float) -> list[Frame]:
        end = time.monotonic() + seconds
        got: list[Frame] = []
        while (left := end - time.monotonic()) > 0:
            try:
                data = await asyncio.wait_for(self.reader.read(65536), left)
            except TimeoutError:
                break
            if not data:
                break
            got += self.parser.feed(data)
        self.frames += got
        return got

    async def until(self, predicate, timeout: float = 5.0) -> list[Frame]:  # type: ignore[no-untyped-def]
        end = time.monotonic() + timeout
        start = len(self.frames)
        while time.monotonic() < end:
            for f in self.frames[start:]:
                if predicate(f):
                    return self.frames[start:]
            try:
                data = await asyncio.wait_for(self.reader.read(65536), end - time.monotonic())
            except TimeoutError:
                break
            if not data:
                break
            self.frames += self.parser.feed(data)
        raise AssertionError("condition not met; got " + repr([f.name for f in self.frames[start:]][-20:]))

    async def close(self) -> None:
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except OSError:
            pass


@pytest.fixture
async def sim() -> AsyncIterator[PbxSimulator]:
    simulator = PbxSimulator(fast_config())
    await simulator.start()
    yield simulator
    await simulator.stop()


async def connect(sim: PbxSimulator, login: bool = True) -> RawClient:
    reader, writer = await asyncio.open_connection("127.0.0.1", sim.port)
    client = RawClient(reader, writer)
    if login:
        client.send(Action="Login", ActionID="a1", Username="ops", Secret="ops-secret")
        await client.until(lambda f: f.get("Event") == "SuccessfulAuth")
    return client
