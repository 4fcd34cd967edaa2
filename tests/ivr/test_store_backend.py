"""The crm_store backend on a temporary, migrated database (SQLite, and PostgreSQL: marked) — directly and
behind the IVR."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from crm_store.db import Database
from crm_store.interactions import get_call_card, open_call_card
from crm_store.models import (
    Account,
    Application,
    ContactPerson,
    Customer,
    Interaction,
    MeterReading,
    Payment,
    Phone,
    Task,
)
from ivr.menu import Menu
from ivr.server import IvrServer
from ivr.stats import ivr_stats
from ivr.store_backend import StoreBackend
from ivr.values import SELF_SERVED, TRANSFERRED, IvrSessionRecord
from routing import RoutingDecision, RuleSet

from .conftest import MONDAY_NOON
from .fake_asterisk import HANG_UP, call

pytestmark = pytest.mark.postgres

NOW = MONDAY_NOON.astimezone(UTC)


async def seed(db: Database) -> None:
    async with db.write_session() as s, s.begin():
        s.add_all(
            [
                Customer(id=1, kind="individual", full_name="Иван Петров", name_key="иван петров"),
                Customer(
                    id=2,
                    kind="organisation",
                    full_name="ООО «Ромашка»",
                    name_key="ооо ромашка",
                    vip=True,
                ),
            ]
        )
        await s.flush()
        s.add_all(
            [
                Phone(customer_id=1, e164="+79001234567", raw="8 900 123-45-67"),
                ContactPerson(customer_id=2, full_name="Бухгалтер", phone="+79005550000"),
                Account(
                    id=10,
                    customer_id=1,
                    number="100200300",
                    region="Москва",
                    balance_kop=150_050,
                    debt_kop=0,
                ),
                Account(id=11, customer_id=1, number="100200399", status="closed"),
                Account(
                    id=20,
                    customer_id=2,
                    number="900100100",
                    region="Москва",
                    balance_kop=-2_000_000,
                    debt_kop=2_000_000,
                ),
            ]
        )
        await s.flush()
        s.add_all(
            [
                Payment(
                    account_id=10,
                    paid_at=datetime(2026, 10, 31, 22, 30, tzinfo=UTC),
                    amount_kop=230_000,
                ),  # 1 November in Moscow
                Payment(account_id=10, paid_at=datetime(2026, 9, 1, 9, tzinfo=UTC), amount_kop=1),
                MeterReading(account_id=10, taken_at=NOW - timedelta(days=30), value=12_000),
                MeterReading(account_id=10, taken_at=NOW - timedelta(days=60), value=11_000),
                Application(
                    number="260000042",
                    type="reconnection",
                    customer_id=1,
                    status="in_progress",
                    due_at=datetime(2026, 12, 1, 9, tzinfo=UTC),
                ),
            ]
        )


@pytest.fixture
async def store(db: Database) -> StoreBackend:
    await seed(db)
    return StoreBackend(db)


async def count(db: Database, model: type) -> int:
    async with db.read_session() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def test_reads(store: StoreBackend) -> None:
    (own,) = await store.accounts_by_phone("+79001234567")  # the closed account is left out
    assert (own.account_id, own.segment, own.vip, own.debt_kop) == (10, "individual", False, 0)
    (org,) = await store.accounts_by_phone("+79005550000")  # matched through a contact person
    assert (org.account_id, org.segment, org.vip) == (20, "organisation", True)
    assert await store.accounts_by_phone("+79009999999") == []
    by_number = await store.account_by_number(" 900100100 ")
    assert by_number is not None and by_number.debt_kop == 2_000_000
    assert await store.account_by_number("123") is None
    assert (await store.balance(10)).balance_kop == 150_050
    payment = await store.last_payment(10)
    assert payment is not None and (payment.amount_kop, payment.paid_on.day) == (230_000, 1)
    assert await store.last_payment(20) is None
    reading = await store.last_reading(10, "electricity")
    assert reading is not None and reading.value == 12_000
    app = await store.application_status("260000042")
    assert app is not None and (app.status, app.due_on and app.due_on.day) == ("in_progress", 1)
    assert await store.application_status("1") is None


@pytest.mark.parametrize(
    ("value", "problem", "stored"),
    [(12_500, None, 1), (11_999, "lower", 0), (20_000, "too_high", 0)],
)
async def test_store_reading_checks_against_the_latest(
    store: StoreBackend, db: Database, value: int, problem: str | None, stored: int
) -> None:
    before = await count(db, MeterReading)
    verdict = await store.store_reading(
        account_id=10, meter="electricity", value=value, max_increase=5000, at=NOW, call_id="c1"
    )
    assert (verdict.problem, verdict.previous) == (problem, 12_000)
    assert await count(db, MeterReading) == before + stored


async def test_callback_creates_task_and_marks_the_card(store: StoreBackend, db: Database) -> None:
    info = await store.request_callback(
        call_id="cb-1",
        phone="+79001234567",
        customer_id=1,
        account_id=10,
        topic="IVR call-back request",
        at=NOW,
    )
    card = await get_call_card(db, call_id="cb-1")
    assert card.callback_status == "pending" and card.customer_id == 1
    async with db.read_session() as s:
        task = await s.get(Task, info.task_id)
    assert task is not None and (task.kind, task.phone, task.interaction_id) == (
        "callback",
        "+79001234567",
        card.id,
    )


def _record(call_id: str, **kw: object) -> IvrSessionRecord:
    fields: dict[str, object] = {
        "call_id": call_id,
        "started_at": NOW,
        "caller": "+79001234567",
        "path": ("welcome", "identify", "main:0", "operator"),
        "customer_id": 1,
        "account_id": 10,
        "account_number": "100200300",
        "identified_by": "phone",
        "outcome": TRANSFERRED,
        "decision": RoutingDecision(queue="billing", priority=1, reason="bills", rule_id="billing"),
    }
    fields.update(kw)
    return IvrSessionRecord(**fields)  # type: ignore[arg-type]


async def test_session_goes_onto_a_new_call_card(store: StoreBackend, db: Database) -> None:
    await store.record_session(_record("s-1"))
    card = await get_call_card(db, call_id="s-1")
    assert card.ivr_path == ("welcome", "identify", "main:0", "operator")
    assert (card.ivr_identified, card.routing_queue) == ("phone:100200300", "billing")
    assert card.routing_reason == "bills [rule billing, priority 1]"
    assert (card.customer_id, card.account_id, card.self_served, card.state) == (
        1,
        10,
        False,
        "ivr",
    )


async def test_session_completes_the_card_cti_opened_without_overwriting(store: StoreBackend, db: Database) -> None:
    await open_call_card(
        db,
        call_id="s-2",
        offered_at=NOW,
        caller_number="+79001234567",
        customer_id=2,
        state="offered",
    )
    await store.record_session(
        _record(
            "s-2",
            outcome=SELF_SERVED,
            decision=None,
            path=("welcome", "identify", "main:1", "balance", "+balance"),
        )
    )
    card = await get_call_card(db, call_id="s-2")
    assert (card.customer_id, card.account_id) == (2, 10)  # the customer someone set stays
    assert card.self_served and card.routing_queue is None and card.state == "offered"
    await store.record_session(_record("s-2", outcome=SELF_SERVED, decision=None))  # idempotent
    assert await count(db, Interaction) == 1


async def test_sessions_read_back_for_statistics(store: StoreBackend) -> None:
    await store.record_session(_record("a"))
    await store.record_session(
        _record(
            "b",
            outcome=SELF_SERVED,
            decision=None,
            path=("welcome", "identify", "main:1", "balance", "+balance"),
        )
    )
    await store.record_session(_record("c", outcome="abandoned", decision=None, path=("welcome", "identify", "main")))
    await store.record_session(_record("d", started_at=NOW - timedelta(days=2)))
    records = await store.load_sessions(NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    stats = ivr_stats(records, start=NOW - timedelta(hours=1), end=NOW + timedelta(hours=1))
    assert (stats.total, stats.self_served, stats.transferred) == (3, 1, 1)
    assert stats.drop_outs == {"main": 1} and stats.transfers_by_queue == {"billing": 1}


@pytest.fixture
async def live(store: StoreBackend, menu: Menu, rules: RuleSet):  # type: ignore[no-untyped-def]
    server = IvrServer(menu=menu, backend=store, rules=rules, port=0, clock=lambda: NOW)
    await server.start()
    yield server
    await server.stop()


async def test_reading_through_the_ivr_is_stored_and_on_the_card(live: IvrServer, db: Database) -> None:
    log = await call(live.port, caller_id="79001234567", keys=["3", "12345", "1", "9"], linkedid="ivr-1")
    assert log.played("reading-accepted") == 1
    async with db.read_session() as s:
        latest = (
            await s.execute(select(MeterReading.value, MeterReading.source).order_by(MeterReading.id.desc()).limit(1))
        ).one()
    assert tuple(latest) == (12_345, "ivr")
    card = await get_call_card(db, call_id="ivr-1")
    assert card.self_served and "+reading:12345" in card.ivr_path


async def test_hang_up_before_confirming_writes_no_reading(live: IvrServer, db: Database) -> None:
    before = await count(db, MeterReading)
    await call(live.port, caller_id="79001234567", keys=["3", "12345", HANG_UP], linkedid="ivr-2")
    assert await count(db, MeterReading) == before
    card = await get_call_card(db, call_id="ivr-2")
    assert card.ivr_path[-1] == "meter" and not card.self_served and card.routing_queue is None


async def test_vip_organisation_contact_is_routed_to_vip(live: IvrServer, db: Database) -> None:
    log = await call(live.port, caller_id="+79005550000", keys=["0"], linkedid="ivr-3")
    assert (log.variables["CCDESK_QUEUE"], log.variables["CCDESK_PRIORITY"]) == ("vip", "10")
    card = await get_call_card(db, call_id="ivr-3")
    assert (card.routing_queue, card.customer_id, card.account_id) == ("vip", 2, 20)
