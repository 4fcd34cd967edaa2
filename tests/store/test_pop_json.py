"""The screen pop SQLite writes as JSON (crm_store/pop_json.py) is, dict for dict, the pop the records give
(`CustomerPop.to_json()` after the ringing call is left out of the history), over a whole demo store and the
cases it lacks: a history longer than the pop shows with the ringing call in it, a contact person's number,
applications with form fields, a null document."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import Connection, insert, select, text, update

from crm_store import applications, customers, interactions
from crm_store.db import Database
from crm_store.demo import DemoSpec, generate
from crm_store.models import ContactPerson, Customer, Interaction, Phone
from crm_store.phones import normalize_phone
from crm_store.pop import (
    call_pop_json_sync,
    call_pop_sync,
    customer_ids_for_number,
    generic_fetcher,
    load_customers_sync,
)
from crm_store.pop_json import customers_json

from .test_pop import T0, _customer_with_history


def expected(conn: Connection, ids: list[int], number: str | None, call_id: str | None) -> list[dict]:
    pops = load_customers_sync(conn, ids, number, fetch=generic_fetcher(conn))
    return [replace(p, interactions=tuple(i for i in p.interactions if i.call_id != call_id)).to_json() for p in pops]


async def test_sqlite_json_pop_is_the_records_pop(db: Database) -> None:
    await generate(db, DemoSpec(customers=300, seed=7, as_of=date(2026, 11, 1)))
    cid = await _customer_with_history(db)  # 60 past calls h0…h59, the newest first; 50 are shown
    org = await customers.create_customer(db, full_name="ООО «Лютик»", kind="organisation", account_number="O-9")
    async with db.writer.begin() as conn:
        await conn.execute(
            insert(ContactPerson),
            [
                dict(customer_id=org, full_name="Снабженец", phone="+74957654322"),
                dict(customer_id=org, full_name="Бухгалтер", phone="+74957654322"),
            ],
        )
        # Cards as the telephony side leaves them: a null IVR path, a path with steps, notes.
        await conn.execute(update(Interaction).where(Interaction.call_id == "h1").values(notes="Перезвонить"))
        await conn.execute(text("UPDATE interactions SET ivr_path = 'null' WHERE call_id = 'h2'"))
        await conn.execute(update(Interaction).where(Interaction.call_id == "h4").values(ivr_path=["menu", "1"]))
    await interactions.open_call_card(db, call_id="ringing", offered_at=T0, customer_id=cid)
    await applications.file_application(
        db,
        type="meter_replacement",
        text="Заменить счётчик",
        channel="web",
        customer_id=cid,
        fields={"meter": "Меркурий 201", "when": "после 18:00"},
        due_at=T0.replace(microsecond=0),
    )
    async with db.read_session() as s:
        numbers = list(await s.scalars(select(Phone.raw).order_by(Phone.id)))
        ids = list(await s.scalars(select(Customer.id).order_by(Customer.id)))

    def compare(conn: Connection) -> int:
        compared = 0
        for number in [*numbers, "+74957654322"]:
            e164 = normalize_phone(number)
            found = customer_ids_for_number(conn, e164) if e164 else []
            for call_id in (None, "ringing", "h3"):
                assert customers_json(conn, found, matched_number=e164, call_id=call_id) == expected(
                    conn, found, e164, call_id
                ), (number, call_id)
            compared += len(found)
        everyone = customers_json(conn, ids)
        assert everyone == expected(conn, ids, None, None)
        # The store holds what the comparison must cover, not only empty lists.
        accounts = [a for p in everyone for a in p["accounts"]]
        assert all(any(a[k] for a in accounts) for k in ("payments", "readings", "adjustments", "debt_since"))
        assert any(app["fields"] for p in everyone for app in p["open_applications"])
        history = [i for p in everyone for i in p["interactions"]]
        assert any(i["answered_at"] for i in history) and any(i["ivr_path"] for i in history)
        assert any(p["customer"]["vip"] for p in everyone) and any(p["customer"]["inn"] for p in everyone)
        return compared

    assert await db.run_read(compare) >= len(numbers)

    def history_of(conn: Connection, call_id: str) -> list[str]:
        (pop,) = customers_json(conn, [cid], call_id=call_id)
        return [i["call_id"] for i in pop["interactions"]]

    # The ringing call is the newest: left out, 49 past calls are shown (as the records' pop shows them).
    shown = await db.run_read(lambda conn: history_of(conn, "ringing"))
    assert shown[0] == "h0" and len(shown) == 49 and "ringing" not in shown
    (org_pop,) = await db.run_read(lambda conn: customers_json(conn, [org], matched_number="+74957654322"))
    assert org_pop["contact_for"] == ["Снабженец", "Бухгалтер"]


async def test_call_pop_on_sqlite_answers_as_the_records_path(db: Database) -> None:
    """The ringing call's pop (who, with the customer already known first, and the call's card) is the same
    from the JSON path as from the records' path, whoever is known and whatever number rings."""
    await generate(db, DemoSpec(customers=60, seed=5, as_of=date(2026, 11, 1)))
    cid = await _customer_with_history(db)
    await interactions.open_call_card(db, call_id="ringing", offered_at=T0, customer_id=cid)
    async with db.read_session() as s:
        numbers = list(await s.scalars(select(Phone.raw).order_by(Phone.id).limit(40)))
        someone = int(await s.scalar(select(Customer.id).order_by(Customer.id.desc()).limit(1)))  # type: ignore[arg-type]

    def compare(conn: Connection) -> None:
        for number in [*numbers, None, "sipp"]:
            for call_id, known in (("ringing", None), ("ringing", someone), ("other", cid), ("other", None)):
                matches, card = call_pop_sync(conn, call_id, number, known)
                assert call_pop_json_sync(conn, call_id, number, known) == ([m.to_json() for m in matches], card)

    await db.run_read(compare)
