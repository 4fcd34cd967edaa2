"""Turn result rows (mappings) into the frozen records of records.py."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .records import (
    AccountRecord,
    AdjustmentRecord,
    ApplicationRecord,
    CustomerRecord,
    InteractionRecord,
    PaymentRecord,
    PhoneRecord,
    ReadingRecord,
    UserRecord,
)

Row = Mapping[Any, Any]  # a RowMapping (keys: column names or columns)


def phone(r: Row) -> PhoneRecord:
    return PhoneRecord(id=r["id"], e164=r["e164"], kind=r["kind"], is_primary=bool(r["is_primary"]))


def payment(r: Row) -> PaymentRecord:
    return PaymentRecord(
        id=r["id"],
        account_id=r["account_id"],
        paid_at=r["paid_at"],
        amount_kop=r["amount_kop"],
        method=r["method"],
    )


def reading(r: Row) -> ReadingRecord:
    return ReadingRecord(
        id=r["id"],
        account_id=r["account_id"],
        meter=r["meter"],
        taken_at=r["taken_at"],
        value=r["value"],
        source=r["source"],
    )


def adjustment(r: Row) -> AdjustmentRecord:
    return AdjustmentRecord(
        id=r["id"],
        account_id=r["account_id"],
        made_at=r["made_at"],
        amount_kop=r["amount_kop"],
        reason=r["reason"],
    )


def account(r: Row, **history: Any) -> AccountRecord:
    return AccountRecord(
        id=r["id"],
        customer_id=r["customer_id"],
        number=r["number"],
        address=r["address"],
        region=r["region"],
        tariff=r["tariff"],
        balance_kop=r["balance_kop"],
        debt_kop=r["debt_kop"],
        debt_since=r["debt_since"],
        status=r["status"],
        **history,
    )


def application(r: Row) -> ApplicationRecord:
    return ApplicationRecord(
        id=r["id"],
        number=r["number"],
        type=r["type"],
        customer_id=r["customer_id"],
        account_id=r["account_id"],
        channel=r["channel"],
        status=r["status"],
        department_queue=r["department_queue"],
        text=r["text"],
        created_at=r["created_at"],
        due_at=r["due_at"],
        closed_at=r["closed_at"],
        fields=dict(r.get("fields") or {}),
        assigned_to=r.get("assigned_to"),
        escalated_at=r.get("escalated_at"),
    )


_INTERACTION_FIELDS = tuple(InteractionRecord.__dataclass_fields__)


def interaction(r: Row) -> InteractionRecord:
    values = {name: r[name] for name in _INTERACTION_FIELDS}
    values["ivr_path"] = tuple(values["ivr_path"] or ())
    values["self_served"] = bool(values["self_served"])
    values["notes"] = values["notes"] or ""
    return InteractionRecord(**values)


def customer(r: Row, phones: tuple[PhoneRecord, ...] = ()) -> CustomerRecord:
    return CustomerRecord(
        id=r["id"],
        kind=r["kind"],
        full_name=r["full_name"],
        inn=r["inn"],
        email=r["email"],
        vip=bool(r["vip"]),
        language=r["language"],
        paper_bill=bool(r["paper_bill"]),
        phones=phones,
    )


def user(r: Row) -> UserRecord:
    return UserRecord(
        id=r["id"],
        username=r["username"],
        full_name=r["full_name"],
        role=r["role"],
        extension=r["extension"],
        skills=tuple(r["skills"] or ()),
        queues=tuple(r["queues"] or ()),
        language=r["language"],
        active=bool(r["active"]),
        department=r.get("department"),
    )
