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


def test_the_dialer_settings_come_from_the_environment_and_are_checked() -> None:
    from web.settings import ConfigError, Settings

    settings = Settings.from_env({"CCDESK_DIALER_TRUNK": "PJSIP/{number}@prov", "CCDESK_RECORDING_DAYS": "30"})
    assert (settings.dialer_trunk, settings.recording_days) == ("PJSIP/{number}@prov", 30)
    assert Settings.from_env({}).recording_days == 1095
    for bad in ({"CCDESK_DIALER_TRUNK": "PJSIP/trunk"}, {"CCDESK_RECORDING_DAYS": "0"}):
        with pytest.raises(ConfigError):
            Settings.from_env(bad)
