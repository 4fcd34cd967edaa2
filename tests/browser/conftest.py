"""Browser tests: Playwright drives Debian's chromium (Playwright's own browser download is impossible here)
against the real app and the PBX simulator (the `server` fixture of tests/conftest.py)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1366, "height": 768}  # the operators' screens
RU: dict[str, str] = json.loads(
    (Path(__file__).resolve().parents[2] / "web" / "static" / "i18n" / "ru.json").read_text(encoding="utf-8")
)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    if not CHROMIUM.exists():  # noqa: ASYNC240 (once per session)
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (`make install-test` installs it)")
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture
async def page(browser: Any) -> AsyncIterator[Any]:
    """A fresh browser profile (no cookies) at 1366×768; a script error on the page fails the test."""
    context = await browser.new_context(viewport=VIEWPORT, locale="ru-RU", timezone_id="Europe/Moscow")
    context.set_default_timeout(10_000)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    yield page
    await context.close()
    assert not errors, f"script errors on the page: {errors}"


def shown_phone(e164: str) -> str:
    """A number as the screen writes it (format.js: `+7 (495) 123-45-67`, non-breaking spaces)."""
    digits = re.sub(r"\D", "", e164)
    m = re.fullmatch(r"[78]?(\d{3})(\d{3})(\d{2})(\d{2})", digits)
    assert m, e164
    return f"+7\u00a0({m[1]})\u00a0{m[2]}-{m[3]}-{m[4]}"


async def known_caller(db: Any, offset: int = 0) -> tuple[str, int, str]:
    """(a phone number as written in the data, its only customer's id, the customer's full name)."""
    async with db.read_session() as s:
        row = (
            await s.execute(
                text(
                    "SELECT p.raw, p.customer_id, c.full_name FROM phones p JOIN customers c ON c.id = p.customer_id "
                    "WHERE (SELECT count(*) FROM phones q WHERE q.e164 = p.e164) = 1 "
                    "AND NOT EXISTS (SELECT 1 FROM contact_persons cp WHERE cp.phone = p.e164) "
                    "ORDER BY p.id LIMIT 1 OFFSET :o"
                ),
                {"o": offset},
            )
        ).first()
    return row[0], row[1], row[2]
