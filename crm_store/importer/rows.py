"""One line of the file → the values it gives, or why it is rejected (column, value, reason).

Each row is parsed once, before the database is asked anything: the chunk's look-up keys come from the
parsed rows, and a rejection is a returned tuple, not an exception (a bad file is not an exceptional file).
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from ..lengths import column_limits
from ..models import Account, Customer, Phone
from . import values as V

# What the columns hold, checked here because the import writes with Core statements (no ORM check).
_CUSTOMER = column_limits(Customer.__table__)
_ACCOUNT = column_limits(Account.__table__)
LIMITS = {
    "full_name": _CUSTOMER["full_name"],
    "email": _CUSTOMER["email"],
    "address": _ACCOUNT["address"],
    "region": _ACCOUNT["region"],
    "tariff": _ACCOUNT["tariff"],
}
PHONE_RAW_LIMIT = column_limits(Phone.__table__)["raw"]
MAX_CELL_CHARS = 2000  # longer than any field of a customer or a debt: such a row is rejected, never parsed

CUSTOMER_FIELDS = ("full_name", "account", "phone", "kind", "email", "inn", "address", "region", "tariff", "debt")
DEBT_FIELDS = ("account", "debt", "debt_since", "balance")


class Rejection(NamedTuple):
    column: str
    value: str
    reason: str


class CustomerRow(NamedTuple):
    name: str
    number: str | None
    phones: list[tuple[str, str]]  # (written form, E.164)
    kind: str
    email: str | None
    inn: str | None
    address: str
    region: str
    tariff: str
    debt: int | None
    phone_cell: str


class DebtRow(NamedTuple):
    number: str
    debt: int
    since: date | None
    balance: int | None


def cells(row: list[str], positions: tuple[int, ...]) -> list[str]:
    """The stripped cells at `positions` (-1: the file has no such column), "" past the end of a short row."""
    n = len(row)
    return [row[i].strip() if 0 <= i < n else "" for i in positions]


def _too_long(values: list[str], fields: tuple[str, ...]) -> Rejection:
    index = max(range(len(values)), key=lambda i: len(values[i]))
    return Rejection(
        fields[index], values[index], f"a cell of {len(values[index])} characters (at most {MAX_CELL_CHARS})"
    )


def customer(row: list[str], positions: tuple[int, ...]) -> CustomerRow | Rejection:
    values = cells(row, positions)
    if max(map(len, values)) > MAX_CELL_CHARS:
        return _too_long(values, CUSTOMER_FIELDS)
    name, account, phone, kind_text, email, inn, address, region, tariff, debt_text = values
    if not name:
        return Rejection("full_name", "", "empty name")
    for field_name, value in (
        ("full_name", name),
        ("email", email),
        ("address", address),
        ("region", region),
        ("tariff", tariff),
    ):
        if len(value) > LIMITS[field_name]:
            return Rejection(field_name, value, f"{len(value)} characters; at most {LIMITS[field_name]} fit")
    try:
        number = V.account_number(account) if account else None
    except V.CellError as exc:
        return Rejection("account", account, str(exc))
    try:
        phones = V.phones(phone)
    except V.CellError as exc:
        return Rejection("phone", phone, str(exc))
    for raw, _e164 in phones:
        if len(raw) > PHONE_RAW_LIMIT:
            return Rejection("phone", phone, f"a number written in {len(raw)} characters; at most {PHONE_RAW_LIMIT}")
    if number is None and not phones:
        return Rejection("account", "", "neither an account number nor a phone to identify the customer")
    try:
        kind = V.kind(kind_text)
    except V.CellError as exc:
        return Rejection("kind", kind_text, str(exc))
    if email and ("@" not in email or " " in email):
        return Rejection("email", email, "not an e-mail address")
    if inn and not (inn.isdigit() and len(inn) in (10, 12)):
        return Rejection("inn", inn, "an INN has 10 or 12 digits")
    debt = None
    if debt_text:
        try:
            debt = V.money_kop(debt_text)
        except V.CellError as exc:
            return Rejection("debt", debt_text, str(exc))
    return CustomerRow(name, number, phones, kind, email or None, inn or None, address, region, tariff, debt, phone)


def debt(row: list[str], positions: tuple[int, ...]) -> DebtRow | Rejection:
    values = cells(row, positions)
    if max(map(len, values)) > MAX_CELL_CHARS:
        return _too_long(values, DEBT_FIELDS)
    account, debt_text, since_text, balance_text = values
    try:
        number = V.account_number(account)
    except V.CellError as exc:
        return Rejection("account", account, str(exc))
    try:
        amount = V.money_kop(debt_text)
    except V.CellError as exc:
        return Rejection("debt", debt_text, str(exc))
    since = balance = None
    if since_text:
        try:
            since = V.parse_date(since_text)
        except V.CellError as exc:
            return Rejection("debt_since", since_text, str(exc))
    if balance_text:
        try:
            balance = V.money_kop(balance_text, allow_negative=True)
        except V.CellError as exc:
            return Rejection("balance", balance_text, str(exc))
    return DebtRow(number, amount, since, balance)
