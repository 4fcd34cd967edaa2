"""Interface strings: one JSON file per language under static/i18n, shared by templates and the browser."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

I18N_DIR = Path(__file__).parent / "static" / "i18n"
DEFAULT_LANGUAGE = "ru"


def load_strings(language: str) -> dict[str, str]:
    path = I18N_DIR / f"{language}.json"
    if not path.exists():
        path = I18N_DIR / f"{DEFAULT_LANGUAGE}.json"
    if not path.exists():
        return {}
    return dict(json.loads(path.read_text(encoding="utf-8")))


def translator(strings: dict[str, str]) -> Callable[[str], str]:
    def t(key: str) -> str:
        return strings.get(key, key)

    return t
