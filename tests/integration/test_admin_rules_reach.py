"""Given the real server with the mail channel on, an admin uploads routing rules in the console: every service
started with the old rules takes the new ones — supervision's queue list, the department work, the mail
intake (its types and its filer), the IVR's filer, the wallboard's titles — and an upload that would strand
an application type or the mail channel's default type is refused, naming what it lacks."""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import AsyncIterator
from email.message import EmailMessage
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import select

from crm_store import mail
from crm_store.models import Account, Application, Customer
from tests.serving import Running, prepare_database, settings_for_test, start
from web import keys

from .admin_client import admin_of
from .client import Operator

pytestmark = pytest.mark.integration

DESK = "zayavki@ccdesk.test"


@pytest.fixture
async def mail_server(tmp_path: Path) -> AsyncIterator[Running]:
    url = await prepare_database(tmp_path / "ccdesk.db", customers=30)
    running = await start(settings_for_test(tmp_path, url, mail_address=DESK, mail_smtp_listen="127.0.0.1:0"))
    yield running
    await running.stop()


def _rules_text() -> str:
    return resources.files("routing").joinpath("default_rules.toml").read_text(encoding="utf-8")


def _without_block(text: str, start: str) -> str:
    """`text` without the TOML block that begins with `start` (up to the next blank line)."""
    at = text.index(start)
    end = text.find("\n\n", at)
    return text[:at] + (text[end + 2 :] if end != -1 else "")


def _send(port: int, sender: str, subject: str) -> None:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = sender, DESK, subject
    m.set_content("Прошу проверить показания.")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(m)


async def test_uploaded_rules_reach_every_service_and_cannot_strand_a_type(mail_server: Running) -> None:
    app = mail_server.app
    admin, sup = await admin_of(mail_server), Operator(mail_server.url)
    try:
        await sup.login("sup", mail_server.passwords["sup"])
        before = app[keys.RULES]
        text = _rules_text()

        # an upload dropping a department that an application type routes to is refused, naming both
        no_quality = _without_block(text, '[[applications]]\nid = "complaint"').replace(
            'dept_quality = "Отдел качества (жалобы)"\n', ""
        )
        refused = await admin.api("POST", "/api/admin/books/rules", {"name": "r1.toml", "text": no_quality}, 422)
        assert refused["code"] == "book_invalid"
        assert "r1.toml: [departments] lacks" in refused["params"]["detail"]
        assert "'dept_quality' (types complaint)" in refused["params"]["detail"]
        # and one dropping the mail channel's default type as well
        no_info = text.replace('info_request = { title = "Запрос информации", sla_hours = 120 }\n', "")
        refused = await admin.api("POST", "/api/admin/books/rules", {"name": "r2.toml", "text": no_info}, 422)
        assert "r2.toml: [application_types] lacks 'info_request'" in refused["params"]["detail"]
        assert app[keys.RULES] is before

        # a good one: a queue's new title, meter disputes routed to the quality department, a type's new title
        good = (
            text.replace('title = "VIP-клиенты"', 'title = "VIP (новые)"', 1)
            .replace('queue = "dept_metering"\npriority = 2', 'queue = "dept_quality"\npriority = 2', 1)
            .replace('"Спор о показаниях"', '"Спор о показаниях (v2)"', 1)
            .replace('dept_billing = "Расчётный отдел"', 'dept_billing = "Расчёты"\ndept_archive = "Архив"', 1)
        )
        assert good.count("VIP (новые)") == good.count("(v2)") == good.count('"Расчёты"') == 1
        await admin.api("POST", "/api/admin/books/rules", {"name": "r3.toml", "text": good}, 201)
        rules = app[keys.RULES]
        assert rules is not before and rules.queues["vip"] == "VIP (новые)"

        # the supervisor's page lists the queue by its new title
        state = await sup.api("GET", "/api/supervision")
        assert {"name": "vip", "title": "VIP (новые)"} in state["queues"]
        # the department work names departments by the new rules
        assert app[keys.APPLICATION_WORK].rules is rules
        # the wallboard shows the new title (and the new targets) on the open pages and in the full picture
        vip = next(q for q in app[keys.WALLBOARD_PUSHER].full()["queues"] if q["queue"] == "vip")
        assert vip["title"] == "VIP (новые)" and vip["targets"] == rules.targets_for("vip").to_json()
        # the IVR files its applications by the new rules
        assert app[keys.IVR].backend.filer.rules is rules  # type: ignore[attr-defined]

        # a customer's mail about readings is filed to the department the new rules name, with the new title
        async with mail_server.db.read_session() as s:
            address = (
                await s.execute(
                    select(Customer.email)
                    .join(Account, Account.customer_id == Customer.id)
                    .where(Customer.email.is_not(None))
                    .order_by(Customer.id)
                    .limit(1)
                )
            ).scalar_one()
        channel = app[keys.MAIL]
        assert channel is not None and channel.smtp_port is not None
        await asyncio.to_thread(_send, channel.smtp_port, address, "Неверные показания")
        async with mail_server.db.read_session() as s:
            # the demo data has e-mail applications of its own: this one is the listener's
            mine = select(Application).where(Application.channel == "email", Application.text.startswith("E-mail от"))
            [filed] = (await s.execute(mine)).scalars().all()
        assert filed.department_queue == "dept_quality"
        # its receipt names the type as the application-types catalogue does (the catalogue files it)
        [reply] = await mail.outbox(mail_server.db)
        catalogued = app[keys.APPLICATION_TYPES].get(filed.type)
        assert catalogued is not None
        assert f"№ {filed.number} зарегистрирована" in reply.body and f"Тип: {catalogued.title}" in reply.body

        # a department someone works in stays: rules without it are refused while its user is active
        clerk = {"username": "arhivova", "role": "department", "password": "Lunnaya-Sonata-14"}
        await admin.api("POST", "/api/admin/users", {**clerk, "department": "dept_archive"}, 201)
        no_archive = good.replace('dept_archive = "Архив"\n', "")
        refused = await admin.api("POST", "/api/admin/books/rules", {"name": "r4.toml", "text": no_archive}, 422)
        assert (
            refused["params"]["detail"]
            == "r4.toml: [departments] lacks department(s) still in use: 'dept_archive' (users)"
        )
        assert app[keys.RULES] is rules
    finally:
        await admin.close()
        await sup.close()
