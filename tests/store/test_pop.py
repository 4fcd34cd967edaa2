from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert

from crm_store import applications, customers, interactions
from crm_store.demo import DemoSpec, generate
from crm_store.models import Account, ContactPerson, MeterReading, Payment
from crm_store.pop import LAST_INTERACTIONS, LAST_PAYMENTS, LAST_READINGS, screen_pop

pytestmark = pytest.mark.postgres

T0 = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)


async def _customer_with_history(db) -> int:
    cid = await customers.create_customer(
        db,
        full_name="Кузнецова Мария Ивановна",
        phones=["+7 916 555-44-33"],
        account_number="5000000001",
        address="г. Казань, ул. Мира, д. 1",
        region="Татарстан",
    )
    async with db.writer.begin() as conn:
        account_id = (await conn.execute(Account.__table__.select().where(Account.number == "5000000001"))).first().id
        await conn.execute(
            Account.__table__.update()
            .where(Account.id == account_id)
            .values(debt_kop=123_45, balance_kop=-123_45, debt_since=date(2026, 9, 1))
        )
        await conn.execute(
            insert(Payment),
            [
                dict(account_id=account_id, paid_at=T0 - timedelta(days=30 * i), amount_kop=1000 + i, method="card")
                for i in range(15)
            ],
        )
        await conn.execute(
            insert(MeterReading),
            [
                dict(
                    account_id=account_id,
                    taken_at=T0 - timedelta(days=30 * i),
                    value=5000 - i * 100,
                    meter="electricity",
                    source="customer",
                )
                for i in range(20)
            ],
        )
    for i in range(60):
        await interactions.open_call_card(db, call_id=f"h{i}", offered_at=T0 - timedelta(hours=i), customer_id=cid)
    await applications.file_application(db, type="complaint", text="open", channel="phone", customer_id=cid)
    done = await applications.file_application(db, type="complaint", text="closed", channel="web", customer_id=cid)
    await applications.change_status(db, done.id, "resolved", user_id=None)
    return cid


async def test_pop_by_any_written_form_returns_the_whole_picture(db) -> None:
    cid = await _customer_with_history(db)
    for written in ("89165554433", "+7 (916) 555-44-33", "9165554433"):
        (pop,) = await screen_pop(db, written)
        assert pop.customer.id == cid
    (account,) = pop.accounts
    assert account.debt_kop == 12345 and pop.total_debt_kop == 12345
    assert len(account.payments) == LAST_PAYMENTS and account.payments[0].amount_kop == 1000  # newest first
    assert len(account.readings) == LAST_READINGS and account.readings[0].value == 5000
    assert len(pop.interactions) == LAST_INTERACTIONS and pop.interactions[0].call_id == "h0"
    assert [a.text for a in pop.open_applications] == ["open"]
    assert pop.to_json()["accounts"][0]["payments"][0]["paid_at"].startswith("2026-11-01")


async def test_unknown_or_invalid_numbers_pop_nobody(db) -> None:
    await _customer_with_history(db)
    assert await screen_pop(db, "+7 916 000-00-01") == []
    assert await screen_pop(db, "anonymous") == []


async def test_a_number_shared_by_two_customers_pops_both(db) -> None:
    a = await customers.create_customer(db, full_name="Муж", phones=["9031112233"])
    b = await customers.create_customer(db, full_name="Жена", phones=["8 903 111 22 33"])
    assert {p.customer.id for p in await screen_pop(db, "+79031112233")} == {a, b}


async def test_an_organisation_pops_by_its_contact_persons_number(db) -> None:
    org = await customers.create_customer(db, full_name="ООО «Ромашка»", kind="organisation", account_number="O-1")
    async with db.writer.begin() as conn:
        await conn.execute(
            insert(ContactPerson), [dict(customer_id=org, full_name="Главбух Ольга", phone="+74957654321")]
        )
    (pop,) = await screen_pop(db, "8 495 765 43 21")
    assert pop.customer.kind == "organisation" and pop.contact_for == ("Главбух Ольга",)


async def test_demo_data_is_deterministic_and_pops(db, tmp_path) -> None:
    spec = DemoSpec(customers=200, seed=7, as_of=date(2026, 11, 1))
    summary = await generate(db, spec)
    assert summary.customers == 200 and summary.payments > 1000 and summary.interactions == 600
    async with db.read_session() as s:
        from sqlalchemy import select

        from crm_store.models import Customer, Phone

        names = list(await s.scalars(select(Customer.full_name).order_by(Customer.id)))
        raw = list(await s.scalars(select(Phone.raw).order_by(Phone.id).limit(50)))
    other_url = f"sqlite:///{tmp_path / 'other.db'}"
    from crm_store.db import open_database
    from crm_store.migrate import upgrade

    await upgrade(other_url)
    other = open_database(other_url)
    await generate(other, spec)
    async with other.read_session() as s:
        assert list(await s.scalars(select(Customer.full_name).order_by(Customer.id))) == names
    await other.dispose()
    assert len({r[:2] for r in raw}) > 1  # mixed written forms, not one format
    for written in raw[:20]:
        assert await screen_pop(db, written), written


async def test_sqlite_driver_path_gives_the_pops_sqlalchemy_gives(db) -> None:
    """The pop runs on SQLite's driver connection; the SQLAlchemy path (PostgreSQL's) must answer the same."""
    from sqlalchemy import select

    from crm_store.models import Customer, Phone
    from crm_store.pop import call_pop_sync, generic_fetcher, pop_sync, sqlite_fetcher

    await generate(db, DemoSpec(customers=150, seed=11, as_of=date(2026, 11, 1)))
    cid = await _customer_with_history(db)
    org = await customers.create_customer(db, full_name="ООО «Лютик»", kind="organisation", account_number="O-2")
    async with db.writer.begin() as conn:
        await conn.execute(insert(ContactPerson), [dict(customer_id=org, full_name="Снабженец", phone="+74957654322")])
    await interactions.open_call_card(db, call_id="ivr-id", offered_at=T0, customer_id=cid)
    async with db.read_session() as s:
        numbers = list(await s.scalars(select(Phone.raw).order_by(Phone.id)))
        ids = list(await s.scalars(select(Customer.id).order_by(Customer.id)))

    def compare(conn) -> int:
        fast, generic = sqlite_fetcher(conn), generic_fetcher(conn)
        popped = 0
        for number in [*numbers, "+74957654322", "+7 916 000-00-01"]:
            expected = pop_sync(conn, number, generic)
            assert pop_sync(conn, number, fast) == expected, number
            popped += bool(expected)
        from crm_store.pop import load_customers_sync

        assert load_customers_sync(conn, ids, fetch=fast) == load_customers_sync(conn, ids, fetch=generic)
        matches, card = call_pop_sync(conn, "ivr-id", None)  # identified by the IVR, number withheld
        assert card is not None and [m.customer.id for m in matches] == [cid]
        return popped

    assert await db.run_read(compare) >= len(numbers)
