"""The FastAGI wire protocol: the environment block, commands, replies and hang-up notices.

Facts from a real Asterisk 22 (../shared/ami-transcripts/06a, 06b):

* the environment is `agi_key: value\\n` lines (LF only) ending with a blank line;
* every command gets `200 result=N [(data)] [key=value]`; `510 …` for an unknown command and a
  multi-line `520-… / 520 End of proper usage.` for bad syntax;
* when the channel hangs up, the running command answers `200 result=-1` and an unsolicited
  `HANGUP` line follows; after that (and after our own HANGUP) every reply is preceded by a
  `HANGUP` line, while NOOP / GET VARIABLE keep working until we close the socket;
* a missing sound file also gives `result=-1` (STREAM FILE, GET DATA), so -1 alone does not prove a
  hang-up: we ask CHANNEL STATUS and look for the HANGUP line.

Every read is bounded (line length and time), so a slow, silent or babbling peer costs one task
and a timeout, never a spinning loop.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from urllib.parse import parse_qsl

from .errors import AgiClosed, AgiProtocolError, AgiTimeout, AgiUnsafeValue

log = logging.getLogger(__name__)

LINE_LIMIT = 16 * 1024  # bytes in one line or the whole environment block
_REPLY = re.compile(r"^(\d{3})(?:[ -](.*))?$")
_RESULT = re.compile(r"result=(\S*)")
_DATA = re.compile(r"\(([^)]*)\)")
CHANNEL_UP = 6  # CHANNEL STATUS result for an answered channel
# What we send is checked: a control character (a line break above all) would end our command and let
# the rest of the value be read by Asterisk as a command of its own.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,79}")
_PROMPT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_/.-]{0,199}")  # a sound file: lang/name, custom/menu-1
_DIGITS = re.compile(r"[0-9*#]{1,64}")
_EXPRESSION = re.compile(r"\$\{[A-Za-z0-9_()]{1,80}\}")
MAX_VALUE = 1024  # characters in a variable's value


@dataclass(frozen=True, slots=True, kw_only=True)
class AgiRequest:
    """The environment Asterisk sent when it connected."""

    env: Mapping[str, str]
    script: str  # `ivr` for agi://host:4573/ivr?lang=ru
    params: Mapping[str, str] = field(default_factory=dict)  # lang=ru

    @property
    def caller_id(self) -> str:
        value = self.env.get("agi_callerid", "")
        return "" if value in ("unknown", "<unknown>") else value

    @property
    def channel(self) -> str:
        return self.env.get("agi_channel", "")

    @property
    def uniqueid(self) -> str:
        return self.env.get("agi_uniqueid", "")

    @property
    def language(self) -> str:
        """The `?lang=` of the AGI URL. Not agi_language: a channel's language is "en" by default
        in Asterisk whatever the caller speaks (see 06a), so it would say nothing."""
        return self.params.get("lang", "")

    @property
    def args(self) -> tuple[str, ...]:
        out = []
        for n in range(1, 100):
            value = self.env.get(f"agi_arg_{n}")
            if value is None:
                break
            out.append(value)
        return tuple(out)


def parse_environment(block: bytes) -> AgiRequest:
    """Parse the environment block; AgiProtocolError when it is not one (no agi_network_script)."""
    text = block.decode("utf-8", errors="replace")
    env: dict[str, str] = {}
    for raw_line in text.split("\n"):
        line = raw_line.rstrip("\r")
        key, sep, value = line.partition(":")
        if sep and key.startswith("agi_"):
            env[key] = value.removeprefix(" ")
    script_line = env.get("agi_network_script")
    if script_line is None:
        raise AgiProtocolError("no agi_network_script in the environment: not a FastAGI request")
    path, _, query = script_line.partition("?")
    return AgiRequest(env=env, script=path.strip("/"), params=dict(parse_qsl(query)))


@dataclass(frozen=True, slots=True, kw_only=True)
class AgiReply:
    code: int
    result: str = ""  # as sent: "0", "-1", "123", "" (GET DATA timeout with nothing typed)
    data: str = ""  # the parenthesised part: "timeout", a variable's value
    text: str = ""  # the whole line(s) after the code

    @property
    def number(self) -> int | None:
        try:
            return int(self.result)
        except ValueError:
            return None

    @property
    def ok(self) -> bool:
        return self.code == 200


def parse_reply(line: str) -> AgiReply:
    match = _REPLY.match(line)
    if match is None:
        raise AgiProtocolError(f"not an AGI reply: {line[:80]!r}")
    code, rest = int(match.group(1)), match.group(2) or ""
    result = _RESULT.search(rest)
    data = _DATA.search(rest)
    return AgiReply(
        code=code,
        result=result.group(1) if result else "",
        data=data.group(1) if data else "",
        text=rest,
    )


def checked(value: str, pattern: re.Pattern[str], what: str) -> str:
    """`value` when it has the shape of `what`; AgiUnsafeValue otherwise (never sent)."""
    if pattern.fullmatch(value) is None:
        raise AgiUnsafeValue(f"not sent to the PBX: {what} {value[:40]!r} is not a valid {what}")
    return value


def quote(value: str) -> str:
    """An AGI argument in double quotes (Asterisk's parser understands \\" and \\\\); AgiUnsafeValue for
    a control character or an over-long value."""
    if _CONTROL.search(value):
        raise AgiUnsafeValue(f"not sent to the PBX: a control character in {value[:40]!r}")
    if len(value) > MAX_VALUE:
        raise AgiUnsafeValue(f"not sent to the PBX: a value of {len(value)} characters (at most {MAX_VALUE})")
    cleaned = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{cleaned}"'


class AgiChannel:
    """One FastAGI connection after the environment: send a command, read its reply."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        reply_timeout: float = 60.0,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self.reply_timeout = reply_timeout
        self.hung_up = False  # a HANGUP line was seen: the caller (or we) hung up

    async def command(self, text: str, *, timeout: float | None = None) -> AgiReply:
        if _CONTROL.search(text):
            raise AgiUnsafeValue(f"not sent to the PBX: a control character in the command {text[:40]!r}")
        limit = self.reply_timeout if timeout is None else timeout
        try:
            self._writer.write(text.encode("utf-8") + b"\n")
            await asyncio.wait_for(self._writer.drain(), limit)
        except TimeoutError:  # before OSError: TimeoutError is one
            raise AgiTimeout(f"peer does not read (sending {text.split()[0]})") from None
        except (ConnectionError, OSError) as exc:
            raise AgiClosed(f"socket closed while sending {text.split()[0]}: {exc}") from None
        while True:
            line = await self._read_line(limit)
            if line == "HANGUP":
                self.hung_up = True
                continue
            if line.startswith("100"):  # "100 result=0 Trying..." precedes the real answer
                continue
            if line.startswith("520-"):
                lines = [line]
                while not line.startswith("520 "):
                    line = await self._read_line(limit)
                    lines.append(line)
                return AgiReply(code=520, text="\n".join(lines))
            return parse_reply(line)

    async def _read_line(self, timeout: float) -> str:
        try:
            raw = await asyncio.wait_for(self._reader.readline(), timeout)
        except TimeoutError:
            raise AgiTimeout(f"no reply within {timeout:g} s") from None
        except (asyncio.LimitOverrunError, ValueError):
            raise AgiProtocolError(f"reply line longer than {LINE_LIMIT} bytes") from None
        except (ConnectionError, OSError) as exc:
            raise AgiClosed(f"socket error: {exc}") from None
        if not raw.endswith(b"\n"):
            raise AgiClosed("peer closed the connection")
        return raw.decode("utf-8", errors="replace").rstrip("\r\n")

    async def _checked(self, text: str, *, timeout: float | None = None) -> AgiReply:
        reply = await self.command(text, timeout=timeout)
        if reply.code != 200:
            raise AgiProtocolError(f"{text.split()[0]!r} refused: {reply.code} {reply.text[:120]}")
        return reply

    async def is_hung_up(self) -> bool:
        """After a -1: was it a hang-up (True) or just a missing sound file (False)?"""
        if self.hung_up:
            return True
        reply = await self.command("CHANNEL STATUS")
        return self.hung_up or reply.number is None or reply.number < 0

    # ---------------------------------------------------------------- the commands the IVR uses
    # Each returns False when the caller has hung up.

    async def answer(self) -> bool:
        reply = await self._checked("ANSWER")
        return not (reply.number == -1 and await self.is_hung_up())

    async def stream_file(self, prompt: str) -> bool:
        reply = await self._checked(f'STREAM FILE {checked(prompt, _PROMPT, "prompt")} ""')
        if reply.number == -1:
            if await self.is_hung_up():
                return False
            log.warning("sound file %r is missing on the PBX", prompt)
        return True

    async def get_data(self, prompt: str, timeout_ms: int, max_digits: int) -> str | None:
        """Digits typed ('' on silence), or None when the caller hung up."""
        slack = self.reply_timeout + timeout_ms / 1000 * (max_digits + 1)
        command = f"GET DATA {checked(prompt, _PROMPT, 'prompt')} {int(timeout_ms)} {int(max_digits)}"
        reply = await self._checked(command, timeout=slack)
        if reply.result == "-1":
            if await self.is_hung_up():
                return None
            log.warning("sound file %r is missing on the PBX", prompt)
            return ""
        return reply.result

    async def say_number(self, number: int) -> bool:
        return await self._said(f'SAY NUMBER {int(number)} ""')

    async def say_digits(self, digits: str) -> bool:
        return await self._said(f'SAY DIGITS {checked(digits, _DIGITS, "digit string")} ""')

    async def say_date(self, day: date) -> bool:
        noon = int(datetime.combine(day, time(12), tzinfo=UTC).timestamp())
        return await self._said(f'SAY DATE {noon} ""')

    async def _said(self, text: str) -> bool:
        reply = await self._checked(text)
        return not (reply.number == -1 and await self.is_hung_up())

    async def set_variable(self, name: str, value: str) -> None:
        await self._checked(f"SET VARIABLE {checked(name, _VARIABLE, 'variable name')} {quote(value)}")

    async def get_full_variable(self, expression: str) -> str | None:
        reply = await self.command(f"GET FULL VARIABLE {checked(expression, _EXPRESSION, 'expression')}")
        return reply.data if reply.ok and reply.result == "1" else None

    async def hangup(self) -> None:
        await self._checked("HANGUP")
        self.hung_up = True

    async def close(self) -> None:
        self._writer.close()
        try:
            await asyncio.wait_for(self._writer.wait_closed(), 1.0)
        except (ConnectionError, OSError):  # TimeoutError included
            pass
