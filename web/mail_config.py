"""The mail channel's settings, read from `Settings` into one checked value (None when mail is off)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from .settings import Settings

PREFIX = "CCDESK_"


@dataclass(frozen=True, slots=True, kw_only=True)
class ImapTarget:
    host: str
    port: int
    username: str
    password: str = field(repr=False)
    mailbox: str
    tls: bool

    @property
    def name(self) -> str:
        """The mailbox as the reader's state knows it (no password)."""
        return f"{self.username}@{self.host}:{self.port}/{self.mailbox}"


@dataclass(frozen=True, slots=True, kw_only=True)
class MailConfig:
    address: str
    listen: tuple[str, int] | None
    imap: ImapTarget | None
    poll_seconds: float
    relay: tuple[str, int] | None
    default_type: str
    attachment_max_bytes: int
    message_max_bytes: int


def _host_port(name: str, value: str, default_port: int | None = None) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep and default_port is not None:
        host, port = value, str(default_port)
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"{PREFIX}{name.upper()}={value!r} is not HOST:PORT")
    return host, int(port)


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def parse_imap(value: str) -> ImapTarget:
    parts = urlsplit(value)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname or not parts.username:
        raise ValueError(f"{PREFIX}MAIL_IMAP_URL must be imaps://USER:PASSWORD@HOST:PORT/MAILBOX")
    tls = parts.scheme == "imaps"
    if not tls and not _loopback(parts.hostname):  # a password in clear text only where it cannot be overheard
        raise ValueError(f"{PREFIX}MAIL_IMAP_URL: plain imap:// is for a loopback server only; use imaps://")
    return ImapTarget(
        host=parts.hostname,
        port=parts.port or (993 if tls else 143),
        username=unquote(parts.username),
        password=unquote(parts.password or ""),
        mailbox=unquote(parts.path.lstrip("/")) or "INBOX",
        tls=tls,
    )


def mail_config(settings: Settings) -> MailConfig | None:
    if not settings.mail_address:
        if settings.mail_smtp_listen or settings.mail_imap_url:
            raise ValueError(f"{PREFIX}MAIL_ADDRESS is needed to receive mail (the desk's address)")
        return None
    if "@" not in settings.mail_address:
        raise ValueError(f"{PREFIX}MAIL_ADDRESS={settings.mail_address!r} is not an e-mail address")
    listen = _host_port("mail_smtp_listen", settings.mail_smtp_listen) if settings.mail_smtp_listen else None
    if listen is not None and not _loopback(listen[0]):
        raise ValueError(f"{PREFIX}MAIL_SMTP_LISTEN: the built-in listener is for loopback only, not {listen[0]!r}")
    relay = None
    if settings.mail_smtp_relay:
        parts = urlsplit(settings.mail_smtp_relay)
        if parts.scheme != "smtp" or not parts.hostname:
            raise ValueError(f"{PREFIX}MAIL_SMTP_RELAY must be smtp://HOST:PORT")
        relay = (parts.hostname, parts.port or 25)
    for name in ("mail_attachment_max_bytes", "mail_message_max_bytes"):
        if getattr(settings, name) < 1:
            raise ValueError(f"{PREFIX}{name.upper()} must be positive")
    if settings.mail_imap_poll_seconds <= 0:
        raise ValueError(f"{PREFIX}MAIL_IMAP_POLL_SECONDS must be positive")
    return MailConfig(
        address=settings.mail_address.strip().lower(),
        listen=listen,
        imap=parse_imap(settings.mail_imap_url) if settings.mail_imap_url else None,
        poll_seconds=settings.mail_imap_poll_seconds,
        relay=relay,
        default_type=settings.mail_default_type,
        attachment_max_bytes=settings.mail_attachment_max_bytes,
        message_max_bytes=settings.mail_message_max_bytes,
    )
