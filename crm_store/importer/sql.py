"""The statements an import runs, twice: portable SQLAlchemy Core, and raw sqlite3 for the embedded default.

Both take and return plain tuples in the tables' column order, with Python values (dates as `date`).
On SQLite, SQLAlchemy's per-statement compile (an expanding IN of thousands of values) and per-value bind
processing cost more than the import's own work, so `SqliteTables` sends fixed SQL with pre-converted
values through aiosqlite (one thread hop per statement) and passes key lists as one JSON array
(`json_each`). `CoreTables` is the generic path (PostgreSQL): same answers, same rows written.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol, cast

from sqlalchemy import Table, bindparam, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Account, Customer, Phone

_ACCOUNTS, _CUSTOMERS, _PHONES = (cast(Table, m.__table__) for m in (Account, Customer, Phone))

ACCOUNT_COLUMNS = (
    "id",
    "number",
    "customer_id",
    "address",
    "region",
    "tariff",
    "debt_kop",
    "debt_since",
    "balance_kop",
)
CUSTOMER_COLUMNS = ("id", "full_name", "kind", "email", "inn")
# Written rows: (id, full_name, name_key, kind, email, inn) for customers; (customer_id, e164, raw, is_primary)
# for phones; (id, number, customer_id, address, address_key, region, tariff, debt_kop, debt_since, balance_kop)
# for new accounts; (id, address, address_key, region, tariff, debt_kop, debt_since, balance_kop) for changed ones.
NEW_CUSTOMER = ("id", "full_name", "name_key", "kind", "email", "inn")
CHANGED_CUSTOMER = NEW_CUSTOMER
NEW_PHONE = ("customer_id", "e164", "raw", "is_primary")
NEW_ACCOUNT = (
    "id",
    "number",
    "customer_id",
    "address",
    "address_key",
    "region",
    "tariff",
    "debt_kop",
    "debt_since",
    "balance_kop",
)
CHANGED_ACCOUNT = ("id", "address", "address_key", "region", "tariff", "debt_kop", "debt_since", "balance_kop")

IN_SLICE = 5_000  # values per IN list on the generic path (asyncpg takes at most 32,767 parameters)


class Tables(Protocol):
    concurrent: bool  # statements may be sent while an earlier one runs (they queue, in order)

    async def accounts_by_number(self, numbers: Sequence[str]) -> list[tuple[Any, ...]]: ...
    async def phones_by_e164(self, phones: Sequence[str]) -> list[tuple[str, int]]: ...
    async def customers_by_id(self, ids: Sequence[int]) -> list[tuple[Any, ...]]: ...
    async def phones_of_customers(self, ids: Sequence[int]) -> list[tuple[int, str]]: ...
    async def reserve_ids(self, table: str, count: int) -> list[int]: ...
    async def write(self, changes: Changes) -> None: ...


@dataclass(slots=True)
class Changes:
    """One chunk's rows to write, as tuples in the column orders above, parents before children."""

    now: datetime
    new_customers: list[tuple[Any, ...]]
    changed_customers: list[tuple[Any, ...]]
    new_phones: list[tuple[Any, ...]]
    new_accounts: list[tuple[Any, ...]]
    changed_accounts: list[tuple[Any, ...]]


async def tables_for(conn: AsyncConnection) -> Tables:
    # SQLite has had the JSON functions built in, and `->>`, since 3.38; an older library takes the generic path.
    if conn.dialect.name == "sqlite" and sqlite3.sqlite_version_info >= (3, 38):
        raw = await conn.get_raw_connection()
        return SqliteTables(raw.driver_connection)
    return CoreTables(conn)


