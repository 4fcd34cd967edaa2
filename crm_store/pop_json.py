"""The screen pop of a ringing call on SQLite, written as JSON by SQLite itself: one statement for all the
customers' pictures instead of nine, and no Python row, record or dict per payment, reading or past call.

In the server the pop runs on the event loop's thread (`Database.run_read_inline`), where each statement
hands the GIL to the writer's thread and waits to get it back, and every row became a dict, a record and a
dict again. Here SQLite builds the very dicts `CustomerPop.to_json()` gives (tests/store/test_pop_json.py
holds the two to each other over a whole demo store) and orjson reads them in one call.

The statement is built from the records' fields (crm_store/records.py) and the tables' column types, so a
field added to a record is a field of this pop too, or the test names it. PostgreSQL keeps pop.py's path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast, get_type_hints

import orjson
from sqlalchemy import JSON, Boolean, Connection, Table

from .base import UtcDateTime
from .models import Account, Adjustment, Application, ContactPerson, Customer, Interaction, MeterReading, Payment, Phone
from .pop import CLOSED_APPLICATION_STATUSES, LAST_ADJUSTMENTS, LAST_INTERACTIONS, LAST_PAYMENTS, LAST_READINGS
from .records import (
    AccountRecord,
    AdjustmentRecord,
    ApplicationRecord,
    CustomerRecord,
    InteractionRecord,
    PaymentRecord,
    PhoneRecord,
    ReadingRecord,
)


def _iso(column: str) -> str:
    """A stored UTC timestamp ('YYYY-MM-DD HH:MM:SS[.ffffff]') as `datetime.isoformat()` writes it: no
    fraction when it is zero, and +00:00."""
    return (
        f"CASE WHEN {column} IS NULL THEN NULL "
        f"WHEN substr({column}, 20) IN ('', '.000000') THEN substr({column}, 1, 10) || 'T' || "
        f"substr({column}, 12, 8) || '+00:00' "
        f"ELSE substr({column}, 1, 10) || 'T' || substr({column}, 12) || '+00:00' END"
    )


def _value(table: Table, name: str, alias: str, empty: str | None) -> str:
    column = table.c[name]
    ref = f"{alias}.{name}"
    if isinstance(column.type, UtcDateTime):
        return _iso(ref)
    if isinstance(column.type, Boolean):
        return f"json(CASE WHEN {ref} THEN 'true' ELSE 'false' END)"
    if isinstance(column.type, JSON):  # rows.py reads a missing or null document as empty
        return f"json(CASE WHEN {ref} IS NULL OR {ref} = 'null' THEN '{empty}' ELSE {ref} END)"
    if empty is not None:
        return f"coalesce({ref}, '{empty}')"
    return ref


def _object(record: type, table: Table, alias: str, nested: dict[str, str] | None = None) -> str:
    """json_object(...) of `record`'s fields in their order, from `table`'s columns (or `nested` SQL)."""
    nested = nested or {}
    hints = get_type_hints(record)
    parts = []
    for name in record.__dataclass_fields__:  # type: ignore[attr-defined]
        if name in nested:
            sql = f"json({nested[name]})"  # a subquery's value is text to json_object unless made JSON again
        else:
            hint = str(hints[name])
            empty = "[]" if "tuple" in hint else "{}" if "dict" in hint else None
            if name == "notes":  # rows.interaction: no notes is ""
                empty = ""
            sql = _value(table, name, alias, empty)
        parts.append(f"'{name}', {sql}")
    return f"json_object({', '.join(parts)})"


def _array(
    record: type,
    table: Table,
    where: str,
    order: str,
    limit: int = -1,
    nested: dict[str, str] | None = None,
    then: str = "1",
) -> str:
    """A JSON array of `record`s of the rows `where` picks, in `order`, the first `limit`, of which those
    `then` keeps. (A LIMIT, even -1, keeps SQLite from folding the ordered subquery into the aggregate,
    which would lose the order.)"""
    alias = f"t_{table.name}"
    return (
        f"(SELECT json_group_array(json({_object(record, table, alias, nested)})) FROM "
        f"(SELECT * FROM {table.name} WHERE {where} ORDER BY {order} LIMIT {limit}) AS {alias} WHERE {then})"
    )


def _statement() -> str:
    t = {
        m.__tablename__: cast(Table, m.__table__)
        for m in (Customer, Phone, Account, Payment, MeterReading, Adjustment, Application, Interaction, ContactPerson)
    }
    of_account = "account_id = t_accounts.id"
    accounts = _array(
        AccountRecord,
        t["accounts"],
        "customer_id = c.id",
        "id",
        nested={
            "payments": _array(PaymentRecord, t["payments"], of_account, "paid_at DESC, id DESC", LAST_PAYMENTS),
            "readings": _array(ReadingRecord, t["meter_readings"], of_account, "taken_at DESC, id DESC", LAST_READINGS),
            "adjustments": _array(
                AdjustmentRecord, t["adjustments"], of_account, "made_at DESC, id DESC", LAST_ADJUSTMENTS
            ),
        },
    )
    customer = _object(
        CustomerRecord,
        t["customers"],
        "c",
        {"phones": _array(PhoneRecord, t["phones"], "customer_id = c.id", "id")},
    )
    closed = ", ".join(f"'{s}'" for s in CLOSED_APPLICATION_STATUSES)
    open_applications = _array(
        ApplicationRecord,
        t["applications"],
        f"customer_id = c.id AND status NOT IN ({closed})",
        "created_at DESC, id DESC",
    )
    # The newest calls first, then the ringing call itself left out: it is on screen as the current call.
    interactions = _array(
        InteractionRecord,
        t["interactions"],
        "customer_id = c.id",
        "offered_at DESC, id DESC",
        LAST_INTERACTIONS,
        then="t_interactions.call_id IS NOT :call_id",
    )
    contact_for = (
        "(SELECT json_group_array(full_name) FROM (SELECT full_name FROM contact_persons "
        "WHERE customer_id = c.id AND phone = :e164 ORDER BY id LIMIT -1))"
    )
    return (
        f"SELECT c.id, json_object('customer', json({customer}), 'accounts', json({accounts}), "
        f"'open_applications', json({open_applications}), 'interactions', json({interactions}), "
        f"'contact_for', json({contact_for})) "
        "FROM customers AS c WHERE c.id IN (SELECT value FROM json_each(:ids))"
    )


STATEMENT = _statement()


def customers_json(
    conn: Connection, ids: Sequence[int], *, matched_number: str | None = None, call_id: str | None = None
) -> list[dict[str, Any]]:
    """`[pop.to_json() for pop in load_customers_sync(conn, ids, matched_number)]` with `call_id` left out
    of each history, on SQLite, in the order of `ids`."""
    if not ids:
        return []
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    cursor = dbapi.cursor()
    try:
        cursor.execute(STATEMENT, {"ids": orjson.dumps(list(ids)).decode(), "e164": matched_number, "call_id": call_id})
        found = {cid: document for cid, document in cursor.fetchall()}
    finally:
        cursor.close()
    return [orjson.loads(found[cid]) for cid in ids if cid in found]
