"""Applications filed by the IVR on a real, migrated database (SQLite, and PostgreSQL: marked): through the
filing service (routing picks the department, the number is the store's), linked to the call card, and found
again by the caller's status request — behind the IVR over FastAGI as well as directly."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm_store.db import Database
from crm_store.models import Application, ApplicationInteraction, Interaction
from ivr.menu import Menu
from ivr.server import IvrServer
from ivr.store_backend import StoreBackend
from routing import RuleSet, default_rules
from workstation.application_types import load_application_types
from workstation.filing import TypedFiler

from .fake_asterisk import HANG_UP, call
from .test_store_backend import NOW, seed

pytestmark = pytest.mark.postgres


@pytest.fixture
async def store(db: Database) -> StoreBackend:
    await seed(db)
    filer = TypedFiler(db=db, types=load_application_types(), rules=default_rules(), clock=lambda: NOW)
    return StoreBackend(db, filer=filer)


async def test_a_dispute_is_filed_for_the_department_and_linked_to_the_call(store: StoreBackend, db: Database) -> None:
    filed = await store.file_application(
        call_id="1795459457.84",
        type="meter_dispute",
        customer_id=1,
        account_id=10,
        phone="+79001234567",
        text="Не согласен с показаниями",
        at=NOW,
    )
    async with db.read_session() as s:
        app = (await s.execute(select(Application).where(Application.id == filed.application_id))).scalar_one()
        card = (await s.execute(select(Interaction).where(Interaction.call_id == "1795459457.84"))).scalar_one()
        links = (await s.execute(select(ApplicationInteraction))).scalars().all()
    assert (app.number, app.channel, app.department_queue, app.account_id) == (
        filed.number,
        "ivr",
        "dept_metering",
        10,
    )
    assert "+79001234567" in app.text
    assert [(link.application_id, link.interaction_id) for link in links] == [(app.id, card.id)]
    status = await store.application_status(filed.number)
    assert status is not None and (status.status, status.type) == ("new", "meter_dispute")
    assert await store.application_status("269999999") is None


async def test_without_a_filing_service_the_caller_is_handed_to_an_operator(
    db: Database, menu: Menu, rules: RuleSet
) -> None:
    await seed(db)
    server = IvrServer(menu=menu, backend=StoreBackend(db), rules=rules, port=0, clock=lambda: NOW)
    await server.start()
    try:
        log = await call(server.port, caller_id="79001234567", keys=["7"])
    finally:
        await server.stop()
    assert log.variables["CCDESK_QUEUE"] and log.played("application-number-is") == 0


async def test_a_call_back_request_through_the_ivr_is_filed_and_its_number_said(
    store: StoreBackend, db: Database, menu: Menu, rules: RuleSet
) -> None:
    server = IvrServer(menu=menu, backend=store, rules=rules, port=0, clock=lambda: NOW)
    await server.start()
    try:
        log = await call(server.port, caller_id="79001234567", keys=["5", HANG_UP])
    finally:
        await server.stop()
    async with db.read_session() as s:
        app = (await s.execute(select(Application).where(Application.channel == "ivr"))).scalar_one()
    assert (app.type, app.customer_id) == ("callback_request", 1)
    assert log.said == [f"digits:{app.number}"]