class CoreTables:
    """Any database SQLAlchemy speaks to; the only dialect-specific line is the id sequence of PostgreSQL."""

    concurrent = False  # one AsyncConnection, one statement at a time

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.next_id: dict[str, int] = {}

    async def _select_in(self, columns: list[Any], key: Any, values: Sequence[Any]) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        values = list(values)
        for start in range(0, len(values), IN_SLICE):
            result = await self.conn.execute(select(*columns).where(key.in_(values[start : start + IN_SLICE])))
            rows.extend(tuple(r) for r in result)
        return rows

    async def accounts_by_number(self, numbers: Sequence[str]) -> list[tuple[Any, ...]]:
        a = _ACCOUNTS.c
        return await self._select_in([a[n] for n in ACCOUNT_COLUMNS], a.number, numbers)

    async def phones_by_e164(self, phones: Sequence[str]) -> list[tuple[str, int]]:
        p = _PHONES.c
        return await self._select_in([p.e164, p.customer_id], p.e164, phones)

    async def customers_by_id(self, ids: Sequence[int]) -> list[tuple[Any, ...]]:
        c = _CUSTOMERS.c
        return await self._select_in([c[n] for n in CUSTOMER_COLUMNS], c.id, ids)

    async def phones_of_customers(self, ids: Sequence[int]) -> list[tuple[int, str]]:
        p = _PHONES.c
        return await self._select_in([p.customer_id, p.e164], p.customer_id, ids)

    async def reserve_ids(self, table: str, count: int) -> list[int]:
        """Primary keys for `count` new rows, so one executemany inserts them and we know their ids.

        RETURNING would do, but on SQLite SQLAlchemy then sends one INSERT per row (20x slower).
        SQLite: the import holds the only write lock (BEGIN IMMEDIATE), so max(id) is ours to extend.
        PostgreSQL: take the values from the table's sequence.
        """
        if self.conn.dialect.name == "postgresql":
            rows = await self.conn.execute(
                text(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, :n)"),
                {"n": count},
            )
            return [r[0] for r in rows]
        start = self.next_id.get(table)
        if start is None:
            start = (await self.conn.scalar(text(f"SELECT coalesce(max(id), 0) FROM {table}"))) + 1
        self.next_id[table] = start + count
        return list(range(start, start + count))

    async def write(self, changes: Changes) -> None:
        c = changes
        if c.new_customers:
            await self._insert_customers(c.new_customers, c.now)
        if c.changed_customers:
            await self._update_customers(c.changed_customers, c.now)
        if c.new_phones:
            await self.conn.execute(
                insert(_PHONES), [dict(zip(NEW_PHONE, r, strict=True), kind="mobile") for r in c.new_phones]
            )
        if c.new_accounts:
            await self.conn.execute(
                insert(_ACCOUNTS),
                [dict(zip(NEW_ACCOUNT, r, strict=True), status="active", opened_on=None) for r in c.new_accounts],
            )
        if c.changed_accounts:
            await self.conn.execute(
                update(_ACCOUNTS).where(_ACCOUNTS.c.id == bindparam("aid")),
                [dict(zip(("aid", *CHANGED_ACCOUNT[1:]), r, strict=True)) for r in c.changed_accounts],
            )

    async def _insert_customers(self, rows: list[tuple[Any, ...]], now: datetime) -> None:
        await self.conn.execute(
            insert(_CUSTOMERS),
            [
                dict(
                    zip(NEW_CUSTOMER, r, strict=True),
                    vip=False,
                    language="ru",
                    paper_bill=True,
                    notes="",
                    created_at=now,
                    updated_at=now,
                )
                for r in rows
            ],
        )

    async def _update_customers(self, rows: list[tuple[Any, ...]], now: datetime) -> None:
        # updated_at is given, as the column's onupdate would: the same value on both paths.
        await self.conn.execute(
            update(_CUSTOMERS).where(_CUSTOMERS.c.id == bindparam("cid")),
            [dict(zip(("cid", *CHANGED_CUSTOMER[1:]), r, strict=True), updated_at=now) for r in rows],
        )


def sqlite_datetime(value: datetime) -> str:
    """SQLAlchemy's SQLite storage form of an aware datetime (naive UTC, microseconds), as UtcDateTime binds it."""
    return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


