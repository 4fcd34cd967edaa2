"""What an operator does on the screen, in a few words, for the browser tests."""

from __future__ import annotations

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
    await expect(page.locator("#presence-state")).to_have_text(RU["presence.available"])


async def api_get(page: Page, path: str) -> Any:
    """GET the JSON API with the page's own session (what the browser would see)."""
    response = await page.request.get(path)
    assert response.ok, (path, response.status, await response.text())
    return await response.json()
