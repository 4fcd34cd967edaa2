"""Apply a table of customers or debts to the store: match, update, insert; report every bad row.

The whole file is one transaction: a file that cannot be read changes nothing. Rows are handled in
chunks with set-based look-ups (one query per chunk, not per row) so 100k rows take seconds.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..audit import record_audit
from ..base import utcnow
from ..db import Database
from ..errors import ImportFailed
from ..models import Account, Customer, Phone
from ..text import search_key
from . import values as V
from .headers import map_header, parse_column_map
from .tables import read_table

CHUNK = 5_000
_ACCOUNTS, _CUSTOMERS, _PHONES = Account.__table__, Customer.__table__, Phone.__table__


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str
    value: str
    reason: str


@dataclass(slots=True)
class ImportSummary:
    kind: str
    source: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)

    def line(self) -> str:
        return (f"{self.rows} rows: {self.inserted} inserted, {self.updated} updated, "
                f"{self.skipped} skipped (unchanged), {self.rejected} rejected")


@dataclass(slots=True, eq=False)  # identity, not field equality: two customers may look alike
class _Cust:
    id: int | None
    full_name: str
    kind: str
    email: str | None
    inn: str | None
    phones: set[str]
    new_phones: list[tuple[str, str]] = field(default_factory=list)
    dirty: bool = False
    is_new: bool = False


@dataclass(slots=True, eq=False)
class _Acct:
    id: int | None
    number: str
    customer: _Cust
    address: str
    region: str
    tariff: str
    debt_kop: int = 0
    debt_since: date | None = None
    balance_kop: int = 0
    dirty: bool = False


class _RowRejected(Exception):
    def __init__(self, column: str, value: str, reason: str) -> None:
        super().__init__(reason)
        self.error = (column, value, reason)


def _cell(row: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return row[index].strip() if index is not None and index < len(row) else ""


def _parse(row: list[str], columns: dict[str, int], name: str, parser: Callable[[str], Any]) -> Any:
    raw = _cell(row, columns, name)
    try:
        return parser(raw)
    except V.CellError as exc:
        raise _RowRejected(name, raw, str(exc)) from None


class _Store:
    """What the import knows of the database: loaded per chunk, changed in memory, written per chunk."""

    def __init__(self, session: AsyncSession) -> None:
        self.s = session
        self.accounts: dict[str, _Acct] = {}
        self.by_phone: dict[str, list[_Cust]] = {}
        self.customers: dict[int, _Cust] = {}
        self.new_customers: list[_Cust] = []
        self.new_accounts: list[_Acct] = []
        self.next_id: dict[str, int] = {}
        # What this chunk changed; only these are written, so a chunk costs what it holds, not the file so far.
        self.touched_customers: dict[int, _Cust] = {}  # keyed by id(): each once, in order
        self.touched_accounts: dict[int, _Acct] = {}

    async def load(self, numbers: set[str], phones: set[str]) -> None:
        # Comprehensions, not `set -= dict.keys()`: that walks the whole (growing) dict on every chunk.
        numbers = {n for n in numbers if n not in self.accounts}
        phones = {p for p in phones if p not in self.by_phone}
        customer_ids: set[int] = set()
        account_rows = []
        if numbers:
            a = _ACCOUNTS.c
            account_rows = (await self.core(
                select(a.id, a.number, a.customer_id, a.address, a.region, a.tariff, a.debt_kop, a.debt_since,
                       a.balance_kop).where(a.number.in_(list(numbers)))
            )).all()
            customer_ids.update(r.customer_id for r in account_rows)
        phone_rows = []
        if phones:
            p = _PHONES.c
            phone_rows = (await self.core(select(p.e164, p.customer_id).where(p.e164.in_(list(phones))))).all()
            customer_ids.update(r.customer_id for r in phone_rows)
        await self._load_customers({c for c in customer_ids if c not in self.customers})
        for r in account_rows:
            self.accounts[r.number] = _Acct(
                id=r.id, number=r.number, customer=self.customers[r.customer_id], address=r.address,
                region=r.region, tariff=r.tariff, debt_kop=r.debt_kop, debt_since=r.debt_since,
                balance_kop=r.balance_kop,
            )
        for e164 in phones:
            self.by_phone.setdefault(e164, [])
        for r in phone_rows:
            cust = self.customers[r.customer_id]
            if cust not in self.by_phone[r.e164]:
                self.by_phone[r.e164].append(cust)

    async def _load_customers(self, ids: set[int]) -> None:
        if not ids:
            return
        c, p = _CUSTOMERS.c, _PHONES.c
        rows = (await self.core(
            select(c.id, c.full_name, c.kind, c.email, c.inn).where(c.id.in_(list(ids)))
        )).all()
        phones: dict[int, set[str]] = {i: set() for i in ids}
        for cid, e164 in (await self.core(select(p.customer_id, p.e164).where(p.customer_id.in_(list(ids))))).all():
            phones[cid].add(e164)
        for r in rows:
            self.customers[r.id] = _Cust(id=r.id, full_name=r.full_name, kind=r.kind, email=r.email, inn=r.inn,
                                         phones=phones[r.id])

    async def core(self, statement: Any) -> Any:
        """Run a Core statement on the session's connection: the ORM's per-row result work is skipped."""
        conn = await self.s.connection()
        return await conn.execute(statement)

    async def reserve_ids(self, table: str, count: int) -> list[int]:
        """Primary keys for `count` new rows, so one executemany inserts them and we know their ids.

        RETURNING would do, but on SQLite SQLAlchemy then sends one INSERT per row (20x slower).
        SQLite: the import holds the only write lock (BEGIN IMMEDIATE), so max(id) is ours to extend.
        PostgreSQL: take the values from the table's sequence.
        """
        if self.s.bind.dialect.name == "postgresql":
            rows = await self.s.execute(
                text(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, :n)"),
                {"n": count},
            )
            return [r[0] for r in rows]
        start = self.next_id.get(table)
        if start is None:
            start = (await self.s.scalar(text(f"SELECT coalesce(max(id), 0) FROM {table}"))) + 1
        self.next_id[table] = start + count
        return list(range(start, start + count))

    async def write(self) -> None:
        now = utcnow()
        if self.new_customers:
            ids = await self.reserve_ids("customers", len(self.new_customers))
            await self.s.execute(
                insert(Customer.__table__),
                [dict(id=cid, full_name=c.full_name, name_key=search_key(c.full_name), kind=c.kind, email=c.email,
                      inn=c.inn, vip=False, language="ru", paper_bill=True, notes="", created_at=now,
                      updated_at=now)
                 for c, cid in zip(self.new_customers, ids, strict=True)],
            )
            for cust, cid in zip(self.new_customers, ids, strict=True):
                cust.id = cid
                self.customers[cid] = cust
        dirty = [c for c in self.touched_customers.values() if c.dirty and not c.is_new]
        if dirty:
            await self.s.execute(
                update(Customer.__table__).where(Customer.__table__.c.id == bindparam("cid")),
                [dict(cid=c.id, full_name=c.full_name, name_key=search_key(c.full_name), kind=c.kind, email=c.email,
                      inn=c.inn) for c in dirty],
            )
        phones = [dict(customer_id=c.id, e164=e164, raw=raw, is_primary=(c.is_new and i == 0))
                  for c in self.touched_customers.values() for i, (raw, e164) in enumerate(c.new_phones)]
        if phones:
            await self.s.execute(insert(Phone.__table__), [dict(p, kind="mobile") for p in phones])
        new_accounts = {a for a in self.new_accounts}  # identity set (eq=False)
        if self.new_accounts:
            ids = await self.reserve_ids("accounts", len(self.new_accounts))
            await self.s.execute(
                insert(Account.__table__),
                [dict(id=aid, number=a.number, customer_id=a.customer.id, address=a.address,
                      address_key=search_key(a.address), region=a.region, tariff=a.tariff, debt_kop=a.debt_kop,
                      debt_since=a.debt_since, balance_kop=a.balance_kop, status="active", opened_on=None)
                 for a, aid in zip(self.new_accounts, ids, strict=True)],
            )
            for acct, aid in zip(self.new_accounts, ids, strict=True):
                acct.id = aid
        dirty_accounts = [a for a in self.touched_accounts.values() if a.dirty and a.id is not None and a not in new_accounts]
        if dirty_accounts:
            await self.s.execute(
                update(Account.__table__).where(Account.__table__.c.id == bindparam("aid")),
                [dict(aid=a.id, address=a.address, address_key=search_key(a.address), region=a.region, tariff=a.tariff,
                      debt_kop=a.debt_kop, debt_since=a.debt_since, balance_kop=a.balance_kop) for a in dirty_accounts],
            )
        for c in self.touched_customers.values():
            c.dirty = c.is_new = False
            c.new_phones.clear()
        for a in self.touched_accounts.values():
            a.dirty = False
        self.new_customers.clear()
        self.new_accounts.clear()
        self.touched_customers.clear()
        self.touched_accounts.clear()


def _apply_customer(store: _Store, row: list[str], columns: dict[str, int]) -> str:
    name = _cell(row, columns, "full_name")
    if not name:
        raise _RowRejected("full_name", "", "empty name")
    number = _parse(row, columns, "account", V.account_number) if _cell(row, columns, "account") else None
    phones = _parse(row, columns, "phone", V.phones)
    if number is None and not phones:
        raise _RowRejected("account", "", "neither an account number nor a phone to identify the customer")
    kind = _parse(row, columns, "kind", V.kind)
    email = _cell(row, columns, "email") or None
    if email and ("@" not in email or " " in email):
        raise _RowRejected("email", email, "not an e-mail address")
    inn = _cell(row, columns, "inn") or None
    if inn and not (inn.isdigit() and len(inn) in (10, 12)):
        raise _RowRejected("inn", inn, "an INN has 10 or 12 digits")
    address, region, tariff = (_cell(row, columns, f) for f in ("address", "region", "tariff"))
    debt = _parse(row, columns, "debt", V.money_kop) if _cell(row, columns, "debt") else None

    account = store.accounts.get(number) if number else None
    cust = account.customer if account else None
    if cust is None:
        owners = {id(c): c for _raw, e164 in phones for c in store.by_phone.get(e164, [])}
        if number is not None:
            # A new account whose phone someone else already has (a family, a shared office line) belongs to
            # that someone only if the name agrees; otherwise it is a new customer sharing the number.
            owners = {k: c for k, c in owners.items() if search_key(c.full_name) == search_key(name)}
        if len(owners) > 1:
            raise _RowRejected("phone", _cell(row, columns, "phone"),
                               f"the number belongs to {len(owners)} different customers; give the account number")
        cust = next(iter(owners.values()), None)
    changed = False
    created = cust is None
    if cust is None:
        cust = _Cust(id=None, full_name=name, kind=kind, email=email, inn=inn, phones=set(), is_new=True)
        store.new_customers.append(cust)
    else:
        for attr, value in (("full_name", name), ("kind", kind), ("email", email), ("inn", inn)):
            if value is not None and getattr(cust, attr) != value:
                setattr(cust, attr, value)
                cust.dirty = changed = True
    store.touched_customers[id(cust)] = cust
    for raw, e164 in phones:
        if e164 not in cust.phones:
            cust.phones.add(e164)
            cust.new_phones.append((raw, e164))
            store.by_phone.setdefault(e164, []).append(cust)
            changed = True
    if number:
        if account is None:
            account = _Acct(id=None, number=number, customer=cust, address=address, region=region, tariff=tariff,
                            debt_kop=debt or 0, balance_kop=-(debt or 0))
            store.accounts[number] = account
            store.new_accounts.append(account)
            changed = True
        else:
            for attr, value in (("address", address), ("region", region), ("tariff", tariff)):
                if value and getattr(account, attr) != value:
                    setattr(account, attr, value)
                    account.dirty = changed = True
            if debt is not None and account.debt_kop != debt:
                account.debt_kop = debt
                account.dirty = changed = True
        store.touched_accounts[id(account)] = account
    if created:
        return "inserted"
    return "updated" if changed else "skipped"


def _apply_debt(store: _Store, row: list[str], columns: dict[str, int]) -> str:
    number = _parse(row, columns, "account", V.account_number)
    debt = _parse(row, columns, "debt", V.money_kop)
    since = _parse(row, columns, "debt_since", V.parse_date) if _cell(row, columns, "debt_since") else None
    balance = (_parse(row, columns, "balance", lambda t: V.money_kop(t, allow_negative=True))
               if _cell(row, columns, "balance") else None)
    account = store.accounts.get(number)
    if account is None:
        raise _RowRejected("account", number, "no such account in the database (import the customers first)")
    wanted = dict(debt_kop=debt, debt_since=(since if debt > 0 else None) if since or debt == 0 else account.debt_since,
                  balance_kop=balance if balance is not None else account.balance_kop)
    if all(getattr(account, k) == v for k, v in wanted.items()):
        return "skipped"
    for key, value in wanted.items():
        setattr(account, key, value)
    account.dirty = True
    store.touched_accounts[id(account)] = account
    return "updated"


_KINDS = {
    "customers": (("full_name",), _apply_customer),
    "debts": (("account", "debt"), _apply_debt),
}


def _chunks(rows: Iterator[tuple[int, list[str]]]) -> Iterator[list[tuple[int, list[str]]]]:
    chunk: list[tuple[int, list[str]]] = []
    for item in rows:
        chunk.append(item)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _keys(chunk: list[tuple[int, list[str]]], columns: dict[str, int]) -> tuple[set[str], set[str]]:
    numbers: set[str] = set()
    phones: set[str] = set()
    for _n, row in chunk:
        try:
            if _cell(row, columns, "account"):
                numbers.add(V.account_number(_cell(row, columns, "account")))
            phones.update(e164 for _raw, e164 in V.phones(_cell(row, columns, "phone")))
        except V.CellError:
            continue  # the row is rejected, with its reason, when it is applied
    return numbers, phones


async def import_file(
    db: Database, kind: str, path: Path, *, columns: list[str] | None = None, user_id: int | None = None
) -> ImportSummary:
    """Import `path` as `kind` ("customers" or "debts"); raises ImportFailed (nothing changed) for a non-table."""
    if kind not in _KINDS:
        raise ImportFailed(f"unknown import kind {kind!r}: customers or debts")
    required, apply = _KINDS[kind]
    table = read_table(path)
    column_map = map_header(table.header, parse_column_map(columns), required)
    summary = ImportSummary(kind=kind, source=f"{path.name} ({table.description})")
    async with db.write_session() as session, session.begin():
        store = _Store(session)
        for chunk in _chunks(table.rows):
            await store.load(*_keys(chunk, column_map))
            for number, row in chunk:
                summary.rows += 1
                try:
                    outcome = apply(store, row, column_map)
                except _RowRejected as exc:
                    summary.rejected += 1
                    summary.errors.append(RowError(number, *exc.error))
                    continue
                setattr(summary, outcome, getattr(summary, outcome) + 1)
            await store.write()
        if summary.rows == 0:
            raise ImportFailed(f"{path.name} has a header but no data rows")
        await record_audit(session, user_id, f"import.{kind}", "file", path.name,
                           {k: getattr(summary, k) for k in ("rows", "inserted", "updated", "skipped", "rejected")})
    return summary


def write_error_report(summary: ImportSummary, path: Path) -> None:
    """One line per rejected row: row number, column, value, reason (UTF-8 with BOM so Excel reads it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(["row", "column", "value", "reason"])
        for e in summary.errors:
            writer.writerow([e.row, e.column, e.value, e.reason])
