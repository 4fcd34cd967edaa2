"""What an import knows of the database: loaded per chunk, changed in memory, handed out per chunk to write."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from ..base import utcnow
from ..text import search_key
from .sql import Changes, Tables


@dataclass(slots=True, eq=False)  # identity, not field equality: two customers may look alike
class Cust:
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
class Acct:
    id: int | None
    number: str
    customer: Cust
    address: str
    region: str
    tariff: str
    debt_kop: int = 0
    debt_since: date | None = None
    balance_kop: int = 0
    dirty: bool = False


class Store:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self.accounts: dict[str, Acct] = {}
        self.by_phone: dict[str, list[Cust]] = {}
        self.customers: dict[int, Cust] = {}
        self.new_customers: list[Cust] = []
        self.new_accounts: list[Acct] = []
        # What this chunk changed; only these are written, so a chunk costs what it holds, not the file so far.
        self.touched_customers: dict[int, Cust] = {}  # keyed by id(): each once, in order
        self.touched_accounts: dict[int, Acct] = {}

    async def load(self, numbers: Iterable[str], phones: Iterable[str]) -> None:
        # Comprehensions, not `set -= dict.keys()`: that walks the whole (growing) dict on every chunk.
        numbers = {n for n in numbers if n not in self.accounts}
        phones = {p for p in phones if p not in self.by_phone}
        account_rows = await self.tables.accounts_by_number(list(numbers)) if numbers else []
        phone_rows = await self.tables.phones_by_e164(list(phones)) if phones else []
        customer_ids = {r[2] for r in account_rows}
        customer_ids.update(r[1] for r in phone_rows)
        await self._load_customers([c for c in customer_ids if c not in self.customers])
        customers, accounts = self.customers, self.accounts
        for aid, number, cid, address, region, tariff, debt_kop, debt_since, balance_kop in account_rows:
            accounts[number] = Acct(
                aid, number, customers[cid], address, region, tariff, debt_kop, debt_since, balance_kop
            )
        by_phone = self.by_phone
        for e164 in phones:
            by_phone.setdefault(e164, [])
        for e164, cid in phone_rows:
            cust = customers[cid]
            if cust not in by_phone[e164]:
                by_phone[e164].append(cust)

    async def _load_customers(self, ids: list[int]) -> None:
        if not ids:
            return
        phones: dict[int, set[str]] = {i: set() for i in ids}
        for cid, e164 in await self.tables.phones_of_customers(ids):
            phones[cid].add(e164)
        for cid, full_name, kind, email, inn in await self.tables.customers_by_id(ids):
            self.customers[cid] = Cust(cid, full_name, kind, email, inn, phones[cid])

    async def changes(self) -> Changes:
        """What this chunk changed, as rows to write (new rows get their ids here); the chunk state is reset.

        The rows are copies, so the next chunk may be applied while these are written.
        """
        tables = self.tables
        if self.new_customers:
            ids = await tables.reserve_ids("customers", len(self.new_customers))
            for cust, cid in zip(self.new_customers, ids, strict=True):
                cust.id = cid
                self.customers[cid] = cust
        if self.new_accounts:
            ids = await tables.reserve_ids("accounts", len(self.new_accounts))
            for acct, aid in zip(self.new_accounts, ids, strict=True):
                acct.id = aid
        touched = self.touched_customers.values()
        new_accounts = set(self.new_accounts)  # identity set (eq=False)
        changes = Changes(
            now=utcnow(),
            new_customers=[
                (c.id, c.full_name, search_key(c.full_name), c.kind, c.email, c.inn) for c in self.new_customers
            ],
            changed_customers=[
                (c.id, c.full_name, search_key(c.full_name), c.kind, c.email, c.inn)
                for c in touched
                if c.dirty and not c.is_new
            ],
            new_phones=[
                (c.id, e164, raw, c.is_new and i == 0)
                for c in touched
                if c.new_phones
                for i, (raw, e164) in enumerate(c.new_phones)
            ],
            new_accounts=[
                (
                    a.id,
                    a.number,
                    a.customer.id,
                    a.address,
                    search_key(a.address),
                    a.region,
                    a.tariff,
                    a.debt_kop,
                    a.debt_since,
                    a.balance_kop,
                )
                for a in self.new_accounts
            ],
            changed_accounts=[
                (a.id, a.address, search_key(a.address), a.region, a.tariff, a.debt_kop, a.debt_since, a.balance_kop)
                for a in self.touched_accounts.values()
                if a.dirty and a not in new_accounts
            ],
        )
        for c in touched:
            c.dirty = c.is_new = False
            if c.new_phones:
                c.new_phones.clear()
        for a in self.touched_accounts.values():
            a.dirty = False
        self.new_customers.clear()
        self.new_accounts.clear()
        self.touched_customers.clear()
        self.touched_accounts.clear()
        return changes
