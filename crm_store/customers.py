"""Customers: find them by what an operator knows, create them, link numbers, edit contact details."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from . import rows
from .audit import record_audit
from .db import Database
from .errors import Conflict, NotFound
from .models import Account, Customer, Phone
from .phones import normalize_phone
from .records import CustomerRecord
from .text import prefix_upper_bound, search_key

SEARCH_LIMIT = 20


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchHit:
    customer_id: int
    full_name: str
    kind: str
    account_number: str | None
    address: str | None
    debt_kop: int


async def search_customers(db: Database, query: str, limit: int = SEARCH_LIMIT) -> list[SearchHit]:
    """By account number or phone (exact), by name (prefix) or by address (contains)."""
    q = query.strip()
    if not q:
        return []
    async with db.read_session() as s:
        ids: list[int] = []
        e164 = normalize_phone(q) if any(ch.isdigit() for ch in q) else None
        by_account = await s.scalars(select(Account.customer_id).where(Account.number == q))
        ids.extend(by_account)
        if e164:
            ids.extend(await s.scalars(select(Phone.customer_id).where(Phone.e164 == e164).limit(limit)))
        key = search_key(q)
        if key and len(ids) < limit:
            ids.extend(
                await s.scalars(
                    select(Customer.id)
                    .where(Customer.name_key >= key, Customer.name_key < prefix_upper_bound(key))
                    .order_by(Customer.name_key)
                    .limit(limit)
                )
            )
        if key and len(ids) < limit and len(key) >= 3:
            ids.extend(
                await s.scalars(
                    select(Account.customer_id).where(Account.address_key.contains(key, autoescape=True)).limit(limit)
                )
            )
        unique = list(dict.fromkeys(ids))[:limit]
        if not unique:
            return []
        result = await s.execute(
            select(Customer.id, Customer.full_name, Customer.kind, Account.number, Account.address, Account.debt_kop)
            .join(Account, Account.customer_id == Customer.id, isouter=True)
            .where(Customer.id.in_(unique))
        )
        first: dict[int, SearchHit] = {}
        for cid, name, kind, number, address, debt in result:
            first.setdefault(
                cid,
                SearchHit(
                    customer_id=cid,
                    full_name=name,
                    kind=kind,
                    account_number=number,
                    address=address,
                    debt_kop=debt or 0,
                ),
            )
        return [first[c] for c in unique if c in first]


async def get_customer(db: Database, customer_id: int) -> CustomerRecord:
    async with db.read_session() as s:
        row = (await s.execute(select(Customer.__table__).where(Customer.id == customer_id))).mappings().first()
        if row is None:
            raise NotFound(f"customer {customer_id} does not exist")
        phones = (await s.execute(select(Phone.__table__).where(Phone.customer_id == customer_id))).mappings()
        return rows.customer(row, tuple(rows.phone(p) for p in phones))


async def create_customer(
    db: Database,
    *,
    full_name: str,
    kind: str = "individual",
    phones: list[str] = [],  # noqa: B006 - read only
    email: str | None = None,
    account_number: str | None = None,
    address: str = "",
    region: str = "",
    user_id: int | None = None,
) -> int:
    """Create a customer (and optionally their first account); numbers are normalised or rejected."""
    if not full_name.strip():
        raise ValueError("a customer needs a name")
    normalized = []
    for raw in phones:
        e164 = normalize_phone(raw)
        if e164 is None:
            raise ValueError(f"not a valid phone number: {raw!r}")
        normalized.append((raw, e164))
    async with db.write_session() as s, s.begin():
        if account_number and await s.scalar(select(Account.id).where(Account.number == account_number)):
            raise Conflict(f"account {account_number} already exists")
        customer = Customer(kind=kind, full_name=full_name.strip(), name_key=search_key(full_name), email=email or None)
        s.add(customer)
        await s.flush()
        for i, (raw, e164) in enumerate(dict((e, (r, e)) for r, e in normalized).values()):
            s.add(Phone(customer_id=customer.id, e164=e164, raw=raw, is_primary=(i == 0)))
        if account_number:
            s.add(
                Account(
                    customer_id=customer.id,
                    number=account_number,
                    address=address,
                    address_key=search_key(address),
                    region=region,
                )
            )
        await record_audit(s, user_id, "customer.create", "customer", customer.id, {"full_name": full_name})
        return customer.id


async def link_phone(
    db: Database, customer_id: int, raw: str, *, kind: str = "mobile", user_id: int | None = None
) -> str:
    """Attach a number to a customer (idempotent); returns its E.164 form."""
    e164 = normalize_phone(raw)
    if e164 is None:
        raise ValueError(f"not a valid phone number: {raw!r}")
    async with db.write_session() as s, s.begin():
        if await s.scalar(select(Customer.id).where(Customer.id == customer_id)) is None:
            raise NotFound(f"customer {customer_id} does not exist")
        exists = await s.scalar(select(Phone.id).where(Phone.customer_id == customer_id, Phone.e164 == e164))
        if exists is None:
            s.add(Phone(customer_id=customer_id, e164=e164, raw=raw, kind=kind))
            await record_audit(s, user_id, "customer.link_phone", "customer", customer_id, {"phone": e164})
    return e164


async def update_contacts(
    db: Database,
    customer_id: int,
    *,
    full_name: str | None = None,
    email: str | None = None,
    phones: list[str] | None = None,
    user_id: int | None = None,
) -> CustomerRecord:
    """Edit contact details; the audit entry keeps the old and the new values."""
    async with db.write_session() as s, s.begin():
        customer = await s.get(Customer, customer_id)
        if customer is None:
            raise NotFound(f"customer {customer_id} does not exist")
        changes: dict[str, object] = {}
        if full_name is not None and full_name.strip() and full_name.strip() != customer.full_name:
            changes["full_name"] = [customer.full_name, full_name.strip()]
            customer.full_name = full_name.strip()
            customer.name_key = search_key(full_name)
        if email is not None and (email.strip() or None) != customer.email:
            changes["email"] = [customer.email, email.strip() or None]
            customer.email = email.strip() or None
        if phones is not None:
            wanted: dict[str, str] = {}
            for raw in phones:
                if not raw.strip():
                    continue
                e164 = normalize_phone(raw)
                if e164 is None:
                    raise ValueError(f"not a valid phone number: {raw!r}")
                wanted.setdefault(e164, raw)
            current = set(await s.scalars(select(Phone.e164).where(Phone.customer_id == customer_id)))
            if set(wanted) != current:
                changes["phones"] = [sorted(current), sorted(wanted)]
                await s.execute(delete(Phone).where(Phone.customer_id == customer_id, Phone.e164.not_in(list(wanted))))
                for e164 in wanted.keys() - current:
                    s.add(Phone(customer_id=customer_id, e164=e164, raw=wanted[e164]))
        if changes:
            await record_audit(s, user_id, "customer.update_contacts", "customer", customer_id, changes)
    return await get_customer(db, customer_id)


async def find_customers_by_phone(db: Database, raw: str) -> list[int]:
    e164 = normalize_phone(raw)
    if e164 is None:
        return []
    async with db.read_session() as s:
        return list(await s.scalars(select(Phone.customer_id).where(Phone.e164 == e164).distinct()))


async def find_account(db: Database, number: str) -> tuple[int, int] | None:
    """(account id, customer id) of an account number, or None."""
    async with db.read_session() as s:
        row = (await s.execute(select(Account.id, Account.customer_id).where(Account.number == number.strip()))).first()
        return (row[0], row[1]) if row else None


__all__ = [
    "SearchHit",
    "create_customer",
    "find_account",
    "find_customers_by_phone",
    "get_customer",
    "link_phone",
    "search_customers",
    "update_contacts",
]
