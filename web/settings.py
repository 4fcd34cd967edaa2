"""Configuration: CCDESK_* environment variables, overridden by command-line options.

Read once, in the CLI, into a frozen Settings; nothing reads the environment at import time.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from crm_store.vocabulary import SpyMode, codes
from cti import values as ami_values

PREFIX = "CCDESK_"


class ConfigError(ValueError):
    """A setting has a value that cannot work; the message names the variable."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AmiTarget:
    host: str
    port: int
    username: str
    secret: str = field(repr=False)

    def __repr__(self) -> str:  # the secret never reaches a log line
        return f"AmiTarget(host={self.host!r}, port={self.port}, username={self.username!r}, secret='***')"


def parse_pbx(value: str) -> AmiTarget | None:
    """`sim` → None (the built-in simulator); `ami://USER:SECRET@HOST:PORT` → an AMI target."""
    if value == "sim":
        return None
    parts = urlsplit(value)
    if parts.scheme != "ami" or not parts.hostname or not parts.username:
        raise ConfigError(f"PBX must be 'sim' or ami://USER:SECRET@HOST:PORT, got {mask_url(value)!r}")
    return AmiTarget(
        host=parts.hostname,
        port=parts.port or 5038,
        username=unquote(parts.username),
        secret=unquote(parts.password or ""),
    )


