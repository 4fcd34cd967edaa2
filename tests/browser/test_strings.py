"""Every interface string comes from web/static/i18n/<lang>.json: the languages hold the same keys, every
key the templates and scripts ask for exists, every code of the vocabulary (crm_store/vocabulary.py) and
every error code the server raises has a label (no browser needed)."""

from __future__ import annotations

import enum
import importlib
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
LANGS = ("ru", "en")
# t('key') / t("key") in templates and scripts; dynamic keys (t(`call.state.${s}`)) are checked below.
LITERAL = re.compile(r"""\bt\(\s*['"]([a-z_][\w.-]*[\w-])['"]""")  # not a prefix glued to a variable
SOURCES = sorted(WEB.glob("templates/*.html")) + sorted(WEB.glob("static/*.js")) + sorted(WEB.glob("*.py"))
# The calls that raise an operator's error; their code is `code="x"` (or the 3rd argument of _json_error).
RAISING = re.compile(r"\b(WorkstationError|Refused|bad_request|_json_error)\(")
CODE_ARG = re.compile(r"""\bcode\s*=\s*["']([a-z][a-z0-9_]*)["']""")
JSON_ERROR_CODE = re.compile(r"""^\s*\d+\s*,.*?,\s*["']([a-z][a-z0-9_]*)["']""", re.S)
# Refused("english message", "code") and bad_request("english message", "code"): the code comes second.
SECOND_ARG_CODE = re.compile(r"""^\s*f?(?:"[^"]*"|'[^']*')\s*,\s*["']([a-z][a-z0-9_]*)["']""", re.S)
SERVER_SOURCES = sorted(p for d in ("workstation", "web") for p in (ROOT / d).rglob("*.py"))


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


def vocabulary_enums() -> list[type[enum.StrEnum]]:
    vocabulary = importlib.import_module("crm_store.vocabulary")
    return [
        obj
        for obj in vars(vocabulary).values()
        if isinstance(obj, type) and issubclass(obj, enum.StrEnum) and obj.__module__ == vocabulary.__name__
    ]


def test_every_member_of_every_vocabulary_enum_has_a_label_in_every_language() -> None:
    vocabulary = importlib.import_module("crm_store.vocabulary")
    enums = vocabulary_enums()
    assert enums, "crm_store/vocabulary.py defines no StrEnum"
    families = {enum_: family for family, enum_ in vocabulary.FAMILIES.items()}
    assert [e.__name__ for e in enums if e not in families] == [], "an enum without a label family"
    for lang in LANGS:
        labels = strings(lang)
        keys = [f"{families[e]}.{m.value}" for e in enums for m in e]
        assert [k for k in keys if k not in labels] == [], lang
    # A Russian label is words for people, never the code itself.
    ru = strings("ru")
    assert [k for e in enums for m in e if (k := f"{families[e]}.{m.value}") and ru[k] == m.value] == []


def call_arguments(text: str, start: int) -> str:
    """The text between the parenthesis opened at `start` and the one that closes it."""
    depth = 0
    for i in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return text[start + 1 : i]
    return text[start + 1 :]


def raised_error_codes(text: str) -> set[str]:
    codes = set()
    for m in RAISING.finditer(text):
        args = call_arguments(text, m.end() - 1)
        if m[1] == "_json_error":
            found = JSON_ERROR_CODE.match(args)
        else:
            found = CODE_ARG.search(args) or (
                SECOND_ARG_CODE.match(args) if m[1] in ("Refused", "bad_request") else None
            )
        if found:
            codes.add(found[1])
    return codes


def test_every_error_code_the_server_raises_has_a_translation() -> None:
    codes = {code for source in SERVER_SOURCES for code in raised_error_codes(source.read_text(encoding="utf-8"))}
    assert {"not_found", "pbx_unavailable"} <= codes, "the scan no longer finds web/errors.py's codes"
    assert "result_required" in codes, "the scan no longer finds workstation.presence.Refused's codes"
    codes |= {"refused"}  # WorkstationError's default
    for lang in LANGS:
        assert sorted(c for c in codes if f"error.{c}" not in strings(lang)) == [], lang


@pytest.mark.parametrize(
    "prefix, codes",
    [
        ("conn", ("connecting", "online", "reconnecting")),
        ("transfer.done", ("blind", "attended")),
        ("timeline.kind", ("call", "application", "application_status", "payment", "reading", "adjustment")),
        ("customer.kind", ("individual", "organisation")),
    ],
)
def test_the_states_the_scripts_name_have_strings(prefix: str, codes: tuple[str, ...]) -> None:
    sep = "_" if prefix == "transfer.done" else "."
    assert [c for c in codes if f"{prefix}{sep}{c}" not in strings("ru")] == []


@pytest.mark.parametrize(
    "screen, found",
    [
        ("Тема: Другое · Клиент не ответил · e-mail · VIP-клиент · Ctrl+S · ccdesk", []),
        ("Тема: other", ["other"]),
        ("Результат: no_answer", ["no_answer"]),
        ("Звонок: offered · завершён ivr_only", ["ivr_only", "offered"]),
        ("Почему ко мне: Общий вопрос [rule default, priority 0]", ["default", "priority", "rule"]),
        ("Ошибка: the PBX refused", ["PBX", "refused", "the"]),
        ("Клиент: ivan.petrov@example.org, https://example.org/x", []),
    ],
)
def test_the_screen_scanner_finds_raw_codes_and_english(screen: str, found: list[str]) -> None:
    from .ui import raw_codes_in

    assert raw_codes_in(screen, {"other", "offered", "no_answer", "ivr_only"}) == found
