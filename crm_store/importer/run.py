"""Apply a table of customers or debts to the store: match, update, insert; report every bad row.

The whole file is one transaction: a file that cannot be read changes nothing. Rows are parsed once,
then handled in chunks with set-based look-ups (a few queries per chunk, not per row), so 100k rows take
seconds: rows.py parses, store.py holds what is known of the database, sql.py runs the statements.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..audit import record_audit
from ..db import Database
from ..errors import ImportFailed
from ..spreadsheet import shorten, write_csv
from ..text import search_key
from . import rows as R
from .headers import map_header, parse_column_map
from .progress import ImportProgress, ProgressListener
from .sql import Changes, Tables, tables_for
from .store import Acct, Cust, Store
from .tables import read_table

CHUNK = 10_000
YIELD_EVERY = 500


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
        return (
            f"{self.rows} rows: {self.inserted} inserted, {self.updated} updated, "
            f"{self.skipped} skipped (unchanged), {self.rejected} rejected"
        )


def _apply_customer(store: Store, r: R.CustomerRow) -> str | R.Rejection:
    name, number, phones, kind, email, inn, address, region, tariff, debt, phone_cell = r
    account = store.accounts.get(number) if number else None
    cust = account.customer if account else None
    if cust is None:
        by_phone = store.by_phone
        owners = {id(c): c for _raw, e164 in phones for c in by_phone.get(e164, ())}
        if owners and number is not None:
            # A new account whose phone someone else already has (a family, a shared office line) belongs to
            # that someone only if the name agrees; otherwise it is a new customer sharing the number.
            key = search_key(name)
            owners = {k: c for k, c in owners.items() if search_key(c.full_name) == key}
        if len(owners) > 1:
            return R.Rejection(
                "phone", phone_cell, f"the number belongs to {len(owners)} different customers; give the account number"
            )
        cust = next(iter(owners.values()), None)
    changed = False
    created = cust is None
    if cust is None:
        cust = Cust(None, name, kind, email, inn, set(), is_new=True)
        store.new_customers.append(cust)
    else:
        if cust.full_name != name:
            cust.full_name = name
            cust.dirty = changed = True
        if cust.kind != kind:
            cust.kind = kind
            cust.dirty = changed = True
        if email is not None and cust.email != email:
            cust.email = email
            cust.dirty = changed = True
        if inn is not None and cust.inn != inn:
            cust.inn = inn
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
            account = Acct(None, number, cust, address, region, tariff, debt or 0, None, -(debt or 0))
            store.accounts[number] = account
            store.new_accounts.append(account)
            changed = True
        else:
            if address and account.address != address:
                account.address = address
                account.dirty = changed = True
            if region and account.region != region:
                account.region = region
                account.dirty = changed = True
            if tariff and account.tariff != tariff:
                account.tariff = tariff
                account.dirty = changed = True
            if debt is not None and account.debt_kop != debt:
                account.debt_kop = debt
                account.dirty = changed = True
        store.touched_accounts[id(account)] = account
    if created:
        return "inserted"
    return "updated" if changed else "skipped"


def _apply_debt(store: Store, r: R.DebtRow) -> str | R.Rejection:
    number, debt, since, balance = r
    account = store.accounts.get(number)
    if account is None:
        return R.Rejection("account", number, "no such account in the database (import the customers first)")
    wanted = dict(
        debt_kop=debt,
        debt_since=(since if debt > 0 else None) if since or debt == 0 else account.debt_since,
        balance_kop=balance if balance is not None else account.balance_kop,
    )
    if all(getattr(account, k) == v for k, v in wanted.items()):
        return "skipped"
    for key, value in wanted.items():
        setattr(account, key, value)
    account.dirty = True
    store.touched_accounts[id(account)] = account
    return "updated"


@dataclass(frozen=True, slots=True)
class _Kind:
    required: tuple[str, ...]
    fields: tuple[str, ...]
    parse: Callable[[list[str], tuple[int, ...]], Any]
    apply: Callable[[Store, Any], str | R.Rejection]


_KINDS = {
    "customers": _Kind(("full_name",), R.CUSTOMER_FIELDS, R.customer, _apply_customer),
    "debts": _Kind(("account", "debt"), R.DEBT_FIELDS, R.debt, _apply_debt),
}


async def _parsed_chunk(
    rows: Iterator[tuple[int, list[str]]],
    parse: Callable[[list[str], tuple[int, ...]], Any],
    positions: tuple[int, ...],
) -> list[tuple[int, Any]]:
    """The next CHUNK rows, read and parsed; [] at the end of the file.

    It yields to the event loop every YIELD_EVERY rows so the previous chunk's write, running meanwhile in
    the database's thread, can send its next statement.
    """
    chunk: list[tuple[int, Any]] = []
    for number, row in rows:
        chunk.append((number, parse(row, positions)))
        if len(chunk) % YIELD_EVERY == 0:
            if len(chunk) >= CHUNK:
                break
            await asyncio.sleep(0)
    return chunk


def _keys(chunk: list[tuple[int, Any]]) -> tuple[set[str], set[str]]:
    """The account numbers and phones a chunk's good rows name: what the store must know before applying it."""
    numbers: set[str] = set()
    phones: set[str] = set()
    for _number, r in chunk:
        if isinstance(r, R.Rejection):
            continue
        if r.number:
            numbers.add(r.number)
        if isinstance(r, R.CustomerRow):
            for _raw, e164 in r.phones:
                phones.add(e164)
    return numbers, phones


