"""Believable demo data, deterministic for a seed and an as-of date, fast enough for a million customers.

Rows are built as plain dicts with ids chosen here and inserted with executemany in batches, so no
statement waits for a generated key. `generate` only adds: it starts after the highest existing ids.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from . import demo_names as W
from .applications import application_number
from .db import Database
from .models import (
    Account,
    Adjustment,
    Application,
    ApplicationStatusChange,
    ContactPerson,
    Customer,
    Interaction,
    MeterReading,
    Payment,
    Phone,
    Queue,
)
from .phones import normalize_phone
from .text import search_key

BATCH = 10_000
_TABLE_NAMES = (
    "customers",
    "phones",
    "contact_persons",
    "accounts",
    "payments",
    "meter_readings",
    "adjustments",
    "interactions",
    "applications",
    "application_status_history",
)

CALL_QUEUES = {
    "support": "Общие вопросы",
    "billing": "Начисления и оплата",
    "debt": "Задолженность",
    "vip": "VIP-клиенты",
    "business": "Юридические лица",
    "meter": "Показания счётчиков",
}
DEPARTMENTS = {
    "dept_metering": "Отдел учёта",
    "dept_billing": "Расчётный отдел",
    "dept_debt": "Работа с задолженностью",
    "dept_quality": "Отдел качества",
    "dept_field": "Выездная служба",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoSpec:
    customers: int
    seed: int = 1
    as_of: date | None = None
    interactions_per_customer: float = 3.0
    months: int = 24


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoSummary:
    customers: int
    phones: int
    accounts: int
    payments: int
    readings: int
    interactions: int
    applications: int


def _written_forms(e164: str, rng: random.Random) -> str:
    """The number as people write it: `8 (495) 123-45-67`, `+7 916 1234567`, `9161234567`…"""
    n = e164[2:]
    code, rest = (n[:4], n[4:]) if n.startswith("4012") or n.startswith("4967") else (n[:3], n[3:])
    style = _r(rng, 0, 5)
    if style == 0:
        return f"8 ({code}) {rest[:-4]}-{rest[-4:-2]}-{rest[-2:]}"
    if style == 1:
        return f"+7 {code} {rest}"
    if style == 2:
        return n
    if style == 3:
        return f"8-{code}-{rest[:-4]}-{rest[-4:-2]}-{rest[-2:]}"
    return f"+7({code}){rest}"


def _r(rng: random.Random, low: int, high: int) -> int:
    """rng.randrange(low, high), five times cheaper: demo data needs spread, not exact uniformity."""
    return low + int(rng.random() * (high - low))


class _Ids:
    def __init__(self, start: dict[str, int]) -> None:
        self._next = dict(start)

    def take(self, table: str) -> int:
        self._next[table] += 1
        return self._next[table]


def _person(rng: random.Random) -> str:
    male = rng.random() < 0.48
    surname = rng.choice(W.SURNAMES)
    stem = rng.choice(W.PATRONYMIC_STEMS)
    if male:
        return f"{surname} {rng.choice(W.MALE_FIRST)} {stem}ич"
    return f"{surname}а {rng.choice(W.FEMALE_FIRST)} {stem}на"


def _phone(rng: random.Random, region: tuple[str, str, tuple[str, ...], str]) -> tuple[str, str]:
    """A valid Russian number (phonenumbers' ranges: some 9xx prefixes are unassigned), mobile or landline."""
    while True:
        if rng.random() < 0.7:
            e164, kind = "+79" + f"{_r(rng, 0, 10**9):09d}"[:9], "mobile"
        else:
            code = rng.choice(region[2])
            digits = 10 - len(code)
            first = str(_r(rng, 2, 10))
            e164, kind = "+7" + code + first + f"{_r(rng, 0, 10 ** (digits - 1)):0{digits - 1}d}", "home"
        if normalize_phone(e164) == e164:
            return e164, kind


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(_r(rng, 6, 21), _r(rng, 0, 60), _r(rng, 0, 60)), tzinfo=UTC)


