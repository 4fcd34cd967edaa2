"""The app factory loads the four books from the settings (CCDESK_ROUTING_RULES, CCDESK_IVR_MENU,
CCDESK_OFFERS, CCDESK_SCRIPTS), so a broken file stops the start naming the file and its line."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from web import keys
from web.app import create_app
from web.settings import Settings
from workstation.application_types import ApplicationTypesError
from workstation.offers import OfferRulesError
from workstation.scripts import ScriptError


def _copy(tmp_path: Path, package: str, name: str, change: tuple[str, str] | None = None) -> Path:
    text = resources.files(package).joinpath(name).read_text(encoding="utf-8")
    if change:
        assert change[0] in text
        text = text.replace(*change, 1)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _settings(tmp_path: Path, env: dict[str, str]) -> Settings:
    return Settings.from_env({"CCDESK_VAR_DIR": str(tmp_path), "CCDESK_SECRET_KEY": "k" * 32, **env})


def test_configured_offers_and_scripts_are_the_ones_served(tmp_path: Path) -> None:
    offers = _copy(tmp_path, "workstation", "offers.toml", ("max_offers = 3", "max_offers = 1"))
    scripts = _copy(tmp_path, "workstation", "scripts.toml")
    app = create_app(_settings(tmp_path, {"CCDESK_OFFERS": str(offers), "CCDESK_SCRIPTS": str(scripts)}))
    assert app[keys.OFFERS].settings.max_offers == 1
    assert app[keys.SCRIPTS].topics()
    assert app[keys.RULES].queues and app[keys.MENU].start  # the shipped ones when not configured


@pytest.mark.parametrize(
    ("variable", "package", "name", "error"),
    [
        ("CCDESK_OFFERS", "workstation", "offers.toml", OfferRulesError),
        ("CCDESK_SCRIPTS", "workstation", "scripts.toml", ScriptError),
        ("CCDESK_APPLICATION_TYPES", "workstation", "application_types.toml", ApplicationTypesError),
    ],
)
def test_a_broken_book_stops_the_start_naming_file_and_line(
    tmp_path: Path, variable: str, package: str, name: str, error: type[Exception]
) -> None:
    path = _copy(tmp_path, package, name)
    path.write_text(path.read_text(encoding="utf-8") + "\n[broken\n", encoding="utf-8")
    with pytest.raises(error, match=rf"{name}:\d+: not valid TOML"):
        create_app(_settings(tmp_path, {variable: str(path)}))


def test_application_types_must_name_departments_of_the_routing_rules(tmp_path: Path) -> None:
    path = _copy(
        tmp_path, "workstation", "application_types.toml", ('department = "dept_field"', 'department = "dept_x"')
    )
    with pytest.raises(
        ApplicationTypesError, match=r"application_types.toml:\d+: type 'reconnection': unknown department"
    ):
        create_app(_settings(tmp_path, {"CCDESK_APPLICATION_TYPES": str(path)}))
