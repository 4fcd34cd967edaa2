"""A supervisor's morning, end to end, across the pages (issue 13's first journey): an operator is signed in to
a queue; on /wallboard the supervisor sees a caller wait and then be answered, the figures changing by
themselves; on /supervisor listens to that call on their desk phone (the simulator plays ChanSpy), and once it
ends pauses the operator and sees it take effect (on the page, on the operator's own screen, in the PBX); on
/reports downloads the day's queue report as CSV and as Excel, both holding the call. Pages are reached by
address, as from a bookmark."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from playwright.async_api import Page, expect
from sqlalchemy import text

from crm_store.desk_phones import add_phone
from tests.serving import Running, wait_for

from .conftest import RU, VIEWPORT, shown_phone
from .ui import api_get, log_in, sign_in_to

pytestmark = pytest.mark.browser

OP1 = "PJSIP/1001"
CALLER = "79161234567"


async def _supervisor_signs_in(server: Running, page: Page) -> None:
    await page.goto(f"{server.url}/login")
    await page.fill("#username", "sup")
    await page.fill("#password", server.passwords["sup"])
    await page.click("form.login-form button[type=submit]")
    await expect(page).to_have_url(f"{server.url}/wallboard")  # a supervisor's home
    await expect(page.locator("#conn-state")).to_have_attribute("data-state", "online")


async def _download(page: Page, link: str, tmp_path: Path) -> tuple[str, bytes]:
    async with page.expect_download() as info:
        await page.click(link)
    download = await info.value
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    return download.suggested_filename, saved.read_bytes()


async def test_a_supervisor_watches_a_call_listens_in_pauses_the_operator_and_exports_the_day(
    server: Running, page: Page, browser: Any, tmp_path: Path
) -> None:
    await add_phone(server.db, "1009", label="стол старшего", owner="sup")
    # The operator, on their own screen in a second browser: signed in to "support", phone not answering yet.
    context = await browser.new_context(viewport=VIEWPORT, locale="ru-RU", timezone_id="Europe/Moscow")
    try:
        operator = await context.new_page()
        await log_in(operator, server.url, "op1", server.passwords["op1"])
        await sign_in_to(operator, ["support"])

        # The wallboard: a caller waits while the phone rings, then the operator answers.
        await _supervisor_signs_in(server, page)
        support = page.locator('.wb-tile[data-queue="support"]')
        await expect(support.locator("h3")).to_have_text(RU["queue.support"])
        waiting, answered = support.locator('[data-fig="waiting"]'), support.locator('[data-fig="answered"]')
        await expect(waiting).to_have_text("0")
        await expect(answered).to_have_text("0")
        call_id = server.simulator.place_inbound_call(CALLER, queue="support", patience=600, talk_time=600)
        await expect(waiting).to_have_text("1")
        await expect(operator.locator("#call-state")).to_have_attribute("data-state", "ringing")
        await operator.keyboard.press("F2")  # the operator answers (simulator mode)
        await expect(operator.locator("#call-state")).to_have_attribute("data-state", "talking")
        await expect(answered).to_have_text("1")
        await expect(waiting).to_have_text("0")
        op_row = page.locator("#wb-operators tr").filter(has_text="OP1")
        await expect(op_row).to_contain_text(RU["wb.state.talking"])

        # The supervisor's page: listens to the call on their desk phone; the PBX runs ChanSpy on it.
        await page.goto(f"{server.url}/supervisor")
        await expect(page.locator("#conn-state")).to_have_attribute("data-state", "online")
        row = page.locator(f'#sv-agents tr[data-interface="{OP1}"]')
        await expect(row).to_have_attribute("data-state", "talking")
        await expect(row).to_contain_text(shown_phone(CALLER))
        await page.fill("#sv-phone", "1009")
        await row.locator('[data-action="listen"]').click()
        await wait_for(lambda: "PJSIP/1009" in server.simulator.snapshot()["ringing"])
        await page.click("#sv-sim-answer")  # the supervisor picks up their desk phone
        await expect(row).to_contain_text(RU["sv.spied"])
        spyer = [c for c in server.simulator.snapshot()["channels"] if c["channel"].startswith("PJSIP/1009-")]
        assert [c["state"] for c in spyer] == [6], spyer  # up, listening
        server.simulator.hangup_caller(call_id)
        await expect(row).not_to_contain_text(RU["sv.spied"])
        await expect(operator.locator("#call-state")).not_to_have_attribute("data-state", "talking")

        # Pauses the operator: the page, the operator's own screen and /api/me, and the PBX agree.
        await row.locator("select").first.select_option("lunch")
        await row.locator('[data-action="pause"]').click()
        # The operator is still in wrap-up: the pause waits for them to say "ready", then takes the phone.
        await expect(row.locator(".sv-state")).to_contain_text(RU["pause_reason.lunch"])
        await expect(operator.locator("#presence-state")).to_have_attribute("data-state", "wrap_up")
        await operator.click("#btn-ready")
        await expect(row).to_have_attribute("data-state", "paused")
        await expect(row.locator(".sv-state")).to_contain_text(RU["pause_reason.lunch"])
        await expect(operator.locator("#presence-state")).to_have_attribute("data-state", "paused")
        me = await api_get(operator, f"{server.url}/api/me")
        presence, op1_id = me["presence"], me["user"]["id"]
        assert (presence["state"], presence["paused_reason"]) == ("paused", "lunch")
        member = server.simulator.snapshot()["queues"]["support"]["members"][OP1]
        assert (member["paused"], member["reason"]) == (True, "lunch")
    finally:
        await context.close()
    async with server.db.read_session() as s:  # each action is on record, as the supervisor's
        audited = (
            await s.execute(
                text(
                    "SELECT a.action, a.entity_id FROM audit_log a JOIN users u ON u.id = a.user_id "
                    "WHERE u.username = 'sup' AND a.action LIKE 'supervisor.%' ORDER BY a.id"
                )
            )
        ).all()
    assert [tuple(r) for r in audited] == [("supervisor.listen", call_id), ("supervisor.pause", str(op1_id))]

    # The reports: today's queue report holds the call, on the page and in both downloads.
    await page.goto(f"{server.url}/reports")
    await expect(page.locator("h1")).to_have_text(RU["reports.title"])
    rows = page.locator("#report-table tbody tr")
    await expect(rows.filter(has_text=RU["queue.support"])).to_have_count(1)
    await expect(rows.filter(has_text=RU["queue.support"]).locator("td").nth(2)).to_have_text("1")  # offered

    name, body = await _download(page, "#export-csv", tmp_path)
    assert name.startswith("report-queues-") and name.endswith(".csv")
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith(f"{RU['reports.col.interval']};{RU['reports.col.queue']};{RU['reports.col.offered']}")
    assert [line for line in lines[1:] if f";{RU['queue.support']};1;1;0;" in line], lines

    name, body = await _download(page, "#export-xlsx", tmp_path)
    assert name.startswith("report-queues-") and name.endswith(".xlsx")
    sheet = openpyxl.load_workbook(BytesIO(body), read_only=True).active
    assert sheet is not None
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert table[0][:3] == [RU["reports.col.interval"], RU["reports.col.queue"], RU["reports.col.offered"]]
    assert [r for r in table[1:] if r[1] == RU["queue.support"] and r[2] == 1], table
