"""An admin in the console: signs in, creates an operator who can then sign in at the workstation, and
uploads a customers file whose progress reaches 100 % with its bad row in the report."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.integration.admin_client import ADMIN
from web.accounts import add_user

from .conftest import RU, VIEWPORT
from .ui import log_in

pytestmark = pytest.mark.browser


async def test_an_admin_creates_an_operator_and_imports_customers(server, page, browser) -> None:
    await add_user(server.db, username=ADMIN[0], role="admin", password=ADMIN[1], full_name="Главный")
    await page.goto(f"{server.url}/login?next=/admin")
    await page.fill("#username", ADMIN[0])
    await page.fill("#password", ADMIN[1])
    await page.click("form.login-form button[type=submit]")
    await expect(page.locator("body")).to_have_attribute("data-ready", "true")
    await expect(page.locator("#users-body tr[data-user=op1]")).to_be_visible()

    await page.fill("#user-username", "ivanova")
    await page.fill("#user-full-name", "Иванова Мария")
    await page.select_option("#user-role", "operator")
    await page.fill("#user-extension", "1010")
    await page.fill("#user-password", "Lunnaya-Sonata-14")
    await page.check("#user-queues input[value=support]")
    await page.click("#user-save")
    await expect(page.locator("#admin-msg")).to_have_text(RU["admin.user.created"].format(name="ivanova"))
    row = page.locator("#users-body tr[data-user=ivanova]")
    await expect(row).to_contain_text("Иванова Мария")
    await expect(row).to_contain_text(RU["role.operator"])

    context = await browser.new_context(viewport=VIEWPORT, locale="ru-RU")
    try:
        operator = await context.new_page()
        await log_in(operator, server.url, "ivanova", "Lunnaya-Sonata-14")  # the workstation is online
    finally:
        await context.close()

    await page.click("[data-tab=imports]")
    lines = ["ФИО;Лицевой счёт;Телефон", *(f"Клиент Номер {i};88{i:08d};+7 916 5{i:06d}" for i in range(1, 31))]
    lines.insert(5, ";8800000999;+7 916 5000999")  # no name: rejected
    await page.set_input_files(
        "#import-file",
        files=[{"name": "clients.csv", "mimeType": "text/csv", "buffer": "\n".join(lines).encode("utf-8")}],
    )
    await page.click("#import-start")
    job = page.locator(".import-job").first
    await expect(job.locator(".import-percent")).to_have_text("100 %", timeout=15_000)
    await expect(job.locator(".badge")).to_have_text(RU["admin.imports.state.done"])
    await expect(job.locator(".import-errors li")).to_have_count(1)
    await expect(job.locator(".import-errors li")).to_contain_text("строка 6")
    async with page.expect_download() as download:
        await job.locator("a[download]").click()
    assert (await download.value).suggested_filename == "clients.csv.errors.csv"
