"""Every interface string comes from web/static/i18n/<lang>.json: the languages hold the same keys, and
every key the templates and scripts ask for exists (no browser needed)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "web"
LANGS = ("ru", "en")
# t('key') / t("key") in templates and scripts; dynamic keys (t(`call.state.${s}`)) are checked below.
LITERAL = re.compile(r"""\bt\(\s*['"]([a-z_][\w.-]*[\w-])['"]""")  # not a prefix glued to a variable
SOURCES = sorted(WEB.glob("templates/*.html")) + sorted(WEB.glob("static/*.js")) + sorted(WEB.glob("*.py"))


def strings(lang: str) -> dict[str, str]:
    return json.loads((WEB / "static" / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))


def test_the_languages_have_the_same_keys_and_no_empty_strings() -> None:
    ru, en = strings("ru"), strings("en")
    assert sorted(set(ru) ^ set(en)) == []
    assert [k for k, v in {**ru, **en}.items() if not v.strip()] == []


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_every_key_asked_for_exists(source: Path) -> None:
    ru = strings("ru")
    missing = sorted({k for k in LITERAL.findall(source.read_text(encoding="utf-8")) if k not in ru})
    assert missing == []


@pytest.mark.parametrize(
    "prefix, codes",
    [
        ("presence", ("signed_out", "available", "paused", "ringing", "talking", "wrap_up")),
        ("call.state", ("queued", "ringing", "talking", "ended")),
        ("call.direction", ("inbound", "outbound")),
        ("conn", ("connecting", "online", "reconnecting")),
        ("transfer.done", ("blind", "attended")),
        ("offers", ("accepted", "declined", "later")),
        ("timeline.kind", ("call", "application", "application_status", "payment", "reading", "adjustment")),
        ("customer.kind", ("individual", "organisation")),
    ],
)
def test_the_states_the_scripts_name_have_strings(prefix: str, codes: tuple[str, ...]) -> None:
    sep = "_" if prefix == "transfer.done" else "."
    assert [c for c in codes if f"{prefix}{sep}{c}" not in strings("ru")] == []
