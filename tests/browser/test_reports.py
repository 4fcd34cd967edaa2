"""A supervisor opens the reports, picks a period and an interval, sees the queues' table and chart, downloads the
report as CSV, and looks at the abandoned calls and the IVR's drop-outs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import expect

from crm_store import interactions

from .conftest import RU
from .ui import raw_codes_in, visible_text, vocabulary_codes

pytestmark = pytest.mark.browser

MOSCOW = ZoneInfo("Europe/Moscow")


async def test_a_supervisor_sees_a_queue_report_and_downloads_it(server, page, tmp_path: Path) -> None:
    at = datetime.now(UTC) - timedelta(minutes=2)
    day = at.astimezone(MOSCOW).date()
    for n, (answered, wait) in enumerate([(True, 12), (False, 40), (False, 2)]):
        await interactions.open_call_card(
            server.db, call_id=f"rep-{n}", offered_at=at, queue="support", caller_number=f"+7916555000{n}"
        )
        fields = {"state": "ended", "wait_seconds": wait}
        if answered:
            fields |= {"answered_at": at + timedelta(seconds=wait), "outcome": "answered", "talk_seconds": 95}
        else:
            fields["outcome"] = "abandoned"
        await interactions.update_call_card(server.db, f"rep-{n}", fields)
    await interactions.open_call_card(server.db, call_id="rep-ivr", offered_at=at)  # dropped out in the menu
    await interactions.update_call_card(server.db, "rep-ivr", {"ivr_path": ["main:9"], "state": "ended"})

    await page.goto(f"{server.url}/login?next=/reports")
    await page.fill("#username", "sup")
    await page.fill("#password", server.passwords["sup"])
    await page.click("form.login-form button[type=submit]")
    await page.goto(f"{server.url}/reports")
    await expect(page.locator("h1")).to_have_text(RU["reports.title"])

    await page.fill("#report-from", day.isoformat())
    await page.fill("#report-to", day.isoformat())
    await page.select_option("#report-step", "15min")
    await page.click("#report-show")

    rows = page.locator("#report-table tbody tr")
    await expect(rows).to_have_count(1)
    support = rows.first
    await expect(support).to_contain_text(RU["queue.support"])
    cells = support.locator("td")
    await expect(cells.nth(2)).to_have_text("3")  # offered
    await expect(cells.nth(4)).to_have_text("2")  # abandoned
    await expect(cells.nth(5)).to_have_text("1")  # of them short
    await expect(cells.nth(6)).to_have_text("50\u00a0%")  # 1 within 20 s of 1 + 2 − 1
    await expect(page.locator("#report-chart .uplot canvas")).to_be_visible()
    await expect(page.locator("#report-table thead")).to_contain_text(RU["reports.col.service_level"])
    shown = raw_codes_in(await visible_text(page), vocabulary_codes())
    # The file formats' names, and the test supervisor's own name (SUP), are not codes.
    assert [w for w in shown if w not in ("CSV", "Excel", "SUP")] == []

    async with page.expect_download() as download_info:
        await page.click("#export-csv")
    download = await download_info.value
    assert download.suggested_filename == f"report-queues-{day}-{day}.csv"
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    lines = saved.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith(f"{RU['reports.col.interval']};{RU['reports.col.queue']};{RU['reports.col.offered']}")
    assert f";{RU['queue.support']};3;1;2;1;50.0;" in lines[1]

    # The abandoned calls: a tab away, newest first, with the waits.
    await page.click("#report-tabs [data-report=abandoned]")
    await expect(page.locator("#report-table tbody tr")).to_have_count(2)
    await expect(page.locator("#report-summary")).to_contain_text("2")
    await expect(page.locator("#report-step-label")).to_be_hidden()

    # The IVR: where callers dropped out, as a table and bars.
    await page.click("#report-tabs [data-report=ivr]")
    await expect(page.locator("#report-table tbody tr")).to_have_count(1)
    await expect(page.locator("#report-table tbody tr td").nth(2)).to_have_text("1")  # dropped out at "main"
    await expect(page.locator("#report-chart .uplot canvas")).to_be_visible()