class _Generator:
    def __init__(self, spec: DemoSpec, ids: _Ids, today: date) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed)
        self.ids = ids
        self.today = today
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.counts: dict[str, int] = dict.fromkeys(_TABLE_NAMES, 0)

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.rows.setdefault(table, []).append(row)
        self.counts[table] += 1

    def customer(self) -> None:
        rng = self.rng
        region = rng.choice(W.REGIONS)
        org = rng.random() < 0.08
        cid = self.ids.take("customers")
        name = (
            f"{rng.choice(W.ORG_FORMS)} «{rng.choice(W.ORG_WORDS)}"
            f"{'-' + str(_r(rng, 1, 99)) if rng.random() < 0.5 else ''}»"
            if org
            else _person(rng)
        )
        created = _at(self.today - timedelta(days=_r(rng, 730, 3650)), rng)
        self.add(
            "customers",
            dict(
                id=cid,
                kind="organisation" if org else "individual",
                full_name=name,
                name_key=search_key(name),
                inn=f"{_r(rng, 10**9, 10**10)}" if org else None,
                email=f"client{cid}@example.ru" if rng.random() < 0.4 else None,
                vip=rng.random() < 0.01,
                language="ru",
                paper_bill=rng.random() < 0.6,
                notes="",
                created_at=created,
                updated_at=created,
            ),
        )
        for i in range(1 if rng.random() < 0.7 else 2):
            e164, kind = _phone(rng, region)
            self.add(
                "phones",
                dict(
                    id=self.ids.take("phones"),
                    customer_id=cid,
                    e164=e164,
                    kind=kind,
                    raw=_written_forms(e164, rng),
                    is_primary=i == 0,
                ),
            )
        if org:
            for _ in range(_r(rng, 1, 3)):
                e164, _kind = _phone(rng, region)
                self.add(
                    "contact_persons",
                    dict(
                        id=self.ids.take("contact_persons"),
                        customer_id=cid,
                        full_name=_person(rng),
                        position=rng.choice(W.POSITIONS),
                        phone=e164,
                        email=None,
                    ),
                )
        accounts = _r(rng, 1, 4) if org else (1 if rng.random() < 0.95 else 2)
        account_ids = [self.account(cid, region) for _ in range(accounts)]
        self.history(cid, account_ids)

    def account(self, cid: int, region: tuple[str, str, tuple[str, ...], str]) -> int:
        rng = self.rng
        aid = self.ids.take("accounts")
        address = f"{region[1]}, {rng.choice(W.STREETS)}, д. {_r(rng, 1, 150)}, кв. {_r(rng, 1, 300)}"
        debtor = rng.random() < 0.15
        debt = _r(rng, 50_000, 5_000_000) if debtor else 0
        months = self.spec.months
        self.add(
            "accounts",
            dict(
                id=aid,
                customer_id=cid,
                number=f"{aid:010d}",
                address=address,
                address_key=search_key(address),
                region=region[0],
                tariff=rng.choice(W.TARIFFS),
                balance_kop=-debt if debtor else _r(rng, 0, 300_000),
                debt_kop=debt,
                debt_since=self.today - timedelta(days=_r(rng, 35, 400)) if debtor else None,
                status="active" if rng.random() < 0.97 else "disconnected",
                opened_on=self.today - timedelta(days=_r(rng, 800, 5000)),
            ),
        )
        day = self.today - timedelta(days=30 * months)
        reading = _r(rng, 1000, 50000)
        while day < self.today:
            day += timedelta(days=_r(rng, 25, 80))
            if day >= self.today:
                break
            if not debtor or rng.random() < 0.6:
                self.add(
                    "payments",
                    dict(
                        id=self.ids.take("payments"),
                        account_id=aid,
                        paid_at=_at(day, rng),
                        amount_kop=_r(rng, 50_000, 800_000),
                        method=rng.choice(W.PAYMENT_METHODS),
                    ),
                )
            reading += _r(rng, 80, 600)
            self.add(
                "meter_readings",
                dict(
                    id=self.ids.take("meter_readings"),
                    account_id=aid,
                    meter="electricity",
                    taken_at=_at(day - timedelta(days=_r(rng, 0, 5)), rng),
                    value=reading,
                    source=rng.choice(("customer", "ivr", "operator", "web")),
                ),
            )
        if rng.random() < 0.1:
            self.add(
                "adjustments",
                dict(
                    id=self.ids.take("adjustments"),
                    account_id=aid,
                    made_at=_at(self.today - timedelta(days=_r(rng, 1, 700)), rng),
                    amount_kop=_r(rng, -200_000, 100_000),
                    reason="Перерасчёт по показаниям",
                ),
            )
        return aid

    def history(self, cid: int, account_ids: list[int]) -> None:
        rng = self.rng
        mean = self.spec.interactions_per_customer
        count = int(mean) + (1 if rng.random() < mean - int(mean) else 0)
        for _ in range(count):
            iid = self.ids.take("interactions")
            offered = _at(self.today - timedelta(days=_r(rng, 1, 30 * self.spec.months)), rng)
            abandoned = rng.random() < 0.08
            wait = _r(rng, 3, 240)
            talk = None if abandoned else _r(rng, 30, 900)
            answered = None if abandoned else offered + timedelta(seconds=wait)
            ended = offered + timedelta(seconds=wait + (talk or 0))
            self.add(
                "interactions",
                dict(
                    id=iid,
                    call_id=f"demo-{iid}",
                    customer_id=cid,
                    account_id=rng.choice(account_ids),
                    direction="inbound" if rng.random() < 0.85 else "outbound",
                    channel="phone",
                    caller_number=None,
                    called_number="+74950000000",
                    queue=rng.choice(list(CALL_QUEUES)),
                    agent_id=None,
                    agent_interface=None,
                    state="ended",
                    outcome="abandoned" if abandoned else "answered",
                    offered_at=offered,
                    answered_at=answered,
                    ended_at=ended,
                    wait_seconds=wait,
                    talk_seconds=talk,
                    ivr_path=[],
                    ivr_identified=None,
                    self_served=False,
                    routing_queue=None,
                    routing_reason=None,
                    transferred_to=None,
                    topic=None if abandoned else rng.choice(W.TOPICS),
                    result=None if abandoned else rng.choice(W.RESULTS),
                    notes="",
                    wrapped_up_at=None if abandoned else ended,
                    callback_status="done" if abandoned else None,
                    campaign_attempt_id=None,
                ),
            )
        if rng.random() < 0.1:
            app_id = self.ids.take("applications")
            created = _at(self.today - timedelta(days=_r(rng, 1, 120)), rng)
            status = rng.choice(("new", "in_progress", "waiting_customer", "resolved", "resolved", "rejected"))
            self.add(
                "applications",
                dict(
                    id=app_id,
                    number=application_number(created.year, app_id),
                    type=rng.choice(W.APPLICATION_TYPES),
                    customer_id=cid,
                    account_id=account_ids[0],
                    channel=rng.choice(("phone", "web", "email", "ivr")),
                    status=status,
                    department_queue=rng.choice(list(DEPARTMENTS)),
                    text="Заявка клиента (демо)",
                    created_at=created,
                    due_at=created + timedelta(days=_r(rng, 3, 30)),
                    closed_at=created + timedelta(days=2) if status in ("resolved", "rejected") else None,
                    created_by=None,
                ),
            )
            self.add(
                "application_status_history",
                dict(
                    id=self.ids.take("application_status_history"),
                    application_id=app_id,
                    status="new",
                    at=created,
                    by_user_id=None,
                    comment="",
                ),
            )
            if status != "new":
                self.add(
                    "application_status_history",
                    dict(
                        id=self.ids.take("application_status_history"),
                        application_id=app_id,
                        status=status,
                        at=created + timedelta(days=1),
                        by_user_id=None,
                        comment="",
                    ),
                )