def mask_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    database_url: str = "sqlite:///var/ccdesk.db"
    host: str = "127.0.0.1"
    port: int = 8080
    pbx: str = "sim"
    agi_host: str = "127.0.0.1"
    agi_port: int = 4573
    redis_url: str | None = None
    var_dir: Path = Path("var")
    secret_key: str = field(default="", repr=False)
    sim_ami_port: int = 0  # 0: any free port (the simulator is in-process)
    sim_calls_per_minute: float = 6.0
    sim_bots: int = 2  # simulated operators per queue, keeping the demo center alive
    sim_answer_delay: float | None = None  # operators' phones: None = answered from the screen
    # None: Secure unless the server listens on loopback only (plain http://127.0.0.1 in development).
    cookie_secure: bool | None = None
    session_idle_minutes: int = 30  # a session unused this long ends (the cookie and its sockets)
    trusted_proxies: str = ""  # reverse proxies whose X-Forwarded-For is believed: "10.0.0.5, 10.1.0.0/16"
    agi_allow: str = "127.0.0.1, ::1"  # the PBX addresses allowed to connect to FastAGI
    # The AMI secret when the ami:// URL carries none: from the environment, or a file only ccdesk reads.
    pbx_secret: str = field(default="", repr=False)
    pbx_secret_file: Path | None = None
    # Which channels are the outside world: a call is outbound or inbound by its trunk leg (cti/topology.py).
    pbx_trunks: str = "PJSIP/trunk"  # endpoint prefixes of the provider trunks, comma-separated
    pbx_trunk_contexts: str = "customers"  # dialplan contexts whose Local channels stand for a trunk
    # The supervisor's actions: the context where EXT rings the desk phone PJSIP/EXT (a taken-over call is
    # redirected there), and the ChanSpy modes this PBX allows (listen, whisper, barge).
    pbx_phones_context: str = "agents"
    spy_modes: str = "listen,whisper,barge"
    # The dialer (issue 12): how a debtor's number is dialled, how often it paces, how long recordings are kept.
    dialer_trunk: str = "PJSIP/{number}@trunk"
    dialer_tick_seconds: float = 1.0
    recording_days: int = 1095  # 3 years
    recordings_dir: Path = Path("var/recordings")  # where the PBX's MixMonitor files are readable

    @property
    def trunks(self) -> tuple[str, ...]:
        return _names(self.pbx_trunks)

    @property
    def trunk_contexts(self) -> tuple[str, ...]:
        return _names(self.pbx_trunk_contexts)

    @property
    def supervisor_spy_modes(self) -> tuple[str, ...]:
        return _names(self.spy_modes)

    # The books: None = the file shipped in the package (routing/, ivr/, workstation/).
    routing_rules: Path | None = None
    ivr_menu: Path | None = None
    offers: Path | None = None
    scripts: Path | None = None
    application_types: Path | None = None  # None: workstation/application_types.toml
    # Electronic applications: escalated to supervisors this many hours past their due time; the public
    # form (/apply) takes this many tries an hour from one address and for one account number.
    application_escalate_hours: int = 4
    apply_per_address_per_hour: int = 20
    apply_per_account_per_hour: int = 5
    # Where customers reach /apply from outside (https://lk.example.ru): the letters about applications link to
    # its status page. Empty: they name the page's path only.
    apply_public_url: str = ""

    # Applications by e-mail (web/mail_config.py checks these): off while mail_address is empty.
    mail_address: str = ""  # the desk's address: mail to it becomes an application
    mail_smtp_listen: str = ""  # HOST:PORT of the built-in SMTP listener (loopback only; port 0 = any free)
    mail_imap_url: str = ""  # imaps://USER:PASSWORD@HOST:PORT/MAILBOX (or imap:// on loopback) to read
    mail_imap_poll_seconds: float = 30.0
    mail_smtp_relay: str = ""  # smtp://HOST:PORT for replies; empty: replies stay in the outbox (UI)
    mail_default_type: str = "info_request"  # the type when no subject word names one
    mail_attachment_max_bytes: int = 10 * 1024 * 1024
    mail_message_max_bytes: int = 25 * 1024 * 1024  # the SMTP listener refuses bigger messages (552)

    @property
    def ami(self) -> AmiTarget | None:
        target = parse_pbx(self.pbx)
        if target is None or target.secret:
            return target
        secret = self.pbx_secret
        if not secret and self.pbx_secret_file is not None:
            try:
                secret = self.pbx_secret_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(f"{PREFIX}PBX_SECRET_FILE: cannot read {self.pbx_secret_file}: {exc}") from None
        if not secret:
            raise ConfigError(
                f"the AMI secret is missing: set {PREFIX}PBX_SECRET or {PREFIX}PBX_SECRET_FILE (a file holding it), "
                "or put it in the ami://USER:SECRET@HOST:PORT URL"
            )
        return replace(target, secret=secret)

    def __repr__(self) -> str:
        hidden = ("secret_key", "pbx_secret")
        shown = ", ".join(
            f"{f.name}={mask_url(str(getattr(self, f.name)))!r}" for f in fields(self) if f.name not in hidden
        )
        return f"Settings({shown}, secret_key='***', pbx_secret='***')"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = environ.get(PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _cast(f.name, raw, f.type)
        settings = cls(**values)  # type: ignore[arg-type]
        settings.ami  # validate the PBX setting early  # noqa: B018
        _check_networks(settings)
        # The tracker compares channels with these names: the same checks as any value bound for the PBX.
        for name, check in (("pbx_trunks", ami_values.channel), ("pbx_trunk_contexts", ami_values.name)):
            for item in _names(getattr(settings, name)):
                try:
                    check(name, item)
                except ValueError as exc:
                    raise ConfigError(f"{PREFIX}{name.upper()}: {item!r}: {exc}") from None
        try:
            ami_values.name("pbx_phones_context", settings.pbx_phones_context)
        except ValueError as exc:
            raise ConfigError(f"{PREFIX}PBX_PHONES_CONTEXT: {exc}") from None
        unknown = [m for m in settings.supervisor_spy_modes if m not in codes(SpyMode)]
        if unknown:
            raise ConfigError(f"{PREFIX}SPY_MODES: {', '.join(unknown)}: not one of {', '.join(codes(SpyMode))}")
        for name in ("application_escalate_hours", "apply_per_address_per_hour", "apply_per_account_per_hour"):
            if not 0 <= getattr(settings, name) <= 10_000:
                raise ConfigError(f"{PREFIX}{name.upper()}={getattr(settings, name)} must be 0-10000")
        _check_public_url(settings)
        _check_mail(settings)
        if "{number}" not in settings.dialer_trunk or not 1 <= settings.recording_days <= 36500:
            raise ConfigError(f"{PREFIX}DIALER_TRUNK needs {{number}}; {PREFIX}RECORDING_DAYS is 1 to 36500 days")
        if not 0.1 <= settings.dialer_tick_seconds <= 60:
            raise ConfigError(f"{PREFIX}DIALER_TICK_SECONDS is 0.1 to 60")
        for name in ("port", "agi_port"):  # the PBX (or the simulator) is told the FastAGI port: no "any"
            if not 1 <= getattr(settings, name) <= 65535:
                raise ConfigError(f"{PREFIX}{name.upper()}={getattr(settings, name)} is not a port (1-65535)")
        return settings

    def override(self, **changes: Any) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def with_secret_key(self) -> Settings:
        """A session key from the environment, else one kept in var/ so sessions survive a restart."""
        if self.secret_key:
            return self
        path = self.var_dir / "secret_key"
        if not path.exists():
            self.var_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return replace(self, secret_key=path.read_text().strip())


def _cast(name: str, raw: str, type_: object) -> object:
    text = str(type_)
    try:
        if "bool" in text:
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if "int" in text and "float" not in text:
            return int(raw)
        if "float" in text:
            return float(raw)
        if "Path" in text:
            return Path(raw)
    except ValueError:
        raise ConfigError(f"{PREFIX}{name.upper()}={raw!r} is not a valid {text}") from None
    return raw


def _names(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def _check_networks(settings: Settings) -> None:
    from .addresses import parse_networks

    for name in ("trusted_proxies", "agi_allow"):
        try:
            parse_networks(getattr(settings, name))
        except ValueError as exc:
            raise ConfigError(f"{PREFIX}{name.upper()}: {exc}") from None


def _check_mail(settings: Settings) -> None:
    from .mail_config import mail_config

    try:
        mail_config(settings)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _check_public_url(settings: Settings) -> None:
    """The public site's address the customers' letters link to: empty, or http(s)://HOST[/PATH]."""
    value = settings.apply_public_url
    public = urlsplit(value)
    if value and (
        public.scheme not in ("http", "https")
        or not public.netloc
        or public.query
        or public.fragment
        or any(c.isspace() for c in value)
    ):
        raise ConfigError(f"{PREFIX}APPLY_PUBLIC_URL={value!r} is not an http(s):// address")
