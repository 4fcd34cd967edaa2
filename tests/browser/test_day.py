"""An operator's day at the browser, against the real app and the PBX simulator: three calls back to back,
each followed by wrap-up (ended by saving the card, by "ready", and — in a queue that needs a result — by the
result), the next call auto-saving the last card's unsaved edits to that card; an attended transfer completed
and one cancelled; a call-back while the last card has unsaved edits; logout while in queues. At every step
the screen is checked for raw codes and English words."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import text

from tests.serving import prepare_database, settings_for_test, start, wait_for

from .conftest import RU, shown_phone
from .ui import api_get, assert_screen_is_russian, log_in, sign_in_to

pytestmark = pytest.mark.browser

OP1 = "PJSIP/1001"
OP2_EXTENSION = "1002"  # the colleague consulted in attended transfers (answered through the simulator)
DEFAULT_RULES = Path(__file__).resolve().parents[2] / "routing" / "default_rules.toml"
# support: wrap-up long enough to see the countdown, ended by the operator; billing needs the call's result.
QUEUES = {
    "support": '{ title = "Общие вопросы", wrap_up_seconds = 120 }',
    "billing": '{ title = "Начисления, баланс и оплата", wrap_up_seconds = 300, require_result = true }',
}


def rules_with_wrap_up(path: Path) -> Path:
    rules = DEFAULT_RULES.read_text(encoding="utf-8")
    for queue, spec in QUEUES.items():
        rules, n = re.subn(rf"^{queue} = .*$", f"{queue} = {spec}", rules, count=1, flags=re.M)
        assert n == 1, f"no [queues] {queue} line in {DEFAULT_RULES}"
    path.write_text(rules, encoding="utf-8")
    return path


@pytest.fixture
async def day_server(tmp_path: Path) -> AsyncIterator[Any]:
    url = await prepare_database(tmp_path / "ccdesk.db")
    rules = rules_with_wrap_up(tmp_path / "rules.toml")
    running = await start(settings_for_test(tmp_path, url, routing_rules=rules))
    yield running
    await running.stop()


async def plain_callers(db: Any, n: int) -> list[tuple[str, int, str, str]]:
    """(number as written, customer id, full name, number in E.164) of `n` customers the routing sends to the
    general line: individuals, not VIP, no debt, their number theirs alone."""
    async with db.read_session() as s:
        rows = (
            await s.execute(
                text(
                    "SELECT p.raw, c.id, c.full_name, p.e164 FROM phones p JOIN customers c ON c.id = p.customer_id "
                    "WHERE c.kind = 'individual' AND NOT c.vip "
                    "AND (SELECT count(*) FROM phones q WHERE q.e164 = p.e164) = 1 "
                    "AND NOT EXISTS (SELECT 1 FROM contact_persons cp WHERE cp.phone = p.e164) "
                    "AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.customer_id = c.id AND a.debt_kop > 0) "
                    "AND EXISTS (SELECT 1 FROM accounts a WHERE a.customer_id = c.id) "
                    "ORDER BY p.id LIMIT :n"
                ),
                {"n": n},
            )
        ).all()
    assert len(rows) == n, "the demo data has too few plain customers"
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def member(server: Any, queue: str, interface: str = OP1) -> dict[str, Any] | None:
    return server.simulator.snapshot()["queues"][queue]["members"].get(interface)


def phone_channels(server: Any, interface: str) -> list[dict[str, Any]]:
    return [c for c in server.simulator.snapshot()["channels"] if c["channel"].startswith(f"{interface}-")]


def caller_is_up(server: Any, call_id: str) -> bool:
    return any(c["call_id"] == call_id and c["role"] == "caller" for c in server.simulator.snapshot()["channels"])


async def expect_presence(page: Page, state: str) -> None:
    await expect(page.locator("#presence-state")).to_have_attribute("data-state", state)
    await expect(page.locator("#presence-state")).to_have_text(RU[f"presence_state.{state}"])


async def ring_and_answer(page: Page) -> None:
    """Wait for the ringing call on screen, answer with F2, wait until talking."""
    await expect(page.locator("#call-state")).to_have_attribute("data-state", "ringing")
    await expect(page.locator("#call-state")).to_have_text(RU["call_state.ringing"])
    await page.keyboard.press("F2")
    await expect(page.locator("#call-state")).to_have_attribute("data-state", "talking")


async def fill_card(page: Page, topic: str, result: str | None, notes: str) -> None:
    await page.select_option("#card-topic", topic)
    if result is not None:
        await page.select_option("#card-result", result)
    await page.fill("#card-notes", notes)


async def card_on_screen(page: Page, base: str) -> dict[str, Any]:
    card_id = int((await page.locator("#card-id").text_content() or "").split("№")[-1])
    return await api_get(page, f"{base}/api/cards/{card_id}")


async def consult(page: Page) -> None:
    """F6, an attended transfer to the colleague's extension."""
    await page.keyboard.press("F6")
    await page.check('input[name="transfer-kind"][value="attended"]')
    await page.select_option("#transfer-to", "agent")
    await page.fill("#transfer-target", OP2_EXTENSION)
    await page.click("#btn-transfer")
    await expect(page.locator("#consult-box")).to_be_visible()
    await expect(page.locator("#consult-state")).to_have_attribute("data-state", "ringing")
    await expect(page.locator("#consult-state")).to_have_text(RU["consult_state.ringing"])


