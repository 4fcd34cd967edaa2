"""The customer page: the whole history on one timeline, and contact details the operator can correct."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from .conftest import RU, known_caller
from .ui import api_get, assert_screen_is_russian, log_in

pytestmark = pytest.mark.browser


async def test_the_customer_page_saves_new_contact_details(server, page) -> None:
    _, customer_id, name = await known_caller(server.db, offset=3)
    await log_in(page, server.url, "op1", server.passwords["op1"])
    await page.goto(f"{server.url}/customers/{customer_id}")
    await expect(page.locator("#customer-name")).to_have_text(name)

    await page.click("#contacts-box summary")
    await page.fill("#contacts-email", "new.address@example.org")
    await page.click("#contacts-add-phone")
    await page.locator(".contact-phone").last.fill("+7 916 555-44-33")
    await page.click("#contacts-save")
    await expect(page.locator("#contacts-msg")).to_have_text(RU["contacts.saved"])
    await expect(page.locator("#customer-view")).to_contain_text("new.address@example.org")

    saved = await api_get(page, f"{server.url}/api/customers/{customer_id}/pop")
    assert saved["customer"]["email"] == "new.address@example.org"
    assert "+79165554433" in [p["e164"] for p in saved["customer"]["phones"]]


async def test_the_customer_page_shows_calls_and_payments_on_one_timeline(server, page) -> None:
    _, customer_id, _ = await known_caller(server.db, offset=4)
    await log_in(page, server.url, "op1", server.passwords["op1"])
    probe = await page.request.get(f"{server.url}/api/customers/{customer_id}/timeline")
    assert probe.status == 200, await probe.text()
    await page.goto(f"{server.url}/customers/{customer_id}")
    await expect(page.locator("#timeline > li[data-kind=payment]").first).to_be_visible()
    await expect(page.locator("#timeline > li[data-kind=call]").first).to_be_visible()
    await assert_screen_is_russian(page, "customer page")

    await page.locator("#timeline-filter input[value=payment]").uncheck()
    await expect(page.locator("#timeline > li[data-kind=payment]").first).to_be_hidden()
