"""Plays Asterisk's side of a FastAGI call over a real TCP socket, byte for byte as in 06a/06b.

`call(port, caller_id=..., keys=[...])`: connects, sends the LF-terminated environment and a blank
line, then answers each command the IVR sends. Each GET DATA consumes the next item of `keys`:
digits -> `200 result=<digits>`, SILENCE -> `200 result= (timeout)`, HANG_UP -> `200 result=-1`
followed by an unsolicited `HANGUP` line (the caller hung up during the prompt). After a hang-up
(the caller's or the script's) the next reply is preceded by one `HANGUP` line, as Asterisk does.
"""

from __future__ import annotations

import asyncio
import re
import shlex
from dataclasses import dataclass, field

SILENCE = object()
HANG_UP = object()

ENV_TEMPLATE = (
    "agi_network: yes\n"
    "agi_network_script: {script}\n"
    "agi_request: agi://127.0.0.1:4573/{script}\n"
    "agi_channel: {channel}\n"
    "agi_language: ru\n"
    "agi_type: Local\n"
    "agi_uniqueid: {uniqueid}\n"
    "agi_version: 22.10.1\n"
    "agi_callerid: {caller_id}\n"
    "agi_calleridname: IVR Caller\n"
    "agi_callingpres: 0\n"
    "agi_callingani2: 0\n"
    "agi_callington: 0\n"
    "agi_callingtns: 0\n"
    "agi_dnid: unknown\n"
    "agi_rdnis: unknown\n"
    "agi_context: incoming\n"
    "agi_extension: ivr\n"
    "agi_priority: 4\n"
    "agi_enhanced: 0.0\n"
    "agi_accountcode: \n"
    "agi_threadid: 140195451000512\n"
    "\n"
)


@dataclass
class CallLog:
    commands: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    prompts: list[str] = field(default_factory=list)  # STREAM FILE and GET DATA prompts, in order
    said: list[str] = field(default_factory=list)  # SAY NUMBER / DIGITS / DATE arguments
    script_hung_up: bool = False  # the IVR sent HANGUP
    caller_hung_up: bool = False
    closed_by_server: bool = False

    def played(self, prompt: str) -> int:
        return self.prompts.count(prompt)


class FakeAsterisk:
    def __init__(
        self,
        *,
        keys: list[object],
        hang_up_on_prompt: str | None = None,
        missing_prompts: frozenset[str] = frozenset(),
        linkedid: str | None = "1795459457.84",
    ) -> None:
        self.keys = list(keys)
        self.hang_up_on_prompt = hang_up_on_prompt
        self.missing_prompts = missing_prompts
        self.linkedid = linkedid
        self.log = CallLog()
        self._dead = False
        self._owe_hangup_line = False

    def _reply(self, command: str) -> list[str]:
        """The lines Asterisk writes for one command (without the leading HANGUP notice)."""
        log = self.log
        words = command.split(" ")
        if command == "ANSWER":
            return ["200 result=0"]
        if command == "CHANNEL STATUS":
            return ["200 result=-1" if self._dead else "200 result=6"]
        if command == "HANGUP":
            log.script_hung_up = True
            self._dead = True
            self._owe_hangup_line = True
            return ["200 result=1"]
        if command == "NOOP":
            return ["200 result=0"]
        if command.startswith("GET FULL VARIABLE "):
            if command == "GET FULL VARIABLE ${CHANNEL(linkedid)}" and self.linkedid:
                return [f"200 result=1 ({self.linkedid})"]
            return ["200 result=0"]
        if command.startswith("SET VARIABLE "):
            parts = shlex.split(command[len("SET VARIABLE ") :])
            if len(parts) != 2:
                return [
                    "520-Invalid command syntax.  Proper usage follows:",
                    "Sets a variable to the current channel.",
                    "520 End of proper usage.",
                ]
            log.variables[parts[0]] = parts[1]
            return ["200 result=1"]
        if command.startswith("STREAM FILE "):
            prompt = words[2]
            log.prompts.append(prompt)
            if self._dead:
                return ["200 result=-1 endpos=0"]
            if prompt == self.hang_up_on_prompt:
                return self._caller_hangs_up("200 result=-1 endpos=1200")
            if prompt in self.missing_prompts:
                return ["200 result=-1 endpos=0"]
            return ["200 result=0 endpos=8000"]
        if re.match(r"^SAY (NUMBER|DIGITS|DATE) ", command):
            log.said.append(f"{words[1].lower()}:{words[2]}")
            return ["200 result=-1" if self._dead else "200 result=0"]
        if command.startswith("GET DATA "):
            log.prompts.append(words[2])
            if self._dead:
                return ["200 result=-1"]
            if words[2] == self.hang_up_on_prompt:
                return self._caller_hangs_up("200 result=-1")
            key = self.keys.pop(0) if self.keys else HANG_UP  # script ran past the test: leave
            if key is HANG_UP:
                return self._caller_hangs_up("200 result=-1")
            if key is SILENCE:
                return ["200 result= (timeout)"]
            return [f"200 result={key}"]
        return ["510 Invalid or unknown command"]

    def _caller_hangs_up(self, reply: str) -> list[str]:
        self.log.caller_hung_up = True
        self._dead = True
        return [reply, "HANGUP"]  # the unsolicited notice follows the -1 reply

    async def run(
        self,
        port: int,
        *,
        caller_id: str,
        script: str = "ivr?lang=ru",
        uniqueid: str = "1795459457.85",
        timeout: float = 10.0,
    ) -> CallLog:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        env = ENV_TEMPLATE.format(
            script=script,
            channel="Local/ivr@incoming-0000002a;2",
            uniqueid=uniqueid,
            caller_id=caller_id,
        )
        writer.write(env.encode())
        await writer.drain()
        try:
            async with asyncio.timeout(timeout):
                while True:
                    raw = await reader.readline()
                    if not raw:
                        self.log.closed_by_server = True
                        break
                    command = raw.decode().rstrip("\n")
                    self.log.commands.append(command)
                    lines = self._reply(command)
                    if self._owe_hangup_line and command != "HANGUP":
                        lines = ["HANGUP", *lines]
                        self._owe_hangup_line = False
                    if lines[-1] == "HANGUP":  # our own notice: later replies need no prefix
                        self._owe_hangup_line = False
                    writer.write("".join(f"{line}\n" for line in lines).encode())
                    await writer.drain()
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except ConnectionError:
                pass
        return self.log


async def call(port: int, *, caller_id: str, keys: list[object] | None = None, **kw: object) -> CallLog:
    run_kw = {k: kw.pop(k) for k in ("script", "uniqueid", "timeout") if k in kw}
    fake = FakeAsterisk(keys=list(keys or []), **kw)  # type: ignore[arg-type]
    return await fake.run(port, caller_id=caller_id, **run_kw)  # type: ignore[arg-type]
