"""The call-back list on the operator's screen: a page at a time, newest first, "show more" for the rest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import expect

from crm_store import interactions

from .conftest import RU
from .ui import assert_screen_is_russian, log_in

pytestmark = pytest.mark.browser

PAGE = 50  # entries the server sends at a time (workstation/callbacks.py)


async def test_the_call_back_list_pages_with_show_more(server, page) -> None:
    start = datetime.now(UTC) - timedelta(hours=3)
    for i in range(PAGE + 3):
        call_id = f"missed-{i:03d}"
        await interactions.open_call_card(
            server.db, call_id=call_id, offered_at=start + timedelta(minutes=i), caller_number=f"+7916555{i:04d}"
        )
        await interactions.update_call_card(
            server.db, call_id, {"queue": "support", "state": "ended", "callback_status": "pending"}
        )
    await log_in(page, server.url, "op1", server.passwords["op1"])
    entries = page.locator("#callbacks-list li.callback")
    await expect(entries).to_have_count(PAGE)
    await expect(page.locator("#callbacks-count")).to_have_text(f"{PAGE}+")
    await expect(entries.first).to_contain_text("+7\u00a0(916)\u00a0555-00-52")  # newest first
    await expect(entries.first).to_contain_text(RU["callbacks.unknown_customer"])
    await assert_screen_is_russian(page, "call-back list, first page")

    await page.click("#btn-callbacks-more")
    await expect(entries).to_have_count(PAGE + 3)
    await expect(entries.last).to_contain_text("+7\u00a0(916)\u00a0555-00-00")
    await expect(page.locator("#btn-callbacks-more")).to_be_hidden()
    await expect(page.locator("#callbacks-count")).to_have_text(str(PAGE + 3))
