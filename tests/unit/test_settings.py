"""Settings from the environment: the books' paths, and values that cannot work refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from web.settings import ConfigError, Settings


def test_the_four_books_are_configured_the_same_way() -> None:
    settings = Settings.from_env(
        {
            "CCDESK_ROUTING_RULES": "/etc/ccdesk/rules.toml",
            "CCDESK_IVR_MENU": "/etc/ccdesk/menu.toml",
            "CCDESK_OFFERS": "/etc/ccdesk/offers.toml",
            "CCDESK_SCRIPTS": "/etc/ccdesk/scripts.toml",
        }
    )
    assert (settings.routing_rules, settings.ivr_menu, settings.offers, settings.scripts) == (
        Path("/etc/ccdesk/rules.toml"),
        Path("/etc/ccdesk/menu.toml"),
        Path("/etc/ccdesk/offers.toml"),
        Path("/etc/ccdesk/scripts.toml"),
    )
    assert Settings.from_env({}).offers is None  # the shipped book


@pytest.mark.parametrize(("variable", "value"), [("CCDESK_AGI_PORT", "0"), ("CCDESK_PORT", "70000")])
def test_a_port_that_cannot_work_is_refused_by_name(variable: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"{variable}={value}"):
        Settings.from_env({variable: value})


def test_the_trunks_that_tell_inbound_from_outbound_come_from_the_environment() -> None:
    assert (Settings.from_env({}).trunks, Settings.from_env({}).trunk_contexts) == (("PJSIP/trunk",), ("customers",))
    settings = Settings.from_env({"CCDESK_PBX_TRUNKS": "PJSIP/rostelecom, SIP/mts", "CCDESK_PBX_TRUNK_CONTEXTS": ""})
    assert settings.trunks == ("PJSIP/rostelecom", "SIP/mts")
    with pytest.raises(ConfigError, match="CCDESK_PBX_TRUNKS"):
        Settings.from_env({"CCDESK_PBX_TRUNKS": "PJSIP/trunk\r\nAction: Command"})


def test_the_supervisors_phones_context_and_spy_modes_come_from_the_environment() -> None:
    default = Settings.from_env({})
    assert (default.pbx_phones_context, default.supervisor_spy_modes) == ("agents", ("listen", "whisper", "barge"))
    settings = Settings.from_env({"CCDESK_PBX_PHONES_CONTEXT": "desks", "CCDESK_SPY_MODES": "listen, whisper"})
    assert (settings.pbx_phones_context, settings.supervisor_spy_modes) == ("desks", ("listen", "whisper"))
    with pytest.raises(ConfigError, match="CCDESK_SPY_MODES: shout"):
        Settings.from_env({"CCDESK_SPY_MODES": "listen,shout"})
    with pytest.raises(ConfigError, match="CCDESK_PBX_PHONES_CONTEXT"):
        Settings.from_env({"CCDESK_PBX_PHONES_CONTEXT": "agents\r\nAction: Command"})


def test_application_settings_come_from_the_environment_and_are_checked() -> None:
    settings = Settings.from_env(
        {
            "CCDESK_APPLICATION_TYPES": "/etc/ccdesk/types.toml",
            "CCDESK_APPLICATION_ESCALATE_HOURS": "8",
            "CCDESK_APPLY_PER_ACCOUNT_PER_HOUR": "3",
        }
    )
    assert settings.application_types == Path("/etc/ccdesk/types.toml")
    assert (settings.application_escalate_hours, settings.apply_per_account_per_hour) == (8, 3)
    assert Settings.from_env({}).apply_per_address_per_hour == 20
    with pytest.raises(ConfigError, match="CCDESK_APPLY_PER_ADDRESS_PER_HOUR=-1"):
        Settings.from_env({"CCDESK_APPLY_PER_ADDRESS_PER_HOUR": "-1"})


@pytest.mark.parametrize(
    "value", ["lk.example.ru", "ftp://lk.example.ru", "https://", "https://x.ru/?a=1", "https://x.ru/ a"]
)
def test_the_public_address_of_apply_is_an_http_url(value: str) -> None:
    assert Settings.from_env({}).apply_public_url == ""
    assert Settings.from_env({"CCDESK_APPLY_PUBLIC_URL": "https://lk.example.ru/"}).apply_public_url
    with pytest.raises(ConfigError, match="CCDESK_APPLY_PUBLIC_URL"):
        Settings.from_env({"CCDESK_APPLY_PUBLIC_URL": value})


def test_the_mail_channel_is_off_until_the_desks_address_is_set_and_its_settings_are_checked() -> None:
    from web.mail_config import mail_config

    assert mail_config(Settings.from_env({})) is None
    settings = Settings.from_env(
        {
            "CCDESK_MAIL_ADDRESS": "Zayavki@Example.RU",
            "CCDESK_MAIL_SMTP_LISTEN": "127.0.0.1:2525",
            "CCDESK_MAIL_IMAP_URL": "imaps://desk:s%40cret@mail.example.ru/Входящие",
            "CCDESK_MAIL_SMTP_RELAY": "smtp://relay.example.ru:587",
        }
    )
    config = mail_config(settings)
    assert config is not None
    assert (config.address, config.listen, config.relay) == (
        "zayavki@example.ru",
        ("127.0.0.1", 2525),
        ("relay.example.ru", 587),
    )
    assert config.imap is not None and (config.imap.port, config.imap.password, config.imap.mailbox) == (
        993,
        "s@cret",
        "Входящие",
    )
    assert "s%40cret" not in repr(settings) and "s@cret" not in repr(config)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"CCDESK_MAIL_SMTP_LISTEN": "127.0.0.1:2525"}, "CCDESK_MAIL_ADDRESS is needed"),
        ({"CCDESK_MAIL_ADDRESS": "desk"}, "not an e-mail address"),
        ({"CCDESK_MAIL_ADDRESS": "d@x.ru", "CCDESK_MAIL_SMTP_LISTEN": "0.0.0.0:25"}, "loopback only"),
        ({"CCDESK_MAIL_ADDRESS": "d@x.ru", "CCDESK_MAIL_IMAP_URL": "imap://u:p@mail.x.ru/INBOX"}, "use imaps://"),
        ({"CCDESK_MAIL_ADDRESS": "d@x.ru", "CCDESK_MAIL_SMTP_RELAY": "relay:25"}, "smtp://HOST:PORT"),
        ({"CCDESK_MAIL_ADDRESS": "d@x.ru", "CCDESK_MAIL_MESSAGE_MAX_BYTES": "0"}, "MESSAGE_MAX_BYTES"),
    ],
)
def test_a_mail_setting_that_cannot_work_is_refused_by_name(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(environ)


def test_the_dialer_settings_come_from_the_environment_and_are_checked() -> None:
    from web.settings import ConfigError, Settings

    settings = Settings.from_env({"CCDESK_DIALER_TRUNK": "PJSIP/{number}@prov", "CCDESK_RECORDING_DAYS": "30"})
    assert (settings.dialer_trunk, settings.recording_days) == ("PJSIP/{number}@prov", 30)
    assert Settings.from_env({}).recording_days == 1095
    for bad in ({"CCDESK_DIALER_TRUNK": "PJSIP/trunk"}, {"CCDESK_RECORDING_DAYS": "0"}):
        with pytest.raises(ConfigError):
            Settings.from_env(bad)
