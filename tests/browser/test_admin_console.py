"""An admin in the console: creates an operator with a phone and queues, who signs in and takes a call, then
disables them and their screen ends; creates a department user who lands on their department's work list;
uploads routing rules (refused when they drop a type's department); and uploads a customers file whose progress
reaches 100 % with its bad row in the report."""

from __future__ import annotations

from importlib import resources

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import text

from tests.integration.admin_client import ADMIN
from tests.serving import wait_for
from web import keys
from web.accounts import add_user
from workstation.applications_filing import file_application

from .conftest import RU, VIEWPORT, known_caller
from .ui import log_in, sign_in_to

pytestmark = pytest.mark.browser


async def _admin_signs_in(server, page: Page) -> None:  # type: ignore[no-untyped-def]
    await add_user(server.db, username=ADMIN[0], role="admin", password=ADMIN[1], full_name="Главный")
    await page.goto(f"{server.url}/login?next=/admin")
    await page.fill("#username", ADMIN[0])
    await page.fill("#password", ADMIN[1])
    await page.click("form.login-form button[type=submit]")
    await expect(page.locator("body")).to_have_attribute("data-ready", "true")
    await expect(page.locator("#users-body tr[data-user=op1]")).to_be_visible()


async def test_an_operator_the_admin_creates_takes_a_call_until_the_admin_disables_them(server, page, browser) -> None:
    await _admin_signs_in(server, page)
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
    await page.click("[data-tab=phones]")
    await expect(page.locator("#phones-body tr[data-phone='1010']")).to_contain_text("ivanova")

    context = await browser.new_context(viewport=VIEWPORT, locale="ru-RU")
    try:
        operator = await context.new_page()
        await log_in(operator, server.url, "ivanova", "Lunnaya-Sonata-14")
        await sign_in_to(operator, ["support"])
        number, _customer_id, name = await known_caller(server.db)
        server.simulator.place_inbound_call(number, queue="support")
        await expect(operator.locator("#call-state")).to_have_attribute("data-state", "ringing")
        await operator.keyboard.press("F2")  # answer (simulator mode)
        await expect(operator.locator("#call-state")).to_have_attribute("data-state", "talking")
        await expect(operator.locator("body")).to_contain_text(name)

        await page.click("[data-tab=users]")
        page.once("dialog", lambda dialog: dialog.accept())  # "Disable ivanova? Their sessions end at once."
        await row.get_by_role("button", name=RU["admin.user.disable"]).click()
        await expect(page.locator("#admin-msg")).to_have_text(RU["admin.user.disabled_done"].format(name="ivanova"))
        await expect(row).to_contain_text(RU["admin.user.disabled"])
        await operator.wait_for_url("**/login**", timeout=15_000)  # the open screen ends
        members = lambda: server.simulator.snapshot()["queues"]["support"]["members"]  # noqa: E731
        await wait_for(lambda: "PJSIP/1010" not in members())  # and the phone left the queue
    finally:
        await context.close()


async def test_an_admin_resets_a_password_in_a_dialog_that_keeps_the_rules(server, page) -> None:
    await _admin_signs_in(server, page)
    row = page.locator("#users-body tr[data-user=op1]")
    await row.get_by_role("button", name=RU["admin.user.reset_password"]).click()
    await expect(page.locator("#password-dialog")).to_be_visible()
    await page.fill("#password-new", "qwerty123")
    await page.click("#password-save")
    await expect(page.locator("#password-msg")).to_have_text(RU["error.password_common"])
    await page.fill("#password-new", "Zelyonye-Holmy-9")
    await page.click("#password-save")
    await expect(page.locator("#password-dialog")).to_be_hidden()
    await expect(page.locator("#admin-msg")).to_have_text(RU["admin.user.password_done"].format(name="op1"))
    assert await page.locator("#password-new").get_attribute("type") == "password"


