"""An operator files an application from the call card in two clicks and sees it in the pop at once; a
department user takes it and resolves it on /work; the customer then sees it resolved on /apply/status."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import expect
from sqlalchemy import text

from crm_store.users import create_user
from web.passwords import hash_password

from .conftest import RU, known_caller
from .ui import log_in, sign_in_to

pytestmark = pytest.mark.browser


async def test_filed_from_the_card_resolved_by_the_department_and_seen_by_the_customer(
    server: Any, browser: Any, page: Any
) -> None:
    await create_user(
        server.db,
        username="acc1",
        role="department",
        password_hash=hash_password("acc1-password"),
        full_name="Бухгалтер Анна",
        department="dept_billing",
    )
    number, customer_id, name = await known_caller(server.db)
    async with server.db.read_session() as s:
        account = (
            await s.execute(
                text("SELECT number FROM accounts WHERE customer_id = :c ORDER BY id LIMIT 1"), {"c": customer_id}
            )
        ).scalar()

    # The operator: a call pops the customer; two clicks file a recalculation for them.
    await log_in(page, server.url, "op1", server.passwords["op1"])
    await sign_in_to(page, ["support"])
    server.simulator.place_inbound_call(number, queue="support")
    await expect(page.locator("#customer-name")).to_have_text(name)
    await page.click("#application-box summary")
    await page.click("#application-quick button[data-type=recalculation]")
    receipt = page.locator("#application-receipt")
    await expect(receipt).to_be_visible()
    app_number = re.search(r"\d{9}", await receipt.inner_text()).group(0)
    await expect(page.locator("#open-applications")).to_contain_text(app_number)  # the pop, at once

    # The department: on its work list; take it, then resolve it with a comment for the customer.
    context = await browser.new_context(locale="ru-RU", timezone_id="Europe/Moscow")
    dept = await context.new_page()
    try:
        await dept.goto(f"{server.url}/work")
        await dept.fill("#username", "acc1")
        await dept.fill("#password", "acc1-password")
        await dept.click("form.login-form button[type=submit]")
        row = dept.locator("#work-rows tr", has_text=app_number)
        await expect(row).to_be_visible()
        await row.click()
        await dept.click("#btn-take")
        await expect(dept.locator("#detail-status")).to_have_attribute("data-status", "in_progress")
        await expect(page.locator("#open-applications")).to_contain_text(RU["application_status.in_progress"])
        await dept.fill("#status-comment", "Перерасчёт выполнен, сумма уменьшена")
        await dept.click("#work-detail button[data-status=resolved]")
        await expect(dept.locator("#detail-status")).to_have_attribute("data-status", "resolved")
        await expect(dept.locator("#history")).to_contain_text("Перерасчёт выполнен")
        # Another one filed while the list is open: it appears at once (the department's /work socket; the
        # list's own refresh is a minute away).
        filed = await page.evaluate(
            """async (customerId) => {
                const csrf = document.querySelector("meta[name=csrf-token]").content;
                const r = await fetch("/api/applications", {method: "POST", headers: {"Content-Type":
                    "application/json", "X-CSRF-Token": csrf}, body: JSON.stringify({type: "recalculation",
                    customer_id: customerId})});
                return r.json();
            }""",
            customer_id,
        )
        await expect(dept.locator("#work-rows tr", has_text=filed["number"])).to_be_visible()
    finally:
        await context.close()

    # The customer, on the public status page: no login, the account and the phone on file.
    customer = await browser.new_context(locale="ru-RU", timezone_id="Europe/Moscow")
    visitor = await customer.new_page()
    try:
        await visitor.goto(f"{server.url}/apply/status")
        await visitor.fill("#status-number", app_number)
        await visitor.fill("#status-account", account)
        await visitor.fill("#status-contact", number)
        await visitor.click("#status-submit")
        await expect(visitor.locator("#status-now")).to_have_attribute("data-status", "resolved")
        await expect(visitor.locator("#status-now")).to_have_text(RU["application_status.resolved"])
        await expect(visitor.locator("#status-result")).to_contain_text("Перерасчёт выполнен")
    finally:
        await customer.close()


async def test_what_a_customer_sends_is_shown_as_text_on_the_work_list(server: Any, browser: Any, page: Any) -> None:
    """Markup in the public form's text, fields and file name stays text on the receipt and on /work."""
    from .test_xss import IMG, SCRIPT, SVG, Watch

    await create_user(
        server.db,
        username="met1",
        role="department",
        password_hash=hash_password("met1-password"),
        full_name="Учётчик",
        department="dept_metering",
    )
    number, customer_id, _name = await known_caller(server.db)
    async with server.db.read_session() as s:
        account = (
            await s.execute(
                text("SELECT number FROM accounts WHERE customer_id = :c ORDER BY id LIMIT 1"), {"c": customer_id}
            )
        ).scalar()
    watch = Watch(page)
    await page.goto(f"{server.url}/apply")
    await page.fill("#apply-account", account)
    await page.fill("#apply-contact", number)
    await page.select_option("#apply-type", "meter_dispute")
    await page.fill("[name='meter_dispute.meter_number']", SVG)
    await page.fill("#apply-text", f"Текст {SCRIPT} {IMG}")
    await page.set_input_files(
        "[data-type=meter_dispute] input[type=file]",
        files=[{"name": f"фото {IMG}.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n" + bytes(64)}],
    )
    await page.click("#apply-submit")
    await expect(page.locator("#receipt-number")).to_be_visible()
    app_number = await page.locator("#receipt-number").inner_text()
    await watch.nothing_ran("the receipt")

    await page.context.clear_cookies()
    await page.goto(f"{server.url}/work")
    await page.fill("#username", "met1")
    await page.fill("#password", "met1-password")
    await page.click("form.login-form button[type=submit]")
    await page.locator("#work-rows tr", has_text=app_number).click()
    await expect(page.locator("#work-detail .attachments")).to_be_visible()
    await watch.nothing_ran("the application on /work", SVG, f"Текст {SCRIPT} {IMG}", f"фото {IMG}.png")
    await expect(page.locator("#work-detail")).to_contain_text(RU["work.channel.web"])
