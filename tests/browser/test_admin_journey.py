"""An admin's journey, end to end (issue 13's second journey): on /admin registers a desk phone, creates an
operator for it with two queues; the operator signs in on their own browser, signs in to both queues and takes a
call from the simulator (the customer pops); the admin disables them, and at once their open screen goes to the
login page, their session answers 401, their phone leaves the queues, and the audit log holds each step."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import text

from tests.integration.admin_client import ADMIN
from tests.serving import Running, wait_for
from web.accounts import add_user

from .conftest import RU, VIEWPORT, known_caller
from .ui import api_get, log_in, sign_in_to

pytestmark = pytest.mark.browser

EXTENSION = "1011"
PHONE = f"PJSIP/{EXTENSION}"
PASSWORD = "Tihaya-Gavan-27"


def _in_queues(server: Running) -> set[str]:
    """The queues the PBX has the operator's phone in."""
    queues = server.simulator.snapshot()["queues"]
    return {name for name, q in queues.items() if PHONE in q["members"]}


async def test_an_admin_creates_an_operator_who_takes_a_call_then_disables_them(
    server: Running, page: Page, browser: Any
) -> None:
    await add_user(server.db, username=ADMIN[0], role="admin", password=ADMIN[1], full_name="Главный")
    await page.goto(f"{server.url}/login")
    await page.fill("#username", ADMIN[0])
    await page.fill("#password", ADMIN[1])
    await page.click("form.login-form button[type=submit]")
    await expect(page).to_have_url(f"{server.url}/admin")  # an admin's home
    await expect(page.locator("body")).to_have_attribute("data-ready", "true")

    # The desk phone first, a shared one on the floor.
    await page.click("[data-tab=phones]")
    await page.fill("#phone-extension", EXTENSION)
    await page.fill("#phone-label", "Ряд 2, место 4")
    await page.click("#phone-form button[type=submit]")
    await expect(page.locator("#admin-msg")).to_have_text(RU["admin.phone.added"])
    phone_row = page.locator(f"#phones-body tr[data-phone='{EXTENSION}']")
    await expect(phone_row).to_contain_text(RU["admin.phone.shared"])
    await expect(phone_row).to_contain_text("Ряд 2, место 4")

    # The operator, at that phone, in both queues.
    await page.click("[data-tab=users]")
    await page.fill("#user-username", "petrova")
    await page.fill("#user-full-name", "Петрова Анна")
    await page.select_option("#user-role", "operator")
    await page.fill("#user-extension", EXTENSION)
    await page.fill("#user-password", PASSWORD)
    await page.check("#user-queues input[value=support]")
    await page.check("#user-queues input[value=billing]")
    await page.click("#user-save")
    await expect(page.locator("#admin-msg")).to_have_text(RU["admin.user.created"].format(name="petrova"))
    row = page.locator("#users-body tr[data-user=petrova]")
    await expect(row).to_contain_text("Петрова Анна")
    await expect(row).to_contain_text(RU["role.operator"])
    await expect(row).to_contain_text(RU["queue.support"])
    await expect(row).to_contain_text(RU["queue.billing"])
    await page.click("[data-tab=phones]")
    # A phone registered as shared stays shared (crm_store.desk_phones.claim_phone): others may sign in at it.
    await expect(phone_row.locator("td").nth(1)).to_have_text(RU["admin.phone.shared"])
    await expect(phone_row).to_contain_text("Ряд 2, место 4")
    await page.click("[data-tab=users]")
    async with server.db.read_session() as s:
        stored = (await s.execute(text("SELECT role, extension, active FROM users WHERE username = 'petrova'"))).one()
    assert (stored.role, stored.extension, bool(stored.active)) == ("operator", EXTENSION, True)

    context = await browser.new_context(viewport=VIEWPORT, locale="ru-RU", timezone_id="Europe/Moscow")
    try:
        operator = await context.new_page()
        await log_in(operator, server.url, "petrova", PASSWORD)
        await sign_in_to(operator, ["support", "billing"])
        await wait_for(lambda: _in_queues(server) == {"support", "billing"})

        number, _customer_id, name = await known_caller(server.db)
        server.simulator.place_inbound_call(number, queue="billing", patience=600, talk_time=600)
        await expect(operator.locator("#call-state")).to_have_attribute("data-state", "ringing")
        await operator.keyboard.press("F2")  # answer (simulator mode)
        await expect(operator.locator("#call-state")).to_have_attribute("data-state", "talking")
        await expect(operator.locator("body")).to_contain_text(name)  # the pop
        me = await api_get(operator, f"{server.url}/api/me")
        assert me["presence"]["state"] == "talking"

        # The admin disables the operator mid-call.
        page.once("dialog", lambda dialog: dialog.accept())  # "Disable petrova? Their sessions end at once."
        await row.get_by_role("button", name=RU["admin.user.disable"]).click()
        await expect(page.locator("#admin-msg")).to_have_text(RU["admin.user.disabled_done"].format(name="petrova"))
        await expect(row).to_contain_text(RU["admin.user.disabled"])

        await operator.wait_for_url("**/login**", timeout=15_000)  # the open screen ends
        await expect(operator.locator("#password")).to_be_visible()
        assert (await context.request.get(f"{server.url}/api/me")).status == 401
        await wait_for(lambda: _in_queues(server) == set())  # the phone left both queues
        # And the password no longer opens a session.
        await operator.fill("#username", "petrova")
        await operator.fill("#password", PASSWORD)
        await operator.click("form.login-form button[type=submit]")
        await expect(operator.locator("#username")).to_be_visible()
        assert (await context.request.get(f"{server.url}/api/me")).status == 401
    finally:
        await context.close()

    # What the admin did is on record.
    await page.click("[data-tab=audit]")
    await page.fill("#audit-user", ADMIN[0])
    await page.fill("#audit-action", "user.")
    await page.click("#audit-form button[type=submit]")
    audit = page.locator("#audit-body tr")
    await expect(audit.filter(has_text="user.disable")).to_have_count(1)
    await expect(audit.filter(has_text="user.create").filter(has_text="petrova")).to_have_count(1)
    async with server.db.read_session() as s:
        active = (await s.execute(text("SELECT active FROM users WHERE username = 'petrova'"))).scalar_one()
    assert not active
