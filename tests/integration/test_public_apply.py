"""Given the real server, a customer files an application on /apply without logging in and checks its status
on /apply/status; forged, invalid, flooding and unknown-account tries get the answers they should, and an
unknown account cannot be told from a wrong contact."""

from __future__ import annotations

import io
import re
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select, text

from crm_store.models import Application, ApplicationAttachment
from tests.serving import prepare_database, settings_for_test, start

pytestmark = pytest.mark.integration

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
ERROR = re.compile(r'<p class="msg" data-kind="error" role="alert" id="apply-error" data-code="([a-z_]+)">([^<]*)</p>')


@pytest.fixture
async def site(tmp_path: Path):  # type: ignore[no-untyped-def]
    url = await prepare_database(tmp_path / "ccdesk.db", customers=30)
    running = await start(settings_for_test(tmp_path, url, apply_per_address_per_hour=40, apply_per_account_per_hour=5))
    yield running
    await running.stop()


class Visitor:
    def __init__(self, base_url: str) -> None:
        self.http = aiohttp.ClientSession(base_url, cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.token = ""
        self.last_url = ""

    async def open(self, path: str = "/apply") -> str:
        async with self.http.get(path) as response:
            assert response.status == 200
            page = await response.text()
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert found
        self.token = found.group(1)
        return page

    async def post(self, path: str, fields: dict[str, str], files: list[tuple[str, bytes]] = ()) -> tuple[int, str]:  # type: ignore[assignment]
        form = aiohttp.FormData()
        form.add_field("csrf_token", fields.pop("csrf_token", self.token))
        for name, value in fields.items():
            form.add_field(name, value)
        for filename, data in files:
            form.add_field("attachment", io.BytesIO(data), filename=filename, content_type="image/png")
        async with self.http.post(path, data=form) as response:
            self.last_url = str(response.url)
            return response.status, await response.text()

    async def close(self) -> None:
        await self.http.close()


async def _account_with_phone(site) -> tuple[str, str, int]:  # type: ignore[no-untyped-def]
    async with site.db.read_session() as s:
        row = (
            await s.execute(
                text(
                    "SELECT a.number, p.e164, a.id FROM accounts a JOIN phones p ON p.customer_id = a.customer_id "
                    "ORDER BY a.id LIMIT 1"
                )
            )
        ).first()
    return row[0], row[1], row[2]


async def test_a_customer_files_with_an_attachment_and_checks_the_status(site) -> None:
    account, phone, account_id = await _account_with_phone(site)
    v = Visitor(site.url)
    try:
        page = await v.open()
        assert "meter_dispute" in page and 'name="meter_dispute.reading"' in page
        status, page = await v.post(
            "/apply",
            {
                "account": account,
                "contact": phone.replace("+7", "8"),
                "type": "meter_dispute",
                "meter_dispute.reading": "12345",
                "text": "Показания завышены",
            },
            [("../../etc/passwd.png", PNG)],
        )
        assert status == 200 and "receipt-number" in page, (v.last_url, page[:3000])  # after post/redirect/get
        number = re.search(r'id="receipt-number">(\d+)<', page).group(1)
        found = re.search(r"/apply/receipt\?number=\d+&sig=\w+", v.last_url)
        assert found, v.last_url
        receipt = found.group(0)
        async with v.http.get(receipt.replace("sig=", "sig=0")) as forged:
            assert forged.status == 404  # only the signed link shows a receipt
        async with site.db.read_session() as s:
            app = await s.scalar(select(Application).where(Application.number == number))
            files = list(await s.scalars(select(ApplicationAttachment)))
        assert app.channel == "web" and app.account_id == account_id and app.fields == {"reading": "12345"}
        assert app.department_queue == "dept_metering" and app.due_at is not None
        assert [(f.filename, f.content_type, f.size) for f in files] == [("passwd.png", "image/png", len(PNG))]
        await v.open("/apply/status")
        status, page = await v.post("/apply/status", {"number": number, "account": account, "contact": phone})
        assert status == 200 and 'id="status-now" data-status="new"' in page
        # Someone else's number with these details: the same "not found" as a number that does not exist.
        status, other = await v.post("/apply/status", {"number": "999", "account": account, "contact": phone})
        assert status == 404 and ERROR.search(other).group(1) == "status_not_found"
    finally:
        await v.close()


async def test_invalid_forged_unknown_and_flooding_tries(site) -> None:
    account, phone, _ = await _account_with_phone(site)
    v = Visitor(site.url)
    try:
        await v.open()
        # Invalid: a field of the wrong kind; the form comes back with what was typed.
        status, page = await v.post(
            "/apply", {"account": account, "contact": phone, "type": "meter_dispute", "meter_dispute.reading": "много"}
        )
        assert status == 400 and ERROR.search(page).group(1) == "invalid_fields" and "много" in page
        # Forged: a token the server did not sign (even when the cookie is set to match it).
        v.http.cookie_jar.update_cookies({"ccdesk_apply": "abc.def"})
        status, page = await v.post(
            "/apply", {"csrf_token": "abc.def", "account": account, "contact": phone, "type": "complaint"}
        )
        assert status == 403 and ERROR.search(page).group(1) == "form_expired"
        await v.open()
        # An account that does not exist and a real one with a wrong contact: one and the same reply.
        replies = []
        for acc in ("0000000000", account):
            status, page = await v.post("/apply", {"account": acc, "contact": "+79990000000", "type": "complaint"})
            replies.append((status, ERROR.search(page).groups()))
        assert replies[0] == replies[1] == (400, replies[0][1]) and replies[0][1][0] == "not_identified"
        # Attachments: too big (413) and not an image or PDF whatever the name says (415).
        status, page = await v.post(
            "/apply", {"account": account, "contact": phone, "type": "meter_dispute"}, [("big.png", PNG * 30000)]
        )
        assert status == 413 and ERROR.search(page).group(1) == "attachment_too_big"
        status, page = await v.post(
            "/apply", {"account": account, "contact": phone, "type": "meter_dispute"}, [("x.png", b"MZ\x90\x00exe")]
        )
        assert status == 415 and ERROR.search(page).group(1) == "attachment_wrong_type"
        # Flooding one account: past five tries an hour, 429 — for the account whoever sends it.
        codes = [
            (await v.post("/apply", {"account": "5550001", "contact": "+79990000000", "type": "complaint"}))[0]
            for _ in range(6)
        ]
        assert codes == [400] * 5 + [429]
        async with site.db.read_session() as s:
            assert await s.scalar(text("SELECT COUNT(*) FROM applications WHERE channel = 'web'")) == 0
    finally:
        await v.close()