class _Writes:
    """Chunk N is written while chunk N+1 is applied and chunk N+2 read and parsed (SQLite: in its own thread).

    Chunk N's rows are held until chunk N+1 is loaded, so each look-up runs before the write it would
    otherwise wait behind. That reorder cannot change an answer: a chunk looks up only keys the import has
    not seen, and a write holds only rows of keys it has seen (they are in the store's maps by then).
    Writes themselves stay in chunk order. On a connection that runs one statement at a time (the generic
    path) each write is awaited at once.
    """

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self.held: Changes | None = None
        self.task: asyncio.Task[None] | None = None

    def hold(self, changes: Changes) -> None:
        self.held = changes

    async def start_previous(self) -> None:
        if self.task is not None:
            task, self.task = self.task, None
            await task
        if self.held is not None:
            changes, self.held = self.held, None
            if not self.tables.concurrent:
                await self.tables.write(changes)
                return
            self.task = asyncio.create_task(self.tables.write(changes))
            await asyncio.sleep(0)  # let it send its first statement before we go back to applying rows

    async def __aenter__(self) -> _Writes:
        return self

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            await self.start_previous()  # the last chunk's
            await self.start_previous()  # and wait for it
            return
        if self.task is not None:  # a failure meanwhile: let the write end (the transaction then rolls back)
            await asyncio.wait([self.task])
            if not self.task.cancelled():
                self.task.exception()  # retrieved, not raised: the first error is the one to report


async def import_file(
    db: Database,
    kind: str,
    path: Path,
    *,
    columns: list[str] | None = None,
    user_id: int | None = None,
    progress: ProgressListener | None = None,
    commit_each_chunk: bool = False,
) -> ImportSummary:
    """Import `path` as `kind` ("customers" or "debts"); raises ImportFailed (nothing changed) for a non-table.
    `progress` hears how far it has come after every chunk, and once more at the end (done).

    One transaction by default: a file that fails part-way changes nothing, and nothing else writes
    meanwhile (SQLite has one write lock). `commit_each_chunk` (the admin console, inside a running
    server) commits every CHUNK rows instead, so call cards and sign-ins are written between chunks; a
    file that fails part-way then keeps the chunks before the failure.

    Leaves the interpreter's settings alone (it may run inside the server): the command line's `ccdesk
    import` is what pauses the cyclic GC and shortens the switch interval for a big file (web/tuning.py)."""
    return await _import(
        db, kind, path, columns=columns, user_id=user_id, progress=progress, commit_each_chunk=commit_each_chunk
    )


