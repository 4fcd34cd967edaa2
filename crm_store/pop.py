"""The screen-pop query: a phone number in, every customer it belongs to with their whole picture out.

It runs as one synchronous unit of work (`Database.run_read`), so on SQLite all its statements share one
thread hop. Each statement is served by an index: phones(e164), contact_persons(phone),
accounts(customer_id), payments/meter_readings/adjustments(account_id, time),
applications(customer_id, status), interactions(customer_id, offered_at).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Select, Table, bindparam, func, select, union

from . import rows
from .db import Database
from .models import (
    Account,
    Adjustment,
    Application,
    ContactPerson,
    Customer,
    Interaction,
    MeterReading,
    Payment,
    Phone,
)
from .phones import normalize_phone
from .records import CustomerPop, InteractionRecord

LAST_PAYMENTS = 10
LAST_READINGS = 12
LAST_ADJUSTMENTS = 10
LAST_INTERACTIONS = 50
MAX_MATCHES = 10
CLOSED_APPLICATION_STATUSES = ("resolved", "rejected")


def _latest_per(table: Table, key: str, order: str, n: int) -> Select:  # type: ignore[type-arg]
    """The newest `n` rows of `table` for each id in :ids, newest first (a window function, one statement)."""
    ranked = select(
        table,
        func.row_number()
        .over(partition_by=table.c[key], order_by=(table.c[order].desc(), table.c.id.desc()))
        .label("rn"),
    ).where(table.c[key].in_(bindparam("ids", expanding=True))).subquery()
    return select(ranked).where(ranked.c.rn <= n).order_by(ranked.c[key], ranked.c.rn)


# Built once: constructing these statements costs more than running them.
_IDS = bindparam("ids", expanding=True)
_BY_NUMBER = select(
    union(
        select(Phone.customer_id.label("cid")).where(Phone.e164 == bindparam("e164")),
        select(ContactPerson.customer_id.label("cid")).where(ContactPerson.phone == bindparam("e164")),
    ).subquery().c.cid
).limit(MAX_MATCHES)
_CUSTOMERS = select(Customer.__table__).where(Customer.id.in_(_IDS))
_PHONES = select(Phone.__table__).where(Phone.customer_id.in_(_IDS)).order_by(Phone.id)
_CONTACTS = select(ContactPerson.__table__).where(
    ContactPerson.customer_id.in_(_IDS), ContactPerson.phone == bindparam("e164")
)
_ACCOUNTS = select(Account.__table__).where(Account.customer_id.in_(_IDS)).order_by(Account.id)
_PAYMENTS = _latest_per(Payment.__table__, "account_id", "paid_at", LAST_PAYMENTS)
_READINGS = _latest_per(MeterReading.__table__, "account_id", "taken_at", LAST_READINGS)
_ADJUSTMENTS = _latest_per(Adjustment.__table__, "account_id", "made_at", LAST_ADJUSTMENTS)
_APPLICATIONS = (
    select(Application.__table__)
    .where(Application.customer_id.in_(_IDS), Application.status.not_in(CLOSED_APPLICATION_STATUSES))
    .order_by(Application.created_at.desc())
)
_INTERACTIONS = _latest_per(Interaction.__table__, "customer_id", "offered_at", LAST_INTERACTIONS)


def _group(items: Iterable, key: str) -> dict[int, list]:  # type: ignore[type-arg]
    grouped: dict[int, list] = defaultdict(list)  # type: ignore[type-arg]
    for item in items:
        grouped[item[key]].append(item)
    return grouped


def customer_ids_for_number(conn: Connection, e164: str) -> list[int]:
    return [r[0] for r in conn.execute(_BY_NUMBER, {"e164": e164})]


def load_customers_sync(conn: Connection, ids: Sequence[int], matched_number: str | None = None) -> list[CustomerPop]:
    """Full pictures of the given customers, in the order of `ids`."""
    if not ids:
        return []
    ids = list(ids)

    def q(stmt, key: str, **params):  # type: ignore[no-untyped-def]
        return _group(conn.execute(stmt, {"ids": params.pop("ids", ids), **params}).mappings(), key)

    customers = {r["id"]: r for r in conn.execute(_CUSTOMERS, {"ids": ids}).mappings()}
    phones = q(_PHONES, "customer_id")
    contacts = q(_CONTACTS, "customer_id", e164=matched_number) if matched_number else {}
    accounts = conn.execute(_ACCOUNTS, {"ids": ids}).mappings().all()
    account_ids = [a["id"] for a in accounts]
    payments = q(_PAYMENTS, "account_id", ids=account_ids) if account_ids else {}
    readings = q(_READINGS, "account_id", ids=account_ids) if account_ids else {}
    adjustments = q(_ADJUSTMENTS, "account_id", ids=account_ids) if account_ids else {}
    applications = q(_APPLICATIONS, "customer_id")
    interactions = q(_INTERACTIONS, "customer_id")
    accounts_by_customer = _group(accounts, "customer_id")
    result = []
    for cid in ids:
        if cid not in customers:
            continue
        result.append(
            CustomerPop(
                customer=rows.customer(customers[cid], tuple(rows.phone(p) for p in phones.get(cid, ()))),
                accounts=tuple(
                    rows.account(
                        a,
                        payments=tuple(rows.payment(p) for p in payments.get(a["id"], ())),
                        readings=tuple(rows.reading(m) for m in readings.get(a["id"], ())),
                        adjustments=tuple(rows.adjustment(j) for j in adjustments.get(a["id"], ())),
                    )
                    for a in accounts_by_customer.get(cid, ())
                ),
                open_applications=tuple(rows.application(p) for p in applications.get(cid, ())),
                interactions=tuple(rows.interaction(i) for i in interactions.get(cid, ())),
                contact_for=tuple(c["full_name"] for c in contacts.get(cid, ())),
            )
        )
    return result


def pop_sync(conn: Connection, number: str) -> list[CustomerPop]:
    e164 = normalize_phone(number)
    if e164 is None:
        return []
    return load_customers_sync(conn, customer_ids_for_number(conn, e164), e164)


async def screen_pop(db: Database, number: str) -> list[CustomerPop]:
    """Every customer `number` (any written form) belongs to, with accounts, history and open work."""
    return await db.run_read(lambda conn: pop_sync(conn, number))


async def load_customers(db: Database, ids: Sequence[int]) -> list[CustomerPop]:
    """The same full picture for customers chosen by id (after a search or a manual link)."""
    return await db.run_read(lambda conn: load_customers_sync(conn, list(ids)))


_CARD_BY_CALL = select(Interaction.__table__).where(Interaction.call_id == bindparam("call_id"))


def call_pop_sync(conn: Connection, call_id: str, number: str | None) -> tuple[list[CustomerPop], InteractionRecord | None]:
    matches = pop_sync(conn, number) if number else []
    row = conn.execute(_CARD_BY_CALL, {"call_id": call_id}).mappings().first()
    card = rows.interaction(row) if row else None
    if card is not None and card.customer_id and all(m.customer.id != card.customer_id for m in matches):
        # The IVR identified the caller by account number although the phone number is unknown.
        matches = [*load_customers_sync(conn, [card.customer_id]), *matches]
    return matches, card


async def call_pop(db: Database, call_id: str, number: str | None) -> tuple[list[dict[str, Any]], InteractionRecord | None]:
    """The pop of a ringing call in one read unit: who the caller is (as JSON-ready dicts, built in the
    reader thread so the event loop only sends them), and the call's card so far."""

    def read(conn: Connection) -> tuple[list[dict[str, Any]], InteractionRecord | None]:
        matches, card = call_pop_sync(conn, call_id, number)
        return [m.to_json() for m in matches], card

    return await db.run_read_inline(read)
