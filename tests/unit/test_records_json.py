"""Records as JSON-ready dicts: orjson writes them (crm_store/records.py) exactly as the rules say — every
field in order, nested records as dicts, tuples as lists, datetimes and dates as `isoformat()` writes them.
The reference below is the field walk it replaced."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from crm_store.records import (
    AccountRecord,
    CustomerPop,
    CustomerRecord,
    JsonMixin,
    PaymentRecord,
    PhoneRecord,
)


def reference(value: Any) -> Any:
    if isinstance(value, JsonMixin):
        return {f.name: reference(getattr(value, f.name)) for f in fields(value)}  # type: ignore[arg-type]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [reference(v) for v in value]
    if isinstance(value, dict):
        return {k: reference(v) for k, v in value.items()}
    return value


class Kind(StrEnum):
    PERSON = "person"


@dataclass(frozen=True, slots=True, kw_only=True)
class Mixed(JsonMixin):
    at: datetime | None
    on: date
    kind: str
    extra: dict[str, Any]
    tags: tuple[str, ...]


ZONES = [UTC, ZoneInfo("Europe/Moscow"), timezone(timedelta(hours=5, minutes=30)), None]


@given(
    at=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)),
    zone=st.sampled_from(ZONES),
    on=st.dates(),
    text=st.text(),
    number=st.integers(min_value=-(2**62), max_value=2**62),
)
def test_written_as_the_field_walk_writes_them(at: datetime, zone: Any, on: date, text: str, number: int) -> None:
    when = at.replace(tzinfo=zone) if zone is not None else at
    record = Mixed(
        at=when,
        on=on,
        kind=Kind.PERSON,
        extra={"n": number, "text": text, "when": when, "nested": [on, None, True]},
        tags=(text, "b"),
    )
    assert record.to_json() == reference(record)
    assert Mixed(at=None, on=on, kind="", extra={}, tags=()).to_json() == reference(
        Mixed(at=None, on=on, kind="", extra={}, tags=())
    )


def test_a_pop_with_nested_records_keeps_fields_in_order() -> None:
    paid = datetime(2026, 12, 1, 10, 0, 0, 1234, tzinfo=UTC)
    pop = CustomerPop(
        customer=CustomerRecord(
            id=7,
            kind="person",
            full_name="Иванова Анна",
            inn=None,
            email=None,
            vip=True,
            language="ru",
            paper_bill=False,
            phones=(PhoneRecord(id=1, e164="+79160000001", kind="mobile", is_primary=True),),
        ),
        accounts=(
            AccountRecord(
                id=2,
                customer_id=7,
                number="1234567890",
                address="Москва, ул. Ленина, 1",
                region="77",
                tariff="standard",
                balance_kop=-150000,
                debt_kop=150000,
                debt_since=date(2026, 10, 1),
                status="active",
                payments=(PaymentRecord(id=3, account_id=2, paid_at=paid, amount_kop=150000, method="card"),),
            ),
        ),
        open_applications=(),
        interactions=(),
    )
    out = pop.to_json()
    assert out == reference(pop)
    assert list(out) == ["customer", "accounts", "open_applications", "interactions", "contact_for"]
    assert out["accounts"][0]["payments"][0]["paid_at"] == "2026-12-01T10:00:00.001234+00:00"
    assert out["customer"]["full_name"] == "Иванова Анна"