_TABLES: dict[str, Table] = {
    m.__tablename__: m.__table__  # type: ignore[misc]
    for m in (
        Customer,
        Phone,
        ContactPerson,
        Account,
        Payment,
        MeterReading,
        Adjustment,
        Interaction,
        Application,
        ApplicationStatusChange,
    )
}
_ORDER = tuple(_TABLES)  # parents before children


def _sqlite_datetime(value: datetime) -> str:
    # SQLAlchemy's SQLite storage format (naive UTC, microseconds) without its per-value type processing,
    # which costs more than generating the row.
    text = value.astimezone(UTC).isoformat(" ")[:-6]  # drop "+00:00"
    return text if len(text) > 19 else text + ".000000"


def _converter(sample: Any) -> Callable[[Any], Any] | None:
    if isinstance(sample, datetime):
        return lambda v: None if v is None else _sqlite_datetime(v)
    if isinstance(sample, date):
        return lambda v: None if v is None else v.isoformat()
    if isinstance(sample, list | dict):
        return lambda v: json.dumps(v, ensure_ascii=False)
    return None


async def _insert_sqlite(conn: AsyncConnection, table: Table, batch: list[dict[str, Any]]) -> None:
    names = list(batch[0])
    converters = []
    for n in names:
        sample = next((row[n] for row in batch if row[n] is not None), None)
        converters.append(_converter(sample))
    plain = all(c is None for c in converters)
    if plain:
        values = [tuple(row.values()) for row in batch]
    else:
        values = [
            tuple(v if c is None else c(v) for v, c in zip(row.values(), converters, strict=False)) for row in batch
        ]
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    raw = await conn.get_raw_connection()
    await raw.driver_connection.executemany(sql, values)  # type: ignore[union-attr]