async def test_an_admin_imports_customers_and_sees_the_progress_and_the_bad_row(server, page) -> None:
    await _admin_signs_in(server, page)
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
    await expect(job.locator(".import-summary")).to_contain_text("30")
    await expect(job.locator(".import-errors li")).to_have_count(1)
    await expect(job.locator(".import-errors li")).to_contain_text("строка 6, ФИО")
    async with page.expect_download() as download:
        await job.locator("a[download]").click()
    assert (await download.value).suggested_filename == "clients.csv.errors.csv"


async def test_a_department_user_the_admin_creates_lands_on_their_departments_work_list(server, page, browser) -> None:
    app = server.app
    async with server.db.read_session() as s:
        customer_id = (await s.execute(text("SELECT customer_id FROM accounts ORDER BY id LIMIT 1"))).scalar_one()
    filed = {}
    for kind in ("recalculation", "meter_dispute"):  # one for billing, one for metering
        filed[kind] = await file_application(
            server.db,
            types=app[keys.APPLICATION_TYPES],
            rules=app[keys.RULES],
            channel="phone",
            type_code=kind,
            now=app[keys.CLOCK](),
            text="Проверка",
            customer_id=customer_id,
        )
    await _admin_signs_in(server, page)
    await expect(page.locator("#user-department-label")).to_be_hidden()  # an operator has none
    await page.fill("#user-username", "buhova")
    await page.fill("#user-full-name", "Бухова Анна")
    await page.select_option("#user-role", "department")
    await expect(page.locator("#user-department-label")).to_be_visible()
    await page.select_option("#user-department", "dept_billing")
    await page.fill("#user-password", "Lunnaya-Sonata-14")
    await page.click("#user-save")
    await expect(page.locator("#admin-msg")).to_have_text(RU["admin.user.created"].format(name="buhova"))
    row = page.locator("#users-body tr[data-user=buhova]")
    await expect(row).to_contain_text(f"{RU['role.department']} · Расчётный отдел")

    context = await browser.new_context(viewport=VIEWPORT, locale="ru-RU")
    try:
        clerk = await context.new_page()
        await clerk.goto(f"{server.url}/login")
        await clerk.fill("#username", "buhova")
        await clerk.fill("#password", "Lunnaya-Sonata-14")
        await clerk.click("form.login-form button[type=submit]")
        await clerk.wait_for_url("**/work")
        await expect(clerk.locator("#work-department")).to_have_text("Расчётный отдел")
        mine = filed["recalculation"].application.number
        await expect(clerk.locator("#work-rows")).to_contain_text(mine)
        await expect(clerk.locator("#work-rows")).not_to_contain_text(filed["meter_dispute"].application.number)
    finally:
        await context.close()


async def test_an_admin_uploads_rules_and_is_told_what_waits_for_the_next_start(server, page) -> None:
    text = resources.files("routing").joinpath("default_rules.toml").read_text(encoding="utf-8")
    await _admin_signs_in(server, page)
    await page.click("[data-tab=books]")
    await page.locator("#books-body tr[data-book=rules]").get_by_role("button", name=RU["admin.books.open"]).click()
    await expect(page.locator("#book-view")).to_be_visible()
    # rules that drop the department complaints go to: refused, naming what is missing
    no_quality = text.replace('dept_quality = "Отдел качества (жалобы)"\n', "")
    no_quality = no_quality.replace('queue = "dept_quality"', 'queue = "dept_billing"')
    await page.set_input_files(
        "#book-file", files=[{"name": "r1.toml", "mimeType": "text/plain", "buffer": no_quality.encode()}]
    )
    await page.click("#book-upload button[type=submit]")
    await expect(page.locator("#book-msg")).to_contain_text("'dept_quality' (types complaint)")
    # good rules: in force, with the wallboard's note
    good = text.replace('title = "VIP-клиенты"', 'title = "VIP (новые)"', 1)
    await page.set_input_files(
        "#book-file", files=[{"name": "r2.toml", "mimeType": "text/plain", "buffer": good.encode()}]
    )
    await page.click("#book-upload button[type=submit]")
    await expect(page.locator("#book-msg")).to_have_text(RU["admin.books.replaced_rules"])
    await expect(page.locator("#books-queues")).to_contain_text("VIP (новые) (vip)")
