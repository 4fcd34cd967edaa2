"""A supervisor signs in and lands on the wallboard; a call from the simulator changes a queue's figures
on the screen by itself (pushed, no reload); a campaign the dialer sends appears; the large-screen mode toggles
on and off."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from tests.serving import Running, prepare_database, settings_for_test, start
from web import keys
from workstation.wallboard_feed import CampaignFigures

from .conftest import RU
from .ui import raw_codes_in, vocabulary_codes

pytestmark = pytest.mark.browser


@pytest.fixture
async def center(tmp_path: Path) -> AsyncIterator[Running]:
    url = await prepare_database(tmp_path / "ccdesk.db", customers=20)
    running = await start(settings_for_test(tmp_path, url, sim_bots=1))
    yield running
    await running.stop()


async def test_a_supervisor_lands_on_the_wallboard_and_sees_a_call_counted(center: Running, page: Any) -> None:
    await page.goto(f"{center.url}/")
    await page.fill("#username", "sup")
    await page.fill("#password", center.passwords["sup"])
    await page.click("form.login-form button[type=submit]")
    await expect(page).to_have_url(f"{center.url}/wallboard")
    await expect(page.locator("#conn-state")).to_have_attribute("data-state", "online")
    support = page.locator('.wb-tile[data-queue="support"]')
    await expect(support.locator("h3")).to_have_text(RU["queue.support"])
    answered = support.locator('[data-fig="answered"]')
    await expect(answered).to_have_text("0")

    center.simulator.place_inbound_call(queue="support", patience=60, talk_time=1.0)
    await expect(answered).to_have_text("1", timeout=20_000)
    await expect(support.locator('[data-fig="service_level"]')).to_have_attribute("data-grade", "ok")
    bot = page.locator("#wb-operators tr").filter(has_text="(бот)").first
    await expect(bot.locator("td").nth(3)).to_have_text("1", timeout=20_000)
    await expect(page.locator("#wb-campaigns-box")).to_be_hidden()  # no dialer campaign: no section
    # The board itself (the header names the user, whose name here is the Latin "SUP"): no code, no English.
    assert raw_codes_in(await page.inner_text("#wb"), vocabulary_codes()) == []

    # The dialer's campaigns appear when it sends some, coloured against its abandon cap.
    figures = CampaignFigures(
        name="debt-dec", title="Долги декабря", dialled=5, total=10, reached=3, abandon_pct=3.5, cap_pct=3.0
    )
    await center.app[keys.WALLBOARD_PUSHER].push_campaigns([figures])
    campaign = page.locator('#wb-campaigns tr[data-campaign="debt-dec"]')
    await expect(campaign.locator("td").first).to_have_text("Долги декабря")
    await expect(campaign.locator("td").nth(1)).to_contain_text("5 / 10")
    await expect(campaign.locator("[data-grade]")).to_have_attribute("data-grade", "alert")

    await page.click("#wb-wall-toggle")
    await expect(page.locator("body")).to_have_class("wb-page wb-wall")
    await expect(page.locator(".wb-chrome")).to_be_hidden()
    assert page.url.endswith("/wallboard?screen=wall")
    await page.click("#wb-wall-exit")
    await expect(page.locator(".wb-chrome")).to_be_visible()
    assert page.url.endswith("/wallboard")


async def test_the_wall_display_opens_in_large_screen_mode_from_its_address(center: Running, page: Any) -> None:
    await page.goto(f"{center.url}/wallboard?screen=wall")
    await page.fill("#username", "sup")
    await page.fill("#password", center.passwords["sup"])
    await page.click("form.login-form button[type=submit]")
    await expect(page).to_have_url(f"{center.url}/wallboard?screen=wall")
    await expect(page.locator(".wb-chrome")).to_be_hidden()
    await expect(page.locator('.wb-tile[data-queue="support"] [data-fig="waiting"]')).to_have_text("0")
