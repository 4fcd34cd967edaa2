"""A supervisor's main flow on /supervisor: sees an operator in the queues, pauses them with a reason and sees
it take effect (on the page, for the operator, in the PBX), lifts the pause, listens to the operator's call on
their own desk phone (the simulator plays ChanSpy), logs the operator out and takes a waiting call over, each
after confirming — all in Russian."""

from __future__ import annotations

import pytest
from playwright.async_api import expect
from sqlalchemy import text

from crm_store.desk_phones import add_phone
from tests.integration.client import Operator
from tests.serving import wait_for

from .conftest import RU, shown_phone
from .ui import assert_screen_is_russian, log_in

pytestmark = pytest.mark.browser

OP1 = "PJSIP/1001"


async def test_a_supervisor_pauses_an_operator_sees_it_take_effect_and_listens_to_their_call(server, page) -> None:
    await add_phone(server.db, "1009", label="supervisor", owner="sup")
    async with server.db.write_session() as s, s.begin():  # people's names, as on a real floor
        for username, name in (("op1", "Ольга Операторова"), ("sup", "Светлана Старшая")):
            await s.execute(text("UPDATE users SET full_name = :n WHERE username = :u"), {"n": name, "u": username})
    await server.workstation.directory.refresh()
    op = Operator(server.url)
    try:
        await op.login("op1", server.passwords["op1"])
        await op.api("POST", "/api/presence/sign-in", {"queues": ["support"]})

        await log_in(page, server.url, "sup", server.passwords["sup"])
        await page.goto(f"{server.url}/supervisor")
        await expect(page.locator("#conn-state")).to_have_attribute("data-state", "online")
        row = page.locator(f'#sv-agents tr[data-interface="{OP1}"]')
        await expect(row.locator(".badge").first).to_have_text(RU["presence_state.available"])
        await assert_screen_is_russian(page, "the supervisor's page")

        await row.locator("select").first.select_option("lunch")
        await row.locator('[data-action="pause"]').click()
        await expect(row).to_have_attribute("data-state", "paused")
        await expect(row.locator(".sv-state")).to_contain_text(RU["pause_reason.lunch"])
        presence = (await op.api("GET", "/api/me"))["presence"]
        assert (presence["state"], presence["paused_reason"]) == ("paused", "lunch")
        assert server.simulator.snapshot()["queues"]["support"]["members"][OP1]["paused"]

        # A call comes while the only operator is paused: the page shows it waiting, pushed, nobody clicked.
        call_id = server.simulator.place_inbound_call("79161234567", queue="support", patience=600, talk_time=600)
        waiting = page.locator(f'#sv-queues [data-queue="support"] tr[data-call-id="{call_id}"]')
        await expect(waiting).to_contain_text(shown_phone("79161234567"))
        await expect(waiting.locator('[data-action="take_over"]')).to_be_visible()

        await row.locator('[data-action="unpause"]').click()
        await wait_for(lambda: OP1 in server.simulator.snapshot()["ringing"])
        await expect(row).to_have_attribute("data-state", "ringing")
        # The operator answers: the call leaves the waiting list; the supervisor listens on their desk phone 1009.
        # (a loaded machine may let the queue's ring time out first: then the operator picks up the next ring)
        await wait_for(lambda: server.simulator.answer(OP1), timeout=30)
        await expect(row).to_have_attribute("data-state", "talking")
        await expect(waiting).to_have_count(0)
        await expect(row).to_contain_text(shown_phone("79161234567"))
        await page.fill("#sv-phone", "1009")
        await row.locator('[data-action="listen"]').click()
        await expect(page.locator(".toast").last).to_contain_text("1009")
        await wait_for(lambda: "PJSIP/1009" in server.simulator.snapshot()["ringing"])
        await page.click("#sv-sim-answer")
        await expect(row).to_contain_text(RU["sv.spied"])
        await assert_screen_is_russian(page, "listening to a call")
        server.simulator.hangup_caller(call_id)
        await expect(row).not_to_contain_text(RU["sv.spied"])

        # Logging an operator out asks first; "Отмена" changes nothing.
        await row.locator('[data-action="log_out"]').click()
        await expect(page.locator("#sv-confirm-question")).to_contain_text("Ольга Операторова")
        await page.click("#sv-confirm-no")
        await expect(page.locator("#sv-confirm")).to_be_hidden()
        assert OP1 in server.simulator.snapshot()["queues"]["support"]["members"]
        await row.locator('[data-action="log_out"]').click()
        await page.click("#sv-confirm-yes")
        await expect(row).to_have_attribute("data-state", "signed_out")
        assert OP1 not in server.simulator.snapshot()["queues"]["support"]["members"]
        assert (await op.api("GET", "/api/me"))["presence"]["state"] == "signed_out"

        # Nobody is left in the queue: the supervisor takes the next caller on their own phone, after confirming.
        taken = server.simulator.place_inbound_call("79162223344", queue="support", patience=600, talk_time=600)
        waiting = page.locator(f'#sv-queues [data-queue="support"] tr[data-call-id="{taken}"]')
        await waiting.locator('[data-action="take_over"]').click()
        await expect(page.locator("#sv-confirm-question")).to_contain_text("1009")
        await page.click("#sv-confirm-yes")
        await expect(waiting).to_have_count(0)
        await wait_for(lambda: "PJSIP/1009" in server.simulator.snapshot()["ringing"])
        assert server.simulator.snapshot()["queues"]["support"]["waiting"] == []
        await assert_screen_is_russian(page, "a call taken over")
    finally:
        await op.close()