async def test_an_operators_day_in_russian_from_login_to_logout(day_server, page) -> None:
    server = day_server
    base = server.url
    callers = await plain_callers(server.db, 6)
    (n1, c1, name1, _), (n2, c2, name2, _), (n3, c3, name3, _), (n4, c4, name4, e164_4), *others = callers
    (n5, _, _, _), (n6, c6, name6, _) = others
    server.simulator.set_outbound_outcome(e164_4.lstrip("+"), "answered")  # the customer picks up the call-back
    server.simulator.set_auto_answer(f"PJSIP/{OP2_EXTENSION}", None)  # the colleague's desk phone, answered by hand

    # Before the shift: two callers gave up waiting in "support" — one can be called back, one cannot.
    for number in (n4, "sipp"):
        missed = server.simulator.place_inbound_call(number, queue="support")
        await wait_for(lambda m=missed: m in server.simulator.snapshot()["queues"]["support"]["waiting"])
        assert server.simulator.hangup_caller(missed)

    await log_in(page, base, "op1", server.passwords["op1"])
    await assert_screen_is_russian(page, "logged in")
    await sign_in_to(page, ["support", "billing"])
    await wait_for(lambda: member(server, "support") and member(server, "billing"))
    await assert_screen_is_russian(page, "signed in")

    # The call-back list: my queue's missed calls, the customer's name, the one that cannot be dialled says why.
    callbacks = page.locator("#callbacks-list li.callback")
    await expect(callbacks).to_have_count(2)
    dialable = page.locator("#callbacks-list li.callback[data-dialable='true']")
    await expect(dialable).to_contain_text(name4)
    await expect(dialable).to_contain_text(shown_phone(n4))
    blocked = page.locator("#callbacks-list li.callback[data-dialable='false']")
    await expect(blocked).to_contain_text(RU["not_dialable.not_a_phone_number"])
    await expect(blocked.get_by_role("button")).to_have_count(0)
    await assert_screen_is_russian(page, "call-back list")

    # Call 1, through the IVR: the panel shows the customer's number, the routing reason and the IVR path;
    # the pop is the caller, and the ringing call itself is not in their history.
    call1 = server.simulator.place_inbound_call(n1, via_ivr=True, ivr_digits=["0"])
    await expect(page.locator("#call-state")).to_have_attribute("data-state", "ringing", timeout=20_000)
    await expect(page.locator("#call-number")).to_have_text(shown_phone(n1))
    await expect(page.locator("#customer-name")).to_have_text(name1)
    await expect(page.locator("#call-routing-reason")).to_contain_text(RU["call.routing_reason"])
    await expect(page.locator("#call-ivr li").first).to_have_text(RU["ivr.node.welcome"])
    await expect(page.locator(f"#interactions li[data-call-id='{call1}']")).to_have_count(0)
    await assert_screen_is_russian(page, "call 1 ringing")
    await ring_and_answer(page)
    await fill_card(page, "balance", "consulted", "Уточнил баланс")
    await page.keyboard.press("F4")
    await expect_presence(page, "wrap_up")
    await expect(page.locator("#wrapup-left")).to_contain_text(RU["wrap_up.left"].split("{")[0].strip())
    await assert_screen_is_russian(page, "call 1 wrap-up")
    await page.keyboard.press("Control+s")  # saving the card ends wrap-up
    await expect_presence(page, "available")
    card1 = await card_on_screen(page, base)
    assert (card1["call_id"], card1["customer_id"], card1["topic"], card1["result"]) == (
        call1,
        c1,
        "balance",
        "consulted",
    )

    # Call 2, right after: wrap-up ended with "ready", the card's edits left unsaved.
    call2 = server.simulator.place_inbound_call(n2, queue="support")
    await ring_and_answer(page)
    await expect(page.locator("#customer-name")).to_have_text(name2)
    await expect(page.locator("#card-notes")).to_have_value("")  # the new card starts clean
    card2 = await card_on_screen(page, base)
    assert card2["call_id"] == call2
    await fill_card(page, "payment", "resolved", "Подсказал способы оплаты")
    await page.keyboard.press("F4")
    await expect_presence(page, "wrap_up")
    await page.click("#btn-ready")
    await expect_presence(page, "available")
    await assert_screen_is_russian(page, "call 2 done")

    # Call 2's unsaved edits go to call 2's own card, with call 2's customer, as call 3 rings.
    call3 = server.simulator.place_inbound_call(n3, queue="billing")
    await expect(page.locator("#toasts")).to_contain_text(RU["card.autosaved"].format(id=card2["id"]))
    saved2 = await api_get(page, f"{base}/api/cards/{card2['id']}")
    assert (saved2["customer_id"], saved2["topic"], saved2["result"]) == (c2, "payment", "resolved")
    await ring_and_answer(page)
    await expect(page.locator("#customer-name")).to_have_text(name3)
    await expect(page.locator("#card-topic")).to_have_value("")

    # Call 3 is in billing, which needs the call's result: "ready" without one is refused, in Russian.
    await fill_card(page, "tariff", None, "Спрашивал про двухтарифный учёт")
    await page.keyboard.press("F4")
    await expect_presence(page, "wrap_up")
    await expect(page.locator("#wrapup-left")).to_contain_text(RU["wrap_up.needs_result"])
    await page.click("#btn-ready")
    await expect(page.locator("#toasts")).to_contain_text(RU["error.result_required"])
    await expect_presence(page, "wrap_up")
    await assert_screen_is_russian(page, "call 3 result required")
    await page.select_option("#card-result", "consulted")
    await page.keyboard.press("Control+s")  # the result saved: wrap-up ends
    await expect_presence(page, "available")
    card3 = await card_on_screen(page, base)
    assert (card3["call_id"], card3["customer_id"], card3["result"]) == (call3, c3, "consulted")

    # Call 5: an attended transfer, completed — the customer stays with the colleague.
    call5 = server.simulator.place_inbound_call(n5, queue="support")
    await ring_and_answer(page)
    await consult(page)
    await assert_screen_is_russian(page, "consultation ringing")
    assert server.simulator.answer(f"PJSIP/{OP2_EXTENSION}")
    await expect(page.locator("#consult-state")).to_have_attribute("data-state", "talking")
    await expect(page.locator("#consult-state")).to_have_text(RU["consult_state.talking"])
    await page.click("#btn-consult-complete")
    await expect(page.locator("#transfer-msg")).to_have_text(RU["consult.completed"])
    colleague = f"PJSIP/{OP2_EXTENSION}"
    await wait_for(lambda: not phone_channels(server, OP1) and phone_channels(server, colleague))
    assert caller_is_up(server, call5)  # the customer talks to the colleague now
    assert server.simulator.hangup_caller(call5)  # and says goodbye: the colleague is free again
    await wait_for(lambda: not phone_channels(server, colleague))
    await expect_presence(page, "wrap_up")
    await fill_card(page, "complaint", "transferred", "Переведён старшему")
    await page.keyboard.press("Control+s")
    await expect_presence(page, "available")
    await assert_screen_is_russian(page, "transfer completed")

    # Call 6: an attended transfer, cancelled — the operator is back with the customer.
    call6 = server.simulator.place_inbound_call(n6, queue="support")
    await ring_and_answer(page)
    await expect(page.locator("#customer-name")).to_have_text(name6)
    card6 = await card_on_screen(page, base)
    await consult(page)
    assert server.simulator.answer(f"PJSIP/{OP2_EXTENSION}")
    await expect(page.locator("#consult-state")).to_have_attribute("data-state", "talking")
    await page.click("#btn-consult-cancel")
    await expect(page.locator("#consult-box")).to_be_hidden()
    await expect(page.locator("#call-state")).to_have_attribute("data-state", "talking")
    await expect(page.locator("#transfer-msg")).to_have_text(RU["consult.cancelled"])
    await wait_for(lambda: not phone_channels(server, f"PJSIP/{OP2_EXTENSION}"))
    assert caller_is_up(server, call6) and phone_channels(server, OP1)
    await assert_screen_is_russian(page, "transfer cancelled")
    await fill_card(page, "documents", "consulted", "Объяснил, какие нужны документы")
    await page.keyboard.press("F4")
    await expect_presence(page, "wrap_up")
    await page.click("#btn-ready")  # ready, with the card's edits not saved yet
    await expect_presence(page, "available")

    # A call-back while call 6's card has unsaved edits: they go to call 6's own card, with call 6's
    # customer, and the call-back gets a clean card of its own.
    await dialable.get_by_role("button", name=RU["callbacks.call"]).click()
    # My phone rings first (picked up with F2), then the customer's.
    await wait_for(lambda: OP1 in server.simulator.snapshot()["ringing"])
    await page.keyboard.press("F2")
    await expect(page.locator("#call-state")).to_have_attribute("data-state", re.compile("dialing|talking"))
    await expect(page.locator("#toasts")).to_contain_text(RU["card.autosaved"].format(id=card6["id"]))
    saved6 = await api_get(page, f"{base}/api/cards/{card6['id']}")
    assert (saved6["call_id"], saved6["customer_id"], saved6["topic"]) == (call6, c6, "documents")
    await expect(page.locator("#call-number")).to_have_text(shown_phone(n4))
    await expect(page.locator("#call-direction")).to_have_text(RU["direction.outbound"])
    await expect(page.locator("#customer-name")).to_have_text(name4)
    await expect(page.locator("#card-topic")).to_have_value("")
    callback_card = await card_on_screen(page, base)
    assert callback_card["id"] != card6["id"] and callback_card["customer_id"] == c4
    await expect(page.locator("#call-state")).to_have_attribute("data-state", "talking", timeout=15_000)
    await assert_screen_is_russian(page, "call-back talking")
    await fill_card(page, "balance", "callback_promised", "Перезвонили, всё выяснили")
    await page.keyboard.press("Control+s")
    await expect(page.locator("#card-msg")).to_have_attribute("data-kind", "ok")
    await page.keyboard.press("F4")
    await expect_presence(page, "available")
    await expect(page.locator("#callbacks-list li.callback[data-dialable='true']")).to_have_count(0)

    # Logout while in queues: asked first; then the phone leaves the queues.
    await page.click("#btn-logout")
    await expect(page.locator("#logout-dialog")).to_be_visible()
    await expect(page.locator("#logout-question")).to_contain_text(RU["queue.support"])
    await assert_screen_is_russian(page, "logout question")
    await page.click("#btn-logout-confirm")
    await expect(page).to_have_url(re.compile(r"/login"))
    await wait_for(lambda: member(server, "support") is None and member(server, "billing") is None)
    await assert_screen_is_russian(page, "login page")


