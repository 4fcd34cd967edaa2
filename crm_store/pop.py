"""The screen-pop query: a phone number in, every customer it belongs to with their whole picture out.

It runs as one synchronous unit of work (`Database.run_read`), so on SQLite all its statements share one
thread hop. Each statement is served by an index: phones(e164), contact_persons(phone),
accounts(customer_id), payments/meter_readings/adjustments(account_id, time),
applications(customer_id, status), interactions(customer_id, offered_at).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, cast

from sqlalchemy import Connection, Dialect, FromClause, Select, bindparam, func, select, union
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect

from . import rows, vocabulary
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
CLOSED_APPLICATION_STATUSES = tuple(sorted(s.value for s in vocabulary.CLOSED_APPLICATION_STATUSES))


IdsIn = Callable[[Any], Any]  # column -> "column IN (the :ids list)" as the dialect best says it


def _expanding_ids(column: Any) -> Any:
    return column.in_(bindparam("ids", expanding=True))


def _json_ids(column: Any) -> Any:
    """SQLite: the ids as one JSON array bound once, so the SQL text never changes with their number."""
    return column.in_(select(func.json_each(bindparam("ids")).table_valued("value").c.value))


def _latest_per(ids_in: IdsIn, table: FromClause, key: str, order: str, n: int) -> Select[Any]:
    """The newest `n` rows of `table` for each id in :ids, newest first (a window function, one statement)."""
    ranked = (
        select(
            table,
            func.row_number()
            .over(partition_by=table.c[key], order_by=(table.c[order].desc(), table.c.id.desc()))
            .label("rn"),
        )
        .where(ids_in(table.c[key]))
        .subquery()
    )
    return select(ranked).where(ranked.c.rn <= n).order_by(ranked.c[key], ranked.c.rn)


def _statements(ids_in: IdsIn) -> dict[str, Select[Any]]:
    """Every statement of a pop, by name; :ids is the customers' (or accounts') ids."""
    return {
        "by_number": select(
            union(
                select(Phone.customer_id.label("cid")).where(Phone.e164 == bindparam("e164")),
                select(ContactPerson.customer_id.label("cid")).where(ContactPerson.phone == bindparam("e164")),
            )
            .subquery()
            .c.cid
        ).limit(MAX_MATCHES),
        "customers": select(Customer.__table__).where(ids_in(Customer.id)),
        "phones": select(Phone.__table__).where(ids_in(Phone.customer_id)).order_by(Phone.id),
        "contacts": select(ContactPerson.__table__)
        .where(ids_in(ContactPerson.customer_id), ContactPerson.phone == bindparam("e164"))
        .order_by(ContactPerson.id),
        "accounts": select(Account.__table__).where(ids_in(Account.customer_id)).order_by(Account.id),
        "payments": _latest_per(ids_in, Payment.__table__, "account_id", "paid_at", LAST_PAYMENTS),
        "readings": _latest_per(ids_in, MeterReading.__table__, "account_id", "taken_at", LAST_READINGS),
        "adjustments": _latest_per(ids_in, Adjustment.__table__, "account_id", "made_at", LAST_ADJUSTMENTS),
        "applications": select(Application.__table__)
        # `!=` each, not NOT IN (…): a fixed list needs no expanding parameter, so SQLite's form compiles once.
        .where(ids_in(Application.customer_id), *(Application.status != s for s in CLOSED_APPLICATION_STATUSES))
        .order_by(Application.created_at.desc(), Application.id.desc()),
        "interactions": _latest_per(ids_in, Interaction.__table__, "customer_id", "offered_at", LAST_INTERACTIONS),
        "card_by_call": select(Interaction.__table__).where(Interaction.call_id == bindparam("call_id")),
    }


Fetch = Callable[[str, dict[str, Any]], Iterable[Mapping[str, Any]]]


class _SqliteStatement:
    """One statement compiled once to SQLite's SQL, run on the driver's connection, rows typed as SQLAlchemy
    would type them (UTC datetimes, dates, booleans, JSON)."""

    __slots__ = ("defaults", "names", "order", "processors", "sql")

    def __init__(self, stmt: Select[Any], dialect: Dialect) -> None:
        compiled = stmt.compile(dialect=dialect)
        self.sql = str(compiled)
        self.order = tuple(compiled.positiontup or ())
        self.defaults = {name: bind.effective_value for name, bind in compiled.binds.items()}
        self.names = tuple(str(c.key) for c in stmt.selected_columns)
        processors = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in stmt.selected_columns]
        self.processors = tuple(processors) if any(processors) else None

    def rows(self, dbapi: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
        values = {**self.defaults, **params}
        cursor = dbapi.cursor()  # sqlite3's, or SQLAlchemy's adapter of aiosqlite's under run_sync
        try:
            cursor.execute(self.sql, tuple(values[k] for k in self.order))
            found = cursor.fetchall()
        finally:
            cursor.close()
        names, processors = self.names, self.processors
        if processors is None:
            return [dict(zip(names, r, strict=False)) for r in found]
        return [
            {n: (p(v) if p is not None else v) for n, p, v in zip(names, processors, r, strict=False)} for r in found
        ]


_GENERIC = _statements(_expanding_ids)
_SQLITE_DIALECT = sqlite_dialect()
_SQLITE = {name: _SqliteStatement(stmt, _SQLITE_DIALECT) for name, stmt in _statements(_json_ids).items()}


def sqlite_fetcher(conn: Connection) -> Fetch:
    """Pop statements straight on SQLite's driver connection: SQLAlchemy's per-statement work (parameter
    expansion, result machinery) was two thirds of a pop. Same rows as generic_fetcher (tests/store)."""
    dbapi = conn.connection.dbapi_connection

    def fetch(name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        if "ids" in params:
            params = {**params, "ids": json.dumps(params["ids"])}
        return _SQLITE[name].rows(dbapi, params)

    return fetch


def generic_fetcher(conn: Connection) -> Fetch:
    def fetch(name: str, params: dict[str, Any]) -> Iterable[Mapping[str, Any]]:
        return cast(Iterable[Mapping[str, Any]], conn.execute(_GENERIC[name], params).mappings())

    return fetch


def _fetcher(conn: Connection) -> Fetch:
    return sqlite_fetcher(conn) if conn.dialect.name == "sqlite" else generic_fetcher(conn)


def _group(items: Iterable[Mapping[str, Any]], key: str) -> dict[int, list[Mapping[str, Any]]]:
    grouped: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
    for item in items:
        grouped[item[key]].append(item)
    return grouped


def customer_ids_for_number(conn: Connection, e164: str, fetch: Fetch | None = None) -> list[int]:
    fetch = fetch or _fetcher(conn)
    return [r["cid"] for r in fetch("by_number", {"e164": e164})]


def load_customers_sync(
    conn: Connection, ids: Sequence[int], matched_number: str | None = None, fetch: Fetch | None = None
) -> list[CustomerPop]:
    """Full pictures of the given customers, in the order of `ids`."""
    if not ids:
        return []
    ids = list(ids)
    fetch = fetch or _fetcher(conn)

    def q(name: str, key: str, **params: Any) -> dict[int, list[Mapping[str, Any]]]:
        return _group(fetch(name, {"ids": params.pop("ids", ids), **params}), key)

    customers = {r["id"]: r for r in fetch("customers", {"ids": ids})}
    phones = q("phones", "customer_id")
    contacts = q("contacts", "customer_id", e164=matched_number) if matched_number else {}
    accounts = list(fetch("accounts", {"ids": ids}))
    account_ids = [a["id"] for a in accounts]
    payments = q("payments", "account_id", ids=account_ids) if account_ids else {}
    readings = q("readings", "account_id", ids=account_ids) if account_ids else {}
    adjustments = q("adjustments", "account_id", ids=account_ids) if account_ids else {}
    applications = q("applications", "customer_id")
    interactions = q("interactions", "customer_id")
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


def pop_sync(conn: Connection, number: str, fetch: Fetch | None = None) -> list[CustomerPop]:
    e164 = normalize_phone(number)
    if e164 is None:
        return []
    fetch = fetch or _fetcher(conn)
    return load_customers_sync(conn, customer_ids_for_number(conn, e164, fetch), e164, fetch)


async def screen_pop(db: Database, number: str) -> list[CustomerPop]:
    """Every customer `number` (any written form) belongs to, with accounts, history and open work."""
    return await db.run_read(lambda conn: pop_sync(conn, number))


async def load_customers(db: Database, ids: Sequence[int]) -> list[CustomerPop]:
    """The same full picture for customers chosen by id (after a search or a manual link)."""
    return await db.run_read(lambda conn: load_customers_sync(conn, list(ids)))


def call_pop_sync(
    conn: Connection, call_id: str, number: str | None, customer_id: int | None = None
) -> tuple[list[CustomerPop], InteractionRecord | None]:
    """Who is on call `call_id`: the customers of `number`, with the one already known (`customer_id`, an
    operator calling a customer back, or the card's, identified by the IVR) first. The call itself is left
    out of their history: it is on screen as the current call, not as a past one."""
    fetch = _fetcher(conn)
    matches = pop_sync(conn, number, fetch) if number else []
    row = next(iter(fetch("card_by_call", {"call_id": call_id})), None)
    card = rows.interaction(row) if row else None
    known = customer_id or (card.customer_id if card is not None else None)
    if known:
        first = [m for m in matches if m.customer.id == known] or load_customers_sync(conn, [known], fetch=fetch)
        matches = [*first, *(m for m in matches if m.customer.id != known)]
    return [_without_call(m, call_id) for m in matches], card


def call_pop_json_sync(
    conn: Connection, call_id: str, number: str | None, customer_id: int | None = None
) -> tuple[list[dict[str, Any]], InteractionRecord | None]:
    """`call_pop_sync` on SQLite with the pictures written as JSON by SQLite (pop_json.py): the same dicts
    as `to_json()` of its records, from three statements instead of eleven."""
    from . import pop_json  # it builds its statement from this module's limits

    fetch = sqlite_fetcher(conn)
    e164 = normalize_phone(number) if number else None
    ids = customer_ids_for_number(conn, e164, fetch) if e164 else []
    row = next(iter(fetch("card_by_call", {"call_id": call_id})), None)
    card = rows.interaction(row) if row else None
    known = customer_id or (card.customer_id if card is not None else None)
    first: list[dict[str, Any]] = []
    if known:
        if known in ids:
            ids = [known, *(i for i in ids if i != known)]
        else:
            first = pop_json.customers_json(conn, [known], call_id=call_id)
    return [*first, *pop_json.customers_json(conn, ids, matched_number=e164, call_id=call_id)], card


def _without_call(pop: CustomerPop, call_id: str) -> CustomerPop:
    if all(i.call_id != call_id for i in pop.interactions):
        return pop
    return replace(pop, interactions=tuple(i for i in pop.interactions if i.call_id != call_id))


async def call_pop(
    db: Database, call_id: str, number: str | None, customer_id: int | None = None
) -> tuple[list[dict[str, Any]], InteractionRecord | None]:
    """The pop of a ringing call in one read unit: who the caller is (as JSON-ready dicts, built in the
    reader thread so the event loop only sends them), and the call's card so far."""

    def read(conn: Connection) -> tuple[list[dict[str, Any]], InteractionRecord | None]:
        if conn.dialect.name == "sqlite":
            return call_pop_json_sync(conn, call_id, number, customer_id)
        matches, card = call_pop_sync(conn, call_id, number, customer_id)
        return [m.to_json() for m in matches], card

    return await db.run_read_inline(read)
