"""An operator at the browser: logs in, signs in to a queue, takes a call with the customer popped,
fills and saves the call card, transfers and hangs up through the PBX simulator, sees missed calls."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import text

from tests.serving import wait_for

from .conftest import RU, known_caller, shown_phone
from .ui import api_get, log_in, sign_in_to

pytestmark = pytest.mark.browser

OP1_PHONE = "PJSIP/1001"


def member(server: Any, queue: str, interface: str = OP1_PHONE) -> dict[str, Any] | None:
    return server.simulator.snapshot()["queues"][queue]["members"].get(interface)


def channels_of(server: Any, call_id: str) -> list[dict[str, Any]]:
    return [c for c in server.simulator.snapshot()["channels"] if c["call_id"] == call_id]


async def ringing_then_talking(page: Page, server: Any, number: str, queue: str = "support") -> str:
    call_id = server.simulator.place_inbound_call(number, queue=queue)
    await expect(page.locator("#call-state")).to_have_attribute("data-state", "ringing")
    await page.keyboard.press("F2")  # answer (simulator mode)
    await expect(page.locator("#call-state")).to_have_attribute("data-state", "talking")
    return call_id


async def test_a_wrong_password_shows_an_error_and_the_right_one_opens_the_workstation(server, page) -> None:
    await page.goto(f"{server.url}/")
    await expect(page).to_have_url(re.compile(r"/login"))
    await page.fill("#username", "op1")
    await page.fill("#password", "not-the-password")
    await page.click("form.login-form button[type=submit]")
    await expect(page.locator("#login-error")).to_have_text(RU["login.error.wrong"])

    await log_in(page, server.url, "op1", server.passwords["op1"])
    await expect(page.locator("#who")).to_contain_text("OP1")
    await expect(page.locator("#who")).to_contain_text("1001")
    await expect(page.locator("#pbx-state")).to_have_attribute("data-state", "connected")
    await expect(page.locator("#presence-state")).to_have_text(RU["presence_state.signed_out"])


async def test_signing_in_and_pausing_change_the_queue_member_in_the_pbx(server, page) -> None:
    await log_in(page, server.url, "op1", server.passwords["op1"])
    await sign_in_to(page, ["support"])
    await wait_for(lambda: member(server, "support"))
    assert member(server, "billing") is None

    await page.select_option("#pause-reason", "lunch")
    await page.keyboard.press("F8")
    await expect(page.locator("#presence-state")).to_have_attribute("data-state", "paused")
    await expect(page.locator("#presence-detail")).to_have_text(RU["pause_reason.lunch"])
    await wait_for(lambda: member(server, "support")["paused"])

    await page.keyboard.press("F8")
    await expect(page.locator("#presence-state")).to_have_attribute("data-state", "available")
    await wait_for(lambda: not member(server, "support")["paused"])


async def test_a_ringing_call_pops_the_customer_and_the_saved_card_is_stored_and_hangup_ends_it(server, page) -> None:
    number, customer_id, name = await known_caller(server.db)
    await log_in(page, server.url, "op1", server.passwords["op1"])
    await sign_in_to(page, ["support"])

    call_id = server.simulator.place_inbound_call(number, queue="support")
    await expect(page.locator("#call-state")).to_have_attribute("data-state", "ringing")
    await expect(page.locator("#customer-name")).to_have_text(name)
    await expect(page.locator("#pop-head")).to_contain_text(shown_phone(number))
    await expect(page.locator("#customer-view .account-number").first).to_be_visible()
    await expect(page.locator("#card-id")).to_be_visible()

    await page.click("#btn-answer")
    await expect(page.locator("#call-state")).to_have_attribute("data-state", "talking")
    await page.select_option("#card-topic", "debt")
    await expect(page.locator("#script-steps")).to_have_attribute("data-topic", "debt")
    await expect(page.locator("#script-steps li").first).to_be_visible()
    await page.select_option("#card-result", "consulted")
    await page.fill("#card-notes", "Клиент уточнил сумму долга")
    await page.keyboard.press("Control+s")
    await expect(page.locator("#card-msg")).to_have_attribute("data-kind", "ok")

    card_id = (await api_get(page, f"{server.url}/api/me"))["card"]["id"]
    card = await api_get(page, f"{server.url}/api/cards/{card_id}")
    assert (card["call_id"], card["topic"], card["result"], card["notes"], card["customer_id"]) == (
        call_id,
        "debt",
        "consulted",
        "Клиент уточнил сумму долга",
        customer_id,
    )

    await page.keyboard.press("F4")
    await expect(page.locator("#call-state")).to_have_attribute("data-state", "ended")
    await wait_for(lambda: not channels_of(server, call_id))
    # The card stays on screen for wrap-up after the call.
    await expect(page.locator("#card-notes")).to_have_value("Клиент уточнил сумму долга")


async def test_a_blind_transfer_to_a_queue_moves_the_caller_there(server, page) -> None:
    number, _, _ = await known_caller(server.db, offset=1)
    await log_in(page, server.url, "op1", server.passwords["op1"])
    await sign_in_to(page, ["support"])
    call_id = await ringing_then_talking(page, server, number)

    await page.keyboard.press("F6")
    await expect(page.locator("#transfer-queue")).to_be_focused()
    await page.select_option("#transfer-to", "queue")
    await page.select_option("#transfer-queue", "billing")
    await page.click("#btn-transfer")
    await expect(page.locator("#transfer-msg")).to_have_text(RU["transfer.done_blind"])
    await wait_for(lambda: call_id in server.simulator.snapshot()["queues"]["billing"]["waiting"])


async def test_a_call_nobody_answered_appears_in_the_call_back_list(server, page) -> None:
    number, _, _ = await known_caller(server.db, offset=2)
    await log_in(page, server.url, "op1", server.passwords["op1"])
    await sign_in_to(page, ["billing"])  # nobody works "support"
    await expect(page.locator("#callbacks-list")).to_contain_text(RU["callbacks.none"])

    call_id = server.simulator.place_inbound_call(number, queue="support")
    await wait_for(lambda: call_id in server.simulator.snapshot()["queues"]["support"]["waiting"])
    assert server.simulator.hangup_caller(call_id)

    missed = page.locator("#callbacks-list li.callback", has_text=shown_phone(number))
    await expect(missed).to_be_visible()
    await expect(page.locator("#callbacks-count")).to_have_text("1")
    await missed.get_by_role("button", name=RU["callbacks.call"]).click()
    await expect(page.locator("#toasts")).to_contain_text(RU["dial.started"].split("{")[0].strip())
    await expect(missed).to_have_count(0)  # called back: no longer waiting


async def test_an_unknown_caller_is_found_by_account_number_and_the_number_is_linked(server, page) -> None:
    _, customer_id, name = await known_caller(server.db, offset=5)
    async with server.db.read_session() as s:
        account = (
            await s.execute(
                text("SELECT number FROM accounts WHERE customer_id = :c ORDER BY id LIMIT 1"), {"c": customer_id}
            )
        ).scalar_one()
    await log_in(page, server.url, "op1", server.passwords["op1"])
    await sign_in_to(page, ["support"])
    server.simulator.place_inbound_call("+79160000001", queue="support")
    await expect(page.locator("#pop-unknown")).to_be_visible()
    await expect(page.locator("#pop-head")).to_contain_text(RU["pop.no_match"])

    await page.keyboard.press("/")
    await expect(page.locator("#customer-q")).to_be_focused()
    await page.keyboard.type(account)
    await page.keyboard.press("Enter")
    found = page.locator(f"#search-results li[data-customer-id='{customer_id}']")
    await found.get_by_role("button", name=RU["search.link"]).click()
    await expect(page.locator("#customer-name")).to_have_text(name)
    await expect(page.locator("#btn-link-number")).to_have_count(0)  # the number is theirs now
    pop = await api_get(page, f"{server.url}/api/customers/{customer_id}/pop")
    assert "+79160000001" in [p["e164"] for p in pop["customer"]["phones"]]


async def test_the_operator_offers_a_debtor_a_payment_plan_and_records_the_answer(server, page) -> None:
    async with server.db.read_session() as s:
        customer_id, account = (
            await s.execute(text("SELECT customer_id, number FROM accounts WHERE debt_kop > 0 ORDER BY id LIMIT 1"))
        ).one()
    await log_in(page, server.url, "op1", server.passwords["op1"])
    offers = await api_get(page, f"{server.url}/api/offers?customer_id={customer_id}")
    assert offers, "a debtor qualifies for at least one offer"
    code = offers[0]["code"]

    await page.fill("#customer-q", account)
    await page.keyboard.press("Enter")
    await (
        page.locator(f"#search-results li[data-customer-id='{customer_id}']")
        .get_by_role("button", name=RU["search.open"])
        .click()
    )
    offer = page.locator(f"#offers li[data-code='{code}']")
    await offer.get_by_role("button", name=RU["offer_response.accepted"]).click()
    await expect(offer).to_contain_text(RU["offers.recorded"].format(response=RU["offer_response.accepted"]))
    left = await api_get(page, f"{server.url}/api/offers?customer_id={customer_id}")
    assert code not in [o["code"] for o in left]


async def test_the_knowledge_base_answers_a_search(server, page) -> None:
    await log_in(page, server.url, "op1", server.passwords["op1"])
    await page.keyboard.press("Control+k")
    await expect(page.locator("#kb-q")).to_be_focused()
    await page.keyboard.type("оплата")
    await page.keyboard.press("Enter")
    first = page.locator("#kb-results li.kb-article").first
    await expect(first).to_be_visible()
    await first.locator("summary").click()
    await expect(first.locator(".kb-body")).not_to_be_empty()


async def test_an_application_is_filed_and_a_follow_up_scheduled_for_the_chosen_customer(server, page) -> None:
    _, customer_id, name = await known_caller(server.db, offset=6)
    await log_in(page, server.url, "op1", server.passwords["op1"])
    await page.fill("#customer-q", name)
    await page.keyboard.press("Enter")
    await (
        page.locator(f"#search-results li[data-customer-id='{customer_id}']")
        .get_by_role("button", name=RU["search.open"])
        .click()
    )
    await expect(page.locator("#customer-name")).to_have_text(name)

    await page.click("#application-box summary")
    await expect(page.locator("#application-customer")).to_contain_text(name)
    await page.select_option("#application-type", "recalculation")
    await page.fill("#application-text", "Просит пересчитать начисления за октябрь")
    await page.click("#btn-application")
    await expect(page.locator("#application-msg")).to_have_attribute("data-kind", "ok")
    number = (await page.locator("#application-msg").text_content()).split()[2]
    pop = await api_get(page, f"{server.url}/api/customers/{customer_id}/pop")
    assert number in [a["number"] for a in pop["open_applications"]]

    await page.click("#followup-box summary")
    await page.fill("#followup-notes", "Сообщить результат перерасчёта")
    await page.click("#btn-followup")
    await expect(page.locator("#followup-msg")).to_have_attribute("data-kind", "ok")
