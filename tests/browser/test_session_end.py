"""A session ended elsewhere (log out everywhere, an admin, the idle timeout) ends the open screen too: the
server drops its socket, and the page — which Socket.IO would leave saying "reconnecting" for ever — asks
/api/me and goes to the login page."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.integration.client import Operator

from .ui import log_in

pytestmark = pytest.mark.browser


async def test_a_screen_whose_session_ended_elsewhere_goes_to_the_login_page(server, page) -> None:
    await log_in(page, server.url, "op1", server.passwords["op1"])
    await expect(page.locator("#conn-state")).to_be_visible()
    laptop = Operator(server.url)
    try:
        await laptop.login("op1", server.passwords["op1"])
        async with laptop.http.post(
            "/logout/everywhere", headers={"X-CSRF-Token": laptop.csrf, "Accept": "application/json"}
        ) as response:
            assert response.status == 200 and (await response.json())["sessions_ended"] == 2
    finally:
        await laptop.close()
    await page.wait_for_url("**/login**", timeout=15_000)
    await expect(page.locator("input[name=password]")).to_be_visible()
