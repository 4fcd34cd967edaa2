from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, insert, select

from crm_store import applications, customers
from crm_store.errors import NotFound
from crm_store.history import customer_timeline, parse_cursor
from crm_store.models import (
    Account,
    Adjustment,
    Application,
    ApplicationStatusChange,
    Interaction,
    MeterReading,
    Payment,
)

T0 = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)


def h(hours: float) -> datetime:
    return T0 - timedelta(hours=hours)


async def _customer(db, name: str, account: str, phone: str) -> tuple[int, int]:
    cid = await customers.create_customer(db, full_name=name, phones=[phone], account_number=account)
    async with db.read_session() as s:
        account_id = await s.scalar(select(Account.id).where(Account.number == account))
    return cid, account_id


async def _history(db) -> tuple[int, int]:
    """One customer with one event of each kind, an hour apart, and a neighbour whose history must not leak."""
    cid, aid = await _customer(db, "Орлова Анна", "7000000001", "+7 916 100-00-01")
    other, other_aid = await _customer(db, "Белов Олег", "7000000002", "+7 916 100-00-02")
    async with db.writer.begin() as conn:
        await conn.execute(
            insert(Interaction),
            [
                dict(
                    call_id="c1",
                    customer_id=cid,
                    account_id=aid,
                    direction="inbound",
                    caller_number="+79161000001",
                    queue="billing",
                    outcome="answered",
                    state="ended",
                    offered_at=h(0),
                    topic="payment",
                    result="consulted",
                    notes="Спрашивала про пени",
                    talk_seconds=95,
                    ivr_path=[],
                ),
            ],
        )
        await conn.execute(insert(Interaction), [dict(call_id="c2", customer_id=other, offered_at=h(0.5), ivr_path=[])])
        app_id = (
            await conn.execute(
                insert(Application)
                .values(
                    number="260000001",
                    type="complaint",
                    customer_id=cid,
                    account_id=aid,
                    channel="web",
                    status="in_progress",
                    text="Не пришла квитанция",
                    created_at=h(2),
                )
                .returning(Application.id)
            )
        ).scalar_one()
        await conn.execute(
            insert(ApplicationStatusChange),
            [
                dict(application_id=app_id, status="new", at=h(2), comment=""),
                dict(application_id=app_id, status="in_progress", at=h(1), comment="Взято в работу"),
            ],
        )
        await conn.execute(
            insert(Payment),
            [
                dict(account_id=aid, paid_at=h(3), amount_kop=150_000, method="card"),
                dict(account_id=other_aid, paid_at=h(3), amount_kop=1, method="card"),
            ],
        )
        await conn.execute(
            insert(MeterReading),
            [
                dict(account_id=aid, taken_at=h(4), value=12_345, meter="electricity", source="ivr"),
            ],
        )
        await conn.execute(
            insert(Adjustment),
            [
                dict(account_id=aid, made_at=h(5), amount_kop=-20_000, reason="Перерасчёт по показаниям"),
            ],
        )
    return cid, app_id


@pytest.mark.postgres
async def test_timeline_merges_every_kind_newest_first_and_only_for_this_customer(db) -> None:
    cid, app_id = await _history(db)
    items = await customer_timeline(db, cid)
    assert [(i.kind, i.at) for i in items] == [
        ("call", h(0)),
        ("application_status", h(1)),
        ("application", h(2)),
        ("payment", h(3)),
        ("reading", h(4)),
        ("adjustment", h(5)),
    ]
    call, change, app, payment, reading, adjustment = items
    assert (call.title, call.summary, call.code, call.topic, call.result, call.direction, call.talk_seconds) == (
        "billing",
        "Спрашивала про пени",
        "answered",
        "payment",
        "consulted",
        "inbound",
        95,
    )
    assert (change.title, change.code, change.summary, change.application_id) == (
        "260000001",
        "in_progress",
        "Взято в работу",
        app_id,
    )
    assert (app.title, app.code, app.status, app.summary, app.source) == (
        "260000001",
        "complaint",
        "in_progress",
        "Не пришла квитанция",
        "web",
    )
    assert (payment.title, payment.amount_kop, payment.code) == ("7000000001", 150_000, "card")
    assert (reading.value, reading.code, reading.source) == (12_345, "electricity", "ivr")
    assert (adjustment.amount_kop, adjustment.summary) == (-20_000, "Перерасчёт по показаниям")
    assert call.to_json()["at"] == h(0).isoformat() and call.to_json()["cursor"] == call.cursor