_SELECT_ACCOUNTS = f"SELECT {', '.join(ACCOUNT_COLUMNS)} FROM accounts WHERE number IN (SELECT value FROM json_each(?))"
_SELECT_PHONES = "SELECT e164, customer_id FROM phones WHERE e164 IN (SELECT value FROM json_each(?))"
_SELECT_CUSTOMERS = f"SELECT {', '.join(CUSTOMER_COLUMNS)} FROM customers WHERE id IN (SELECT value FROM json_each(?))"
_SELECT_CUSTOMER_PHONES = "SELECT customer_id, e164 FROM phones WHERE customer_id IN (SELECT value FROM json_each(?))"
# Writes take a chunk's rows as one JSON array of arrays: one statement a table, not one bind per row.
# It is also one sqlite3_step, run without the GIL, so the next chunk is read and parsed meanwhile.
_INSERT_CUSTOMERS = (
    "INSERT INTO customers (id, full_name, name_key, kind, email, inn, vip, language, paper_bill, notes, "
    "created_at, updated_at) SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, "
    "0, 'ru', 1, '', ?1, ?1 FROM json_each(?2)"
)
_UPDATE_CUSTOMERS = (
    "UPDATE customers SET full_name = j.value->>1, name_key = j.value->>2, kind = j.value->>3, "
    "email = j.value->>4, inn = j.value->>5, updated_at = ?1 FROM json_each(?2) AS j WHERE customers.id = j.value->>0"
)
_INSERT_PHONES = (
    "INSERT INTO phones (customer_id, e164, raw, is_primary, kind) "
    "SELECT value->>0, value->>1, value->>2, value->>3, 'mobile' FROM json_each(?1)"
)
_INSERT_ACCOUNTS = (
    "INSERT INTO accounts (id, number, customer_id, address, address_key, region, tariff, debt_kop, debt_since, "
    "balance_kop, status, opened_on) SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, "
    "value->>6, value->>7, value->>8, value->>9, 'active', NULL FROM json_each(?1)"
)
_UPDATE_ACCOUNTS = (
    "UPDATE accounts SET address = j.value->>1, address_key = j.value->>2, region = j.value->>3, "
    "tariff = j.value->>4, debt_kop = j.value->>5, debt_since = j.value->>6, balance_kop = j.value->>7 "
    "FROM json_each(?1) AS j WHERE accounts.id = j.value->>0"
)


def _json(rows: list[tuple[Any, ...]]) -> str:
    return json.dumps(rows, ensure_ascii=False, default=_iso)


class SqliteTables:
    """The same statements on the aiosqlite connection under the session (so inside its transaction)."""

    concurrent = True  # aiosqlite queues statements and runs them in order on its thread

    def __init__(self, aio: Any) -> None:
        self.aio = aio
        self.next_id: dict[str, int] = {}

    async def _fetch(self, sql: str, keys: Sequence[Any]) -> list[Any]:
        if not keys:
            return []
        return list(await self.aio.execute_fetchall(sql, (json.dumps(list(keys), ensure_ascii=False),)))

    async def accounts_by_number(self, numbers: Sequence[str]) -> list[tuple[Any, ...]]:
        rows = await self._fetch(_SELECT_ACCOUNTS, numbers)
        return [(*r[:7], _date(r[7]), r[8]) for r in rows]

    async def phones_by_e164(self, phones: Sequence[str]) -> list[tuple[str, int]]:
        return await self._fetch(_SELECT_PHONES, phones)

    async def customers_by_id(self, ids: Sequence[int]) -> list[tuple[Any, ...]]:
        return await self._fetch(_SELECT_CUSTOMERS, ids)

    async def phones_of_customers(self, ids: Sequence[int]) -> list[tuple[int, str]]:
        return await self._fetch(_SELECT_CUSTOMER_PHONES, ids)

    async def reserve_ids(self, table: str, count: int) -> list[int]:
        # The import holds the only write lock (BEGIN IMMEDIATE), so max(id) is ours to extend.
        start = self.next_id.get(table)
        if start is None:
            ((top,),) = await self.aio.execute_fetchall(f"SELECT coalesce(max(id), 0) FROM {table}")
            start = top + 1
        self.next_id[table] = start + count
        return list(range(start, start + count))

    async def write(self, changes: Changes) -> None:
        c, stamp = changes, sqlite_datetime(changes.now)
        if c.new_customers:
            await self.aio.execute(_INSERT_CUSTOMERS, (stamp, _json(c.new_customers)))
        if c.changed_customers:
            await self.aio.execute(_UPDATE_CUSTOMERS, (stamp, _json(c.changed_customers)))
        if c.new_phones:
            await self.aio.execute(_INSERT_PHONES, (_json(c.new_phones),))
        if c.new_accounts:
            await self.aio.execute(_INSERT_ACCOUNTS, (_json(c.new_accounts),))
        if c.changed_accounts:
            await self.aio.execute(_UPDATE_ACCOUNTS, (_json(c.changed_accounts),))
