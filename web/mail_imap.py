"""Reading the desk's mailbox over IMAP (aioimaplib): every new message is handed to the intake, then marked
\\Seen, then its UID remembered. Nothing is lost or filed twice across restarts:

* the reader goes on after the last UID it stored (per mailbox and UIDVALIDITY, in `mailbox_state`), even
  past messages someone opened meanwhile; on its first look at a mailbox it takes the unseen ones;
* a message is marked seen only after the intake stored it; when storing fails, nothing moves and the same
  message is tried on the next poll;
* the intake itself skips a message whose key (Message-ID, else UIDVALIDITY:UID) it already took, so a
  crash between storing and remembering the UID costs a skipped duplicate, not a second application.

Polls every CCDESK_MAIL_IMAP_POLL_SECONDS; a lost connection is opened again on the next poll.
"""

from __future__ import annotations

import asyncio
import logging
import re

import aioimaplib

from crm_store import mail
from crm_store.db import Database
from workstation.mail_intake import MailIntake

from .mail_config import ImapTarget

log = logging.getLogger(__name__)

_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")
_FETCH_UID = re.compile(rb"UID (\d+)")
TIMEOUT_S = 30.0


class ImapError(Exception):
    """The server said no (login, select, fetch…); the poll is abandoned and tried again later."""


def _ok(response: aioimaplib.Response, what: str) -> aioimaplib.Response:
    if response.result != "OK":
        last = response.lines[-1] if response.lines else b""
        raise ImapError(f"IMAP {what}: {response.result} {bytes(last)[:200]!r}")
    return response


class ImapReader:
    def __init__(self, target: ImapTarget, intake: MailIntake, db: Database, *, poll_seconds: float) -> None:
        self.target = target
        self.intake = intake
        self.db = db
        self.poll_seconds = poll_seconds
        self.polls = 0  # finished polls (successful or not): tests wait on it instead of sleeping

    async def run(self) -> None:
        while True:
            try:
                stored = await self.poll_once()
                if stored:
                    log.info("mail: %d message(s) taken from %s", stored, self.target.name)
            except (OSError, TimeoutError, ImapError, aioimaplib.Abort) as exc:  # the server or the network
                log.warning(
                    "mail: reading %s failed, trying again in %.0f s: %s", self.target.name, self.poll_seconds, exc
                )
            except Exception:  # the store failed: nothing was marked seen, the same mail is tried next poll
                log.exception("mail: taking mail from %s failed; trying again next poll", self.target.name)
            self.polls += 1
            await asyncio.sleep(self.poll_seconds)

    async def poll_once(self) -> int:
        """Take every message after the last stored UID; the number taken."""
        cls = aioimaplib.IMAP4_SSL if self.target.tls else aioimaplib.IMAP4
        client = cls(host=self.target.host, port=self.target.port, timeout=TIMEOUT_S)
        try:
            await client.wait_hello_from_server()
            _ok(await client.login(self.target.username, self.target.password), "login")
            selected = _ok(await client.select(self.target.mailbox), "select")
            validity = _uid_validity(selected.lines)
            state = await mail.mailbox_state(self.db, self.target.name)
            if state is not None and state[0] == validity:
                # every message after the last one stored, even one a person already opened in a mail client
                last, criteria = state[1], (f"UID {state[1] + 1}:*",)
            else:
                # the first look at this mailbox (or it was rebuilt): what nobody has read yet
                last, criteria = 0, ("UNSEEN",)
            found = _ok(await client.uid_search(*criteria), "search")
            uids = sorted(u for u in _numbers(found.lines[:-1]) if u > last)
            for uid in uids:
                raw = await self._fetch(client, uid)
                await self.intake.take(raw, source="imap", fallback_key=f"imap:{validity}:{uid}")
                _ok(await client.uid("store", str(uid), "+FLAGS.SILENT", "(\\Seen)"), "store")
                await mail.save_mailbox_state(self.db, self.target.name, validity, uid)
            return len(uids)
        finally:
            try:
                await client.logout()
            except Exception:  # the connection may be gone already: nothing to close then
                log.debug("mail: IMAP logout failed", exc_info=True)

    async def _fetch(self, client: aioimaplib.IMAP4, uid: int) -> bytes:
        response = _ok(await client.uid("fetch", str(uid), "(BODY.PEEK[])"), "fetch")
        for line in response.lines:
            if isinstance(line, bytearray):  # the literal: the message itself
                return bytes(line)
        raise ImapError(f"IMAP fetch of UID {uid} returned no message")


def _uid_validity(lines: list[bytes]) -> int:
    for line in lines:
        found = _UIDVALIDITY.search(bytes(line))
        if found:
            return int(found.group(1))
    raise ImapError("IMAP select: no UIDVALIDITY")


def _numbers(lines: list[bytes]) -> list[int]:
    return [int(n) for line in lines for n in bytes(line).split() if n.isdigit()]