async def test_filing_an_application_is_one_item_and_each_later_status_change_another(db) -> None:
    cid = await customers.create_customer(db, full_name="Гусев Пётр", phones=["+7 916 100-00-03"])
    filed = await applications.file_application(
        db, type="reconnection", text="Оплатил долг", channel="phone", customer_id=cid
    )
    await applications.change_status(db, filed.id, "resolved", user_id=None, comment="Подключено")
    items = await customer_timeline(db, cid)
    assert [(i.kind, i.code) for i in items] == [("application_status", "resolved"), ("application", "reconnection")]
    assert items[1].status == "resolved" and items[0].summary == "Подключено"


async def test_kinds_narrow_the_timeline(db) -> None:
    cid, _ = await _history(db)
    assert [i.kind for i in await customer_timeline(db, cid, kinds=("payment", "call"))] == ["call", "payment"]
    with pytest.raises(ValueError, match="unknown timeline kind"):
        await customer_timeline(db, cid, kinds=("sms",))


async def test_paging_by_datetime_returns_strictly_older_items(db) -> None:
    cid, _ = await _history(db)
    page = await customer_timeline(db, cid, limit=2)
    assert [i.kind for i in page] == ["call", "application_status"]
    older = await customer_timeline(db, cid, limit=2, before=page[-1].at)
    assert [i.kind for i in older] == ["application", "payment"]


@pytest.mark.postgres
async def test_paging_by_cursor_neither_skips_nor_repeats_items_sharing_a_timestamp(db) -> None:
    cid, aid = await _customer(db, "Зайцева Нина", "7000000009", "+7 916 100-00-09")
    async with db.writer.begin() as conn:
        await conn.execute(
            insert(Payment), [dict(account_id=aid, paid_at=T0, amount_kop=100 + i, method="bank") for i in range(5)]
        )
        await conn.execute(
            insert(MeterReading),
            [dict(account_id=aid, taken_at=T0, value=i, meter="electricity", source="web") for i in range(4)],
        )
        await conn.execute(
            insert(Interaction), [dict(call_id=f"z{i}", customer_id=cid, offered_at=T0, ivr_path=[]) for i in range(3)]
        )
        await conn.execute(insert(Payment), [dict(account_id=aid, paid_at=h(1), amount_kop=1, method="bank")])
    everything = await customer_timeline(db, cid)
    assert len(everything) == 13
    pages, before = [], None
    while True:
        page = await customer_timeline(db, cid, limit=4, before=before)
        if not page:
            break
        pages.append(page)
        before = page[-1].cursor
    assert [len(p) for p in pages] == [4, 4, 4, 1]
    assert [i for p in pages for i in p] == everything
    assert everything[-1].at == h(1)


async def test_history_is_read_in_a_few_statements(db) -> None:
    cid, _ = await _history(db)
    statements: list[str] = []
    engine = db.sync_reader or db.reader.sync_engine  # SQLite's fast path, or the async reader
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    await customer_timeline(db, cid)
    assert len(statements) <= 8


async def test_unknown_customer_bad_limit_or_cursor_are_refused(db) -> None:
    with pytest.raises(NotFound):
        await customer_timeline(db, 999)
    cid, _ = await _history(db)
    with pytest.raises(ValueError):
        await customer_timeline(db, cid, limit=0)
    with pytest.raises(ValueError):
        await customer_timeline(db, cid, before="yesterday")
    with pytest.raises(ValueError):
        await customer_timeline(db, cid, before=datetime(2026, 1, 1))
    assert parse_cursor(f"{T0.isoformat()}|payment|7").id == 7


async def test_a_customer_without_accounts_or_history_has_an_empty_timeline(db) -> None:
    cid = await customers.create_customer(db, full_name="Новый клиент")
    assert await customer_timeline(db, cid) == []
