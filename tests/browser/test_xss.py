"""Stored XSS: markup, script and template syntax kept in names, addresses, e-mail, notes, application text
and knowledge-base articles is shown as text in every view that shows it, and none of it runs.

The pages build their DOM from data with `textContent` (web/static/dom.js) and the server sends a strict CSP;
this test holds both to it from the outside: if a view ever turned data into markup, the injected element
would appear in the DOM (found below), or the CSP would refuse its inline handler (a console error,
also failed below), or — without the CSP — `window.__xss` would be set or a dialog would open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import text

from crm_store import applications, customers, interactions

from .conftest import RU, VIEWPORT, shown_phone
from .ui import log_in, sign_in_to

pytestmark = pytest.mark.browser

IMG = '<img src=x onerror="window.__xss=1;alert(1)">'
SCRIPT = "<script>window.__xss=1;alert(1)</script>"
SVG = '"><svg onload=window.__xss=1>'
JS_LINK = "javascript:window.__xss=1"
TEMPLATE = "{{7*7}}${7*7}"

NAME = f"Иванов {IMG} {TEMPLATE}"
OTHER_NAME = f"Петров {SVG}"  # a second customer on the same number: the pop's chooser lists both
ADDRESS = f"ул. Ленина, 1 {SCRIPT}"
EMAIL = JS_LINK
REASON = f"Перерасчёт {SVG}"
OLD_NOTES = f"Прошлый звонок {SCRIPT} {TEMPLATE}"
APP_TEXT = f"Заявление {IMG} {JS_LINK}"
CARD_NOTES = f"Сегодня {SVG} {TEMPLATE}"
KB_TITLE = f"Ксссловарь {IMG}"
KB_BODY = f"Тело статьи {SCRIPT} {SVG} {TEMPLATE} {JS_LINK}"
OPERATOR_NAME = f"Оператор {SVG}"  # rendered by the Jinja templates (topbar, <title>)

NUMBER = "+79167771234"
ACCOUNT = "XSS-000001"

# What would be in the DOM if any payload had been parsed as markup.
INJECTED = (
    "img[src='x'], svg, [onerror], [onload], a[href^='javascript:' i], script:not([src]):not([type='application/json'])"
)


class Watch:
    """Everything a page reports that only injected markup could cause."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.csp: list[str] = []
        page.on("dialog", self._dialog)
        page.on("console", self._console)

    async def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        await dialog.dismiss()

    def _console(self, msg: Any) -> None:
        if "Content Security Policy" in msg.text or "Refused to" in msg.text:
            self.csp.append(msg.text)

    async def nothing_ran(self, step: str, *shown: str) -> None:
        page = self.page
        assert await page.evaluate("typeof window.__xss") == "undefined", f"{step}: an injected script ran"
        assert self.dialogs == [], f"{step}: a dialog opened: {self.dialogs}"
        assert self.csp == [], f"{step}: the CSP refused injected markup: {self.csp}"
        found = await page.evaluate(
            "(sel) => [...document.querySelectorAll(sel)].map((e) => e.outerHTML.slice(0, 120))", INJECTED
        )
        assert found == [], f"{step}: data became markup: {found}"
        assert "49" not in await page.title(), f"{step}: a template expression was evaluated in the title"
        body = str(await page.evaluate("document.body.innerText"))
        for payload in shown:
            assert payload in body, f"{step}: {payload!r} is not shown literally"