async def _write(conn: AsyncConnection, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Write every table's rows, parents first."""
    for name in _ORDER:
        batch = rows.get(name)
        if batch:
            if conn.dialect.name == "sqlite":
                await _insert_sqlite(conn, _TABLES[name], batch)
            else:
                await conn.execute(insert(_TABLES[name]), batch)
            rows[name] = []


async def _advance_sequences(conn: AsyncConnection) -> None:
    """Rows written with explicit ids leave PostgreSQL's id sequences behind: without this, the next customer
    or call card created the ordinary way would collide with a demo row."""
    for table in _TABLES.values():
        await conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), coalesce(max(id), 1), "
                f"max(id) IS NOT NULL) FROM {table.name}"
            )
        )


async def ensure_queues(db: Database) -> None:
    async with db.write_session() as s, s.begin():
        existing = set(await s.scalars(select(Queue.name)))
        for name, title in CALL_QUEUES.items():
            if name not in existing:
                s.add(Queue(name=name, title=title, kind="call"))
        for name, title in DEPARTMENTS.items():
            if name not in existing:
                s.add(Queue(name=name, title=title, kind="department"))


async def generate(db: Database, spec: DemoSpec, progress: Callable[[int], None] | None = None) -> DemoSummary:
    """Add `spec.customers` customers with two years of history; returns what was written."""
    today = spec.as_of or datetime.now(UTC).date()
    await ensure_queues(db)
    async with db.writer.begin() as conn:
        start = {}
        for name, table in _TABLES.items():
            start[name] = (await conn.scalar(select(func.coalesce(func.max(table.c.id), 0)))) or 0
        gen = _Generator(spec, _Ids(start), today)
        for i in range(spec.customers):
            gen.customer()
            if i % 1000 == 999 and any(len(batch) >= BATCH for batch in gen.rows.values()):
                await _write(conn, gen.rows)
                gen.rows = {}
            if progress and i % 50_000 == 49_999:
                progress(i + 1)
        await _write(conn, gen.rows)
        if conn.dialect.name == "postgresql":
            await _advance_sequences(conn)
    counted = gen.counts
    return DemoSummary(
        customers=counted["customers"],
        phones=counted["phones"],
        accounts=counted["accounts"],
        payments=counted["payments"],
        readings=counted["meter_readings"],
        interactions=counted["interactions"],
        applications=counted["applications"],
    )


async def is_empty(db: Database) -> bool:
    async with db.read_session() as s:
        return (await s.scalar(select(Customer.id).limit(1))) is None
