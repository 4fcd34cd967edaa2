"""A campaign in the browser: the supervisor creates one from a filtered list and starts it; the operator takes
the campaign's calls — a predictive campaign's call popped by itself and a preview card dialled — records a
promise to pay, and the supervisor sees the progress. (A new predictive campaign dials one call per free
operator until it has measured enough rings and talks: dialling ahead is the pacing tests' and the benches'.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from tests.campaign_setup import Clock, add_debtors, server_with_clock
from tests.serving import Running

from .conftest import RU, VIEWPORT
from .ui import assert_screen_is_russian, log_in, raw_codes_in, sign_in_to, vocabulary_codes

pytestmark = pytest.mark.browser


@pytest.fixture
async def dialer_server(tmp_path: Path) -> AsyncIterator[tuple[Running, Clock]]:
    async for pair in server_with_clock(tmp_path):
        yield pair


async def _second_page(browser: Any) -> Any:
    context = await browser.new_context(viewport=VIEWPORT, locale="ru-RU", timezone_id="Europe/Moscow")
    context.set_default_timeout(15_000)
    return context, await context.new_page()


async def _create(sup: Any, name: str, pacing: str, total: int) -> None:
    await sup.fill("#c-name", name)
    await sup.select_option("#c-queue", "support")
    await sup.select_option("#c-pacing", pacing)
    await sup.fill("#c-creditor", "ЭнергоСбыт")
    await sup.fill("#f-debt", "8000000")
    await sup.click("#c-submit")
    row = sup.locator("#campaign-table tbody tr", has_text=name)
    await expect(row).to_contain_text(RU["campaigns.state.draft"])
    await expect(row.locator(".dialled")).to_have_text(f"0 / {total}")
    await row.locator("button[data-control=start]").click()
    await expect(row).to_contain_text(RU["campaigns.state.running"])


async def _promise(op: Any, amount: str, when: str) -> None:
    box = op.locator("#campaign-box")
    await expect(box).to_be_visible()
    await op.select_option("#dispo-kind", "promise_to_pay")
    await op.fill("#dispo-amount", amount)
    await op.fill("#dispo-date", when)
    await op.click("#dispo-save")
    await expect(box.locator("#promise-list")).to_contain_text(RU["promise.pending"])


async def test_a_supervisor_runs_a_campaign_and_operators_record_promises(dialer_server, browser, page) -> None:
    server, _ = dialer_server
    await add_debtors(server)
    server.simulator.set_outbound_outcome("79160000102", "answered")
    op = page
    await log_in(op, server.url, "op1", server.passwords["op1"])
    await sign_in_to(op, ["support"])

    context, sup = await _second_page(browser)
    try:
        await log_in(sup, server.url, "sup", server.passwords["sup"])
        await sup.goto(f"{server.url}/campaigns")
        await _create(sup, "Крупные долги", "predictive", 3)

        # The first debtor answers: the operator's screen pops them with the campaign panel.
        await expect(op.locator("#pop-view")).to_contain_text("Должник Первый", timeout=20_000)
        await expect(op.locator("#campaign-box")).to_contain_text("Крупные долги")
        await _promise(op, "1500", "2026-11-12")
        await assert_screen_is_russian(op, "a campaign call with a promise")
        row = sup.locator("#campaign-table tbody tr", has_text="Крупные долги")
        await row.locator("button[data-control=stop]").click()  # before the operator is free for the next one
        await expect(row).to_contain_text(RU["campaigns.state.finished"])
        await op.click("#btn-hangup")
        await op.click("#btn-ready")
        await expect(row.locator(".reached")).to_have_text("1")
        await sup.locator("#campaign-table a", has_text="Крупные долги").click()
        await expect(sup.locator("#attempts tbody")).to_contain_text(RU["disposition.promise_to_pay"])

        # A preview campaign: the operator takes the next card and dials it.
        await sup.select_option("#c-preview-timeout", "skip")
        await _create(sup, "Предпросмотр", "preview", 2)  # not the debtor with a pending promise
        await op.reload()
        await expect(op.locator("#conn-state")).to_have_attribute("data-state", "online")
        await op.locator("#preview-box button[data-campaign]").click()
        card = op.locator("#preview-card")
        await expect(card).to_contain_text("Должник Второй")  # the first has a promise now
        await expect(card.locator("#preview-left")).to_contain_text("с")
        await op.click("#preview-dial")
        await expect(op.locator("#campaign-box")).to_contain_text("Предпросмотр", timeout=20_000)
        await _promise(op, "700", "2026-11-20")
        # The page's own words (the header holds the user's name, here the Latin "SUP" of the test data).
        shown = raw_codes_in(await sup.locator("main").inner_text(), vocabulary_codes())
        assert shown == [], f"raw codes or English on the campaigns page: {shown}"
    finally:
        await context.close()