async def test_a_consultation_nobody_answers_leaves_the_operator_with_the_customer(server, page) -> None:
    (number, _, name, _), *_ = await plain_callers(server.db, 1)
    server.simulator.set_auto_answer(f"PJSIP/{OP2_EXTENSION}", None)  # the colleague's phone rings, unanswered
    await log_in(page, server.url, "op1", server.passwords["op1"])
    await sign_in_to(page, ["support"])
    call_id = server.simulator.place_inbound_call(number, queue="support")
    await ring_and_answer(page)
    await expect(page.locator("#customer-name")).to_have_text(name)
    await consult(page)

    # Asterisk gives up after atxfernoanswertimeout (s7b) and gives the operator the customer back.
    failed = page.locator("#consult-state[data-state='failed']")
    await expect(failed).to_have_text(RU["consult_state.failed"], timeout=30_000)
    await expect(page.locator("#btn-consult-complete")).to_be_hidden()
    await expect(page.locator("#btn-consult-cancel")).to_be_hidden()
    await expect(page.locator("#call-state")).to_have_attribute("data-state", "talking")
    await expect(page.locator("#btn-transfer")).to_be_enabled()
    await assert_screen_is_russian(page, "consultation not answered")
    assert caller_is_up(server, call_id) and phone_channels(server, OP1)
