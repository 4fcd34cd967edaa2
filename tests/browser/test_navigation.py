"""A supervisor moves between their pages by the navigation bar alone: wallboard → supervisor → reports, each
page marking itself in the bar; the wallboard's large-screen mode shows no bar."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import expect

from tests.serving import Running

from .conftest import RU

pytestmark = pytest.mark.browser


async def test_a_supervisor_goes_from_the_wallboard_to_the_supervisor_page_and_the_reports_by_the_bar(
    server: Running, page: Any
) -> None:
    await page.goto(f"{server.url}/")
    await page.fill("#username", "sup")
    await page.fill("#password", server.passwords["sup"])
    await page.click("form.login-form button[type=submit]")
    await expect(page).to_have_url(f"{server.url}/wallboard")

    bar = page.locator("nav.app-nav")
    await expect(bar).to_be_visible()
    await expect(bar.locator("a")).to_contain_text(
        [RU["nav.wallboard"], RU["nav.supervisor"], RU["nav.reports"], RU["nav.work"], RU["nav.mail"]]
    )
    await expect(bar.locator("a", has_text=RU["nav.admin"])).to_have_count(0)  # an admin's page
    await expect(bar.locator('a[aria-current="page"]')).to_have_text(RU["nav.wallboard"])

    await bar.get_by_role("link", name=RU["nav.supervisor"]).click()
    await expect(page).to_have_url(f"{server.url}/supervisor")
    await expect(page.locator("#conn-state")).to_have_attribute("data-state", "online")
    await expect(page.locator('nav.app-nav a[aria-current="page"]')).to_have_text(RU["nav.supervisor"])

    await page.locator("nav.app-nav").get_by_role("link", name=RU["nav.reports"]).click()
    await expect(page).to_have_url(f"{server.url}/reports")
    await expect(page.locator("#report-form")).to_be_visible()
    await expect(page.locator('nav.app-nav a[aria-current="page"]')).to_have_text(RU["nav.reports"])

    # The wall display: no chrome, so no bar either.
    await page.goto(f"{server.url}/wallboard?screen=wall")
    await expect(page.locator("#wb")).to_be_visible()
    await expect(page.locator("nav.app-nav")).to_be_hidden()