async def store_payloads(server: Any) -> tuple[int, int]:
    db = server.db
    customer_id = await customers.create_customer(
        db, full_name=NAME, phones=[NUMBER], email=EMAIL, account_number=ACCOUNT, address=ADDRESS
    )
    other_id = await customers.create_customer(db, full_name=OTHER_NAME, phones=[NUMBER])
    async with db.write_session() as s, s.begin():
        await s.execute(
            text("UPDATE customers SET notes = :n WHERE id = :c"), {"n": f"{SCRIPT} {IMG}", "c": customer_id}
        )
        account_id = (
            await s.execute(text("SELECT id FROM accounts WHERE customer_id = :c"), {"c": customer_id})
        ).scalar_one()
        await s.execute(
            text("INSERT INTO adjustments (account_id, made_at, amount_kop, reason) VALUES (:a, :t, -10000, :r)"),
            {"a": account_id, "t": datetime.now(UTC) - timedelta(days=3), "r": REASON},
        )
        await s.execute(text("UPDATE users SET full_name = :n WHERE username = 'op1'"), {"n": OPERATOR_NAME})
    # A call nobody answered yesterday, with notes: the call-back list and the customer's history show it.
    await interactions.open_call_card(
        db,
        call_id="xss-missed",
        offered_at=datetime.now(UTC) - timedelta(hours=20),
        caller_number=NUMBER,
        customer_id=customer_id,
    )
    await interactions.update_call_card(
        db, "xss-missed", {"queue": "support", "state": "ended", "callback_status": "pending"}
    )
    async with db.write_session() as s, s.begin():
        await s.execute(text("UPDATE interactions SET notes = :n WHERE call_id = 'xss-missed'"), {"n": OLD_NOTES})
    await applications.file_application(
        db, type="recalculation", text=APP_TEXT, channel="phone", customer_id=customer_id, account_id=account_id
    )
    return customer_id, other_id


async def post_json(page: Page, url: str, data: dict[str, Any]) -> Any:
    token = await page.locator("meta[name=csrf-token]").get_attribute("content")
    response = await page.request.post(url, data=data, headers={"X-CSRF-Token": token or ""})
    assert response.ok, (url, response.status, await response.text())
    return await response.json()


async def kb_article_view(page: Page, watch: Watch, step: str) -> None:
    await page.keyboard.press("Control+k")
    await expect(page.locator("#kb-q")).to_be_focused()
    await page.keyboard.type("Ксссловарь")
    await page.keyboard.press("Enter")
    found = page.locator("#kb-results li.kb-article", has_text="Ксссловарь")
    await expect(found).to_have_count(1)
    await watch.nothing_ran(f"{step}: knowledge-base results", KB_TITLE)
    await found.locator("summary").click()
    await expect(found.locator(".kb-body")).to_have_text(KB_BODY)
    await watch.nothing_ran(f"{step}: knowledge-base article", KB_TITLE, KB_BODY)


