"""What an operator does on the screen, in a few words, for the browser tests."""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import Page, expect

from .conftest import RU


async def log_in(page: Page, base_url: str, username: str, password: str) -> None:
    await page.goto(f"{base_url}/")
    await expect(page.locator("#username")).to_be_visible()
    await page.fill("#username", username)
    await page.fill("#password", password)
    await page.click("form.login-form button[type=submit]")
    await expect(page.locator("#conn-state")).to_have_attribute("data-state", "online")


async def sign_in_to(page: Page, queues: list[str]) -> None:
    """Open "sign in to queues", tick exactly `queues`, sign in; wait until the screen says available."""
    await page.click("#signin-box summary")
    for box in await page.locator("#signin-queues input[type=checkbox]").all():
        await box.set_checked(await box.get_attribute("value") in queues)
    await page.click("#signin-form button[type=submit]")
    await expect(page.locator("#presence-state")).to_have_attribute("data-state", "available")
    await expect(page.locator("#presence-state")).to_have_text(RU["presence_state.available"])


async def api_get(page: Page, path: str) -> Any:
    """GET the JSON API with the page's own session (what the browser would see)."""
    response = await page.request.get(path)
    assert response.ok, (path, response.status, await response.text())
    return await response.json()


# Latin words Russian screens use (compared in lower case): the product, abbreviations, key names, e-mail.
LATIN_ALLOWED = frozenset({"ccdesk", "vip", "ivr", "ctrl", "esc", "e-mail"})
SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
LATIN_WORD = re.compile(r"(?<![\w@.-])[A-Za-z][A-Za-z-]*[A-Za-z](?![\w@-])")
NOT_WORDS = re.compile(r"\S+@\S+|https?://\S+")  # e-mail addresses and links are data, not words


def vocabulary_codes() -> set[str]:
    """Every code of every vocabulary family (crm_store/vocabulary.py)."""
    from crm_store import vocabulary

    return {m.value for family in vocabulary.FAMILIES.values() for m in family}


def raw_codes_in(text: str, codes: set[str]) -> list[str]:
    """What on screen is not Russian for people: snake_case tokens, vocabulary codes, Latin-only words."""
    text = NOT_WORDS.sub(" ", text)
    found = set(SNAKE_CASE.findall(text))
    found |= {w for w in re.findall(r"[A-Za-z_]+", text) if w in codes}
    found |= {w for w in LATIN_WORD.findall(text) if w.lower() not in LATIN_ALLOWED}
    return sorted(found)


async def visible_text(page: Page) -> str:
    """The text a person sees: innerText leaves out hidden elements; drop-downs list all their options."""
    return str(await page.evaluate("document.body.innerText"))


async def assert_screen_is_russian(page: Page, step: str) -> None:
    found = raw_codes_in(await visible_text(page), vocabulary_codes())
    assert found == [], f"{step}: raw codes or English on screen: {found}"
