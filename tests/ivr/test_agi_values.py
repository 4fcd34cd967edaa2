"""No value reaches Asterisk over AGI unchecked: a line break would start a command of the sender's choosing."""

from __future__ import annotations

import asyncio
import socket

import pytest

from ivr.agi import AgiChannel, quote
from ivr.errors import AgiUnsafeValue


@pytest.mark.parametrize("value", ["x\nEXEC System rm", "x\rHANGUP", "a\x00b", "tab\there", "\x7f", "x" * 1025])
def test_values_with_control_characters_or_too_long_are_refused(value: str) -> None:
    with pytest.raises(AgiUnsafeValue):
        quote(value)


@pytest.fixture
async def channel_and_pbx():  # type: ignore[no-untyped-def]
    ours, theirs = socket.socketpair()
    reader, writer = await asyncio.open_connection(sock=ours)
    pbx_reader, pbx_writer = await asyncio.open_connection(sock=theirs)
    yield AgiChannel(reader, writer, reply_timeout=1.0), pbx_reader
    writer.close()
    pbx_writer.close()


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("set_variable", ("CCDESK_QUEUE", "support\nEXEC Dial PJSIP/8800")),
        ("set_variable", ("CCDESK_QUEUE\nEXEC", "support")),
        ("set_variable", ("A B", "support")),
        ("stream_file", ("welcome\nEXEC System x",)),
        ("stream_file", ("../../etc/passwd x",)),
        ("say_digits", ("12\n34",)),
        ("say_digits", ("12 EXEC",)),
        ("get_data", ("main-menu 1 1\nEXEC", 3000, 1)),
        ("get_full_variable", ("${SHELL(id)}\n",)),
    ],
)
async def test_an_unsafe_value_is_never_written_to_the_pbx(channel_and_pbx, method: str, args: tuple) -> None:  # type: ignore[no-untyped-def]
    channel, pbx = channel_and_pbx
    with pytest.raises(AgiUnsafeValue):
        await getattr(channel, method)(*args)
    with pytest.raises(TimeoutError):  # nothing at all reached the PBX
        async with asyncio.timeout(0.1):
            await pbx.read(1)


async def test_a_checked_value_is_sent_quoted(channel_and_pbx) -> None:  # type: ignore[no-untyped-def]
    channel, pbx = channel_and_pbx
    task = asyncio.create_task(channel.set_variable("CCDESK_IVR_PATH", 'main>"balance"'))
    assert await pbx.readline() == b'SET VARIABLE CCDESK_IVR_PATH "main>\\"balance\\""\n'
    channel._reader.feed_data(b"200 result=1\n")
    await task