async def test_stored_markup_is_shown_as_text_and_never_runs(server, browser) -> None:
    customer_id, other_id = await store_payloads(server)
    context = await browser.new_context(viewport=VIEWPORT, locale="ru-RU", timezone_id="Europe/Moscow")
    context.set_default_timeout(10_000)
    errors: list[str] = []
    try:
        # The supervisor writes the article through the API, then reads it back on the screen.
        sup = await context.new_page()
        sup.on("pageerror", lambda err: errors.append(str(err)))
        sup_watch = Watch(sup)
        await log_in(sup, server.url, "sup", server.passwords["sup"])
        await sup.get_by_role("navigation").get_by_role("link", name=RU["nav.workstation"]).click()  # the KB editor
        await expect(sup.locator("#conn-state")).to_have_attribute("data-state", "online")
        await post_json(sup, f"{server.url}/api/kb", {"title": KB_TITLE, "body": KB_BODY, "topic": None})
        await kb_article_view(sup, sup_watch, "supervisor")
        await sup.locator("#kb-results li.kb-article").get_by_role("button", name=RU["kb.edit"]).click()
        await expect(sup.locator("#kb-title")).to_have_value(KB_TITLE)
        await expect(sup.locator("#kb-body")).to_have_value(KB_BODY)
        await sup_watch.nothing_ran("supervisor: the article in the editor")
        await sup.goto(f"{server.url}/customers/{customer_id}")
        await expect(sup.locator("#customer-name")).to_have_text(NAME)
        # The timeline arrives after the page: wait for it before looking (a slow machine shows the gap).
        await expect(sup.locator("#timeline")).to_contain_text(APP_TEXT)
        await expect(sup.locator("#timeline")).to_contain_text(OLD_NOTES)
        await sup_watch.nothing_ran("supervisor: the customer page", NAME, ADDRESS, APP_TEXT, OLD_NOTES)
        await sup.close()

        await context.clear_cookies()
        page = await context.new_page()
        page.on("pageerror", lambda err: errors.append(str(err)))
        watch = Watch(page)
        await log_in(page, server.url, "op1", server.passwords["op1"])
        await sign_in_to(page, ["support"])
        await watch.nothing_ran("workstation", OPERATOR_NAME)

        missed = page.locator("#callbacks-list li.callback", has_text=shown_phone(NUMBER))
        await expect(missed).to_be_visible()
        await watch.nothing_ran("call-back list", NAME)

        # The call from the number both customers share: the chooser lists them, the operator picks one.
        server.simulator.place_inbound_call(NUMBER, queue="support")
        await expect(page.locator("#call-state")).to_have_attribute("data-state", "ringing")
        await page.keyboard.press("F2")
        await expect(page.locator("#call-state")).to_have_attribute("data-state", "talking")
        chooser = page.locator("#pop-chooser li")
        await expect(chooser.filter(has_text=OTHER_NAME)).to_be_visible()
        await watch.nothing_ran("the pop's chooser", NAME, OTHER_NAME)
        await chooser.filter(has_text=NAME).get_by_role("button", name=RU["pop.choose_this"]).click()
        await expect(page.locator("#customer-name")).to_have_text(NAME)
        await page.locator("#customer-view .account-box").get_by_text(REASON).wait_for()
        await watch.nothing_ran("the pop", NAME, ADDRESS, EMAIL, REASON, OLD_NOTES)

        await page.select_option("#card-topic", "other")
        await page.select_option("#card-result", "consulted")
        await page.fill("#card-notes", CARD_NOTES)
        await page.keyboard.press("Control+s")
        await expect(page.locator("#card-msg")).to_have_attribute("data-kind", "ok")
        await page.click("#application-box summary")
        await expect(page.locator("#application-customer")).to_contain_text(NAME)
        await watch.nothing_ran("the card and application form", NAME)

        await page.fill("#customer-q", ACCOUNT)
        await page.keyboard.press("Enter")
        hit = page.locator(f"#search-results li[data-customer-id='{customer_id}']")
        await expect(hit).to_be_visible()
        await watch.nothing_ran("search results", NAME, ADDRESS)

        await kb_article_view(page, watch, "operator")

        await page.goto(f"{server.url}/customers/{customer_id}")
        await expect(page.locator("#customer-name")).to_have_text(NAME)
        await expect(page.locator("#timeline")).to_contain_text(CARD_NOTES)
        await expect(page.locator("#timeline")).to_contain_text(APP_TEXT)
        await watch.nothing_ran(
            "the customer page", OPERATOR_NAME, NAME, ADDRESS, EMAIL, REASON, APP_TEXT, OLD_NOTES, CARD_NOTES
        )
        await page.click("#contacts-box summary")
        await expect(page.locator("#contacts-name")).to_have_value(NAME)
        await expect(page.locator("#contacts-email")).to_have_value(EMAIL)
        await watch.nothing_ran("the contact form")

        await page.goto(f"{server.url}/customers/{other_id}")
        await expect(page.locator("#customer-name")).to_have_text(OTHER_NAME)
        await watch.nothing_ran("the other customer's page", OTHER_NAME)

        await page.goto(f"{server.url}/password")
        await expect(page.locator("form").first).to_be_visible()
        await watch.nothing_ran("the password page", OPERATOR_NAME)
    finally:
        await context.close()
    assert not errors, f"script errors on the pages: {errors}"