async def _import(
    db: Database,
    kind: str,
    path: Path,
    *,
    columns: list[str] | None,
    user_id: int | None,
    progress: ProgressListener | None = None,
    commit_each_chunk: bool = False,
) -> ImportSummary:
    if kind not in _KINDS:
        raise ImportFailed(f"unknown import kind {kind!r}: customers or debts")
    spec = _KINDS[kind]
    started = time.monotonic()
    # In a thread: opening a CSV scans all of it once (is it UTF-8, how many lines), seconds for a big file,
    # which must not stall the event loop of a server that is popping callers meanwhile.
    table = await asyncio.to_thread(read_table, path)

    def report(done: bool = False) -> None:
        if progress is not None:
            progress(
                ImportProgress(
                    rows=summary.rows,
                    expected=table.expected_rows,
                    rejected=len(summary.errors),
                    elapsed_s=time.monotonic() - started,
                    done=done,
                )
            )

    column_map = map_header(table.header, parse_column_map(columns), spec.required)
    positions = tuple(column_map.get(f, -1) for f in spec.fields)
    parse, apply = spec.parse, spec.apply
    summary = ImportSummary(kind=kind, source=f"{path.name} ({table.description})")
    counts = {"inserted": 0, "updated": 0, "skipped": 0}
    rows = iter(table.rows)
    if commit_each_chunk:
        await _import_chunk_by_chunk(db, rows, parse, positions, apply, summary, counts, report)
    async with db.write_session() as session, session.begin():
        if not commit_each_chunk:
            store = Store(await tables_for(await session.connection()))
            async with _Writes(store.tables) as writes:
                while chunk := await _parsed_chunk(rows, parse, positions):
                    await store.load(*_keys(chunk))
                    await writes.start_previous()
                    await _apply_chunk(store, chunk, apply, summary, counts)
                    writes.hold(await store.changes())
                    report()
        summary.inserted, summary.updated, summary.skipped = counts["inserted"], counts["updated"], counts["skipped"]
        summary.rejected = len(summary.errors)
        if summary.rows == 0:
            raise ImportFailed(f"{path.name} has a header but no data rows")
        await record_audit(
            session,
            user_id,
            f"import.{kind}",
            "file",
            path.name,
            {k: getattr(summary, k) for k in ("rows", "inserted", "updated", "skipped", "rejected")},
        )
    report(done=True)
    return summary


async def _apply_chunk(
    store: Store,
    chunk: list[tuple[int, Any]],
    apply: Callable[[Store, Any], str | R.Rejection],
    summary: ImportSummary,
    counts: dict[str, int],
) -> None:
    """Apply a chunk's rows to the store in memory, yielding to the event loop every YIELD_EVERY rows (a
    server pops callers meanwhile: 10,000 rows at once held the loop for ~0.2 s)."""
    for k, (number, r) in enumerate(chunk, start=1):
        outcome = r if isinstance(r, R.Rejection) else apply(store, r)
        if isinstance(outcome, R.Rejection):
            column, value, reason = outcome
            summary.errors.append(RowError(number, column, shorten(value), shorten(reason, 300)))
        else:
            counts[outcome] += 1
        if k % YIELD_EVERY == 0:
            await asyncio.sleep(0)
    summary.rows += len(chunk)


async def _import_chunk_by_chunk(
    db: Database,
    rows: Iterator[tuple[int, list[str]]],
    parse: Callable[[list[str], tuple[int, ...]], Any],
    positions: tuple[int, ...],
    apply: Callable[[Store, Any], str | R.Rejection],
    summary: ImportSummary,
    counts: dict[str, int],
    report: Callable[[], None],
) -> None:
    """Each chunk in a transaction of its own, parsed before it takes the write lock: other writers (call
    cards, sign-ins) wait at most one chunk, not the whole file. The store's maps carry over from chunk to
    chunk; ids are reserved afresh in each (a new Tables reads max(id) again under the lock)."""
    store: Store | None = None
    while chunk := await _parsed_chunk(rows, parse, positions):
        async with db.write_session() as session, session.begin():
            tables = await tables_for(await session.connection())
            if store is None:
                store = Store(tables)
            store.tables = tables
            await store.load(*_keys(chunk))
            await _apply_chunk(store, chunk, apply, summary, counts)
            await tables.write(await store.changes())
        report()


def write_error_report(summary: ImportSummary, path: Path) -> None:
    """One line per rejected row: row number, column, value, reason (UTF-8 with BOM so Excel reads it).

    The values are what the file had; a formula among them is written as text (crm_store.spreadsheet)."""
    write_csv(
        path, ["row", "column", "value", "reason"], ([e.row, e.column, e.value, e.reason] for e in summary.errors)
    )
