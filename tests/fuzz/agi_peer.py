"""A misbehaving Asterisk for the FastAGI fuzz tests: the protocol as tests/ivr/fake_asterisk.py plays
it, except where a drawn misbehaviour says otherwise (a garbage reply, an error code, an oversized or
binary line, a hang-up in the middle of anything)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from tests.ivr.fake_asterisk import ENV_TEMPLATE, FakeAsterisk

# What the peer does instead of the right answer to one command.
MISBEHAVIOURS = (
    "ok",
    "garbage_result",  # 200 result=garbage
    "510",
    "511",
    "520",  # multi-line usage, as for bad syntax
    "random_line",
    "binary_line",
    "oversized_line",
    "hangup_notice",  # an unsolicited HANGUP line first, then the answer
    "trying",  # 100 Trying… first
    "close",  # hang up without answering
    "half_line",  # part of an answer, then gone
)
MAX_COMMANDS = 300  # a session still asking after this many answers is stuck in a loop


@dataclass
class PeerLog:
    commands: list[str] = field(default_factory=list)
    closed_by_server: bool = False
    we_closed: bool = False


def environment(caller_id: str, uniqueid: str, extra: list[tuple[str, str]], script: str = "ivr?lang=ru") -> bytes:
    env = ENV_TEMPLATE.format(
        script=script, channel="Local/ivr@incoming-0000002a;2", uniqueid=uniqueid, caller_id=caller_id
    )
    lines = env.rstrip("\n") + "\n" + "".join(f"{k}: {v}\n" for k, v in extra)
    return (lines + "\n").encode("utf-8", "surrogatepass")


async def play(
    port: int,
    env: bytes,
    *,
    keys: list[object],
    behaviours: list[str],
    junk: list[bytes],
    linkedid: str | None,
    close_after_env: bool = False,
) -> PeerLog:
    """Send ``env`` and answer commands until the server closes (or a behaviour closes first)."""
    fake = FakeAsterisk(keys=keys, linkedid=linkedid)
    log = PeerLog()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    plan, extra = list(behaviours), list(junk)
    try:
        writer.write(env)
        await writer.drain()
        if close_after_env:
            log.we_closed = True
            return log
        async with asyncio.timeout(15):
            while len(log.commands) < MAX_COMMANDS:
                raw = await reader.readline()
                if not raw:
                    log.closed_by_server = True
                    return log
                command = raw.decode("utf-8", "replace").rstrip("\n")
                log.commands.append(command)
                how = plan.pop(0) if plan else "ok"
                lines = [line.encode() + b"\n" for line in fake._reply(command)]
                if how == "garbage_result":
                    lines = [b"200 result=garbage\n"]
                elif how == "510":
                    lines = [b"510 Invalid or unknown command\n"]
                elif how == "511":
                    lines = [b"511 Command Not Permitted on a dead channel or intercept routine\n"]
                elif how == "520":
                    lines = [b"520-Invalid command syntax.  Proper usage follows:\n", b"520 End of proper usage.\n"]
                elif how == "random_line":
                    lines = [(extra.pop(0) if extra else b"?").replace(b"\n", b" ") + b"\n"]
                elif how == "binary_line":
                    lines = [b"\xff\xfe\x00\x01" + (extra.pop(0) if extra else b"").replace(b"\n", b"") + b"\n"]
                elif how == "oversized_line":
                    lines = [b"200 result=" + b"1" * 20_000 + b"\n"]
                elif how == "hangup_notice":
                    lines = [b"HANGUP\n", *lines]
                elif how == "trying":
                    lines = [b"100 result=0 Trying...\n", *lines]
                elif how in ("close", "half_line"):
                    if how == "half_line":
                        writer.write(b"200 res")
                    log.we_closed = True
                    return log
                writer.write(b"".join(lines))
                await writer.drain()
            log.we_closed = True  # a loop: leave, the server must still end cleanly
            return log
    except (ConnectionError, OSError):
        log.closed_by_server = True
        return log
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (ConnectionError, OSError):
            pass
