"""Outbound campaigns: the campaign's settings, its list of debtors (built by filters or from a file), control.

Repositories return plain dataclasses. The dialer's own state of each debtor lives on `campaign_targets`;
attempts, dispositions, promises, do-not-call and reminders are in campaign_calls.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError

from .db import Database
from .errors import Conflict, NotFound
from .models import Account, Campaign, CampaignTarget, Customer, Phone, Promise
from .records import JsonMixin

STATUSES = ("draft", "running", "paused", "finished")
# Which control moves a campaign from which status (stop is final: a stopped campaign's list is history).
MOVES: dict[str, tuple[tuple[str, ...], str]] = {
    "start": (("draft",), "running"),
    "pause": (("running",), "paused"),
    "resume": (("paused",), "running"),
    "stop": (("draft", "running", "paused"), "finished"),
}
# The settings a supervisor may change while the campaign runs.
LIVE_SETTINGS = frozenset(
    {
        "dial_level",
        "abandon_cap_pct",
        "max_attempts",
        "retry_minutes",
        "window_start",
        "window_end",
        "dayoff_start",
        "dayoff_end",
        "rule_set",
        "pacing",
        "preview_seconds",
        "preview_on_timeout",
        "ends_on",
        "caller_id",
    }
)
MAX_LIST = 100_000


@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignRecord(JsonMixin):
    id: int
    name: str
    queue: str
    pacing: str
    status: str
    window_start: str
    window_end: str
    dayoff_start: str
    dayoff_end: str
    max_attempts: int
    retry_minutes: int
    abandon_cap_pct: int
    rule_set: str
    number_order: tuple[str, ...]
    caller_id: str
    creditor: str
    starts_on: date | None
    ends_on: date | None
    dial_level: int
    preview_seconds: int
    preview_on_timeout: str
    source: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class ListFilter:
    """Who goes on a list built from the database. `segment`: individual | organisation | vip."""

    min_debt_kop: int = 1
    min_days_overdue: int = 0
    segment: str | None = None
    region: str | None = None
    no_pending_promise: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "min_debt_kop": self.min_debt_kop,
            "min_days_overdue": self.min_days_overdue,
            "segment": self.segment,
            "region": self.region,
            "no_pending_promise": self.no_pending_promise,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class RowProblem(JsonMixin):
    row: int
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ListBuilt(JsonMixin):
    added: int
    problems: tuple[RowProblem, ...] = ()


def _record(c: Campaign) -> CampaignRecord:
    return CampaignRecord(
        id=c.id,
        name=c.name,
        queue=c.queue,
        pacing=c.pacing,
        status=c.status,
        window_start=c.window_start,
        window_end=c.window_end,
        dayoff_start=c.dayoff_start,
        dayoff_end=c.dayoff_end,
        max_attempts=c.max_attempts,
        retry_minutes=c.retry_minutes,
        abandon_cap_pct=c.abandon_cap_pct,
        rule_set=c.rule_set,
        number_order=tuple(c.number_order or ()),
        caller_id=c.caller_id,
        creditor=c.creditor,
        starts_on=c.starts_on,
        ends_on=c.ends_on,
        dial_level=c.dial_level,
        preview_seconds=c.preview_seconds,
        preview_on_timeout=c.preview_on_timeout,
        source=dict(c.source or {}),
    )


async def create_campaign(db: Database, *, by_user_id: int | None = None, **settings: Any) -> CampaignRecord:
    """A draft campaign; `settings` are Campaign's columns (checked by dialer/settings.py before this)."""
    try:
        async with db.write_session() as s, s.begin():
            row = Campaign(status="draft", created_by=by_user_id, **settings)
            s.add(row)
            await s.flush()
            return _record(row)
    except IntegrityError:
        raise Conflict(f"a campaign named {settings.get('name')!r} exists already") from None


async def get_campaign(db: Database, campaign_id: int) -> CampaignRecord:
    async with db.read_session() as s:
        row = await s.get(Campaign, campaign_id)
        if row is None:
            raise NotFound(f"no campaign {campaign_id}")
        return _record(row)


async def list_campaigns(db: Database) -> list[CampaignRecord]:
    async with db.read_session() as s:
        return [_record(c) for c in await s.scalars(select(Campaign).order_by(Campaign.id.desc()))]


async def running_campaigns(db: Database) -> list[CampaignRecord]:
    async with db.read_session() as s:
        rows = await s.scalars(select(Campaign).where(Campaign.status == "running").order_by(Campaign.id))
        return [_record(c) for c in rows]


async def change_settings(db: Database, campaign_id: int, changes: dict[str, Any]) -> CampaignRecord:
    unknown = set(changes) - LIVE_SETTINGS
    if unknown:
        raise ValueError(f"these settings cannot be changed: {', '.join(sorted(unknown))}")
    async with db.write_session() as s, s.begin():
        row = await s.get(Campaign, campaign_id)
        if row is None:
            raise NotFound(f"no campaign {campaign_id}")
        for key, value in changes.items():
            setattr(row, key, value)
        return _record(row)


async def move(db: Database, campaign_id: int, control: str) -> CampaignRecord:
    """start / pause / resume / stop; a move from the wrong status is a Conflict."""
    if control not in MOVES:
        raise ValueError(f"unknown campaign control {control!r}")
    allowed_from, to = MOVES[control]
    async with db.write_session() as s, s.begin():
        row = await s.get(Campaign, campaign_id)
        if row is None:
            raise NotFound(f"no campaign {campaign_id}")
        if row.status not in allowed_from:
            raise Conflict(f"a {row.status} campaign cannot {control}")
        row.status = to
        return _record(row)


# ------------------------------------------------------------------ the list


def _first_phones(rows: list[tuple[int, str, str, bool]], order: tuple[str, ...]) -> dict[int, str]:
    rank = {kind: i for i, kind in enumerate(order)}
    best: dict[int, tuple[tuple[int, bool], str]] = {}
    for customer_id, e164, kind, primary in rows:
        key = (rank.get(kind, len(order)), not primary)
        if customer_id not in best or key < best[customer_id][0]:
            best[customer_id] = (key, e164)
    return {cid: e164 for cid, (_, e164) in best.items()}


async def _add_targets(
    db: Database, campaign_id: int, accounts: list[tuple[int, int, str, int]], order: tuple[str, ...]
) -> int:
    """(account id, customer id, region, debt) → targets; accounts already on the list or with no phone skipped."""
    if not accounts:
        return 0
    async with db.write_session() as s, s.begin():
        customer_ids = sorted({a[1] for a in accounts})
        phones: list[tuple[int, str, str, bool]] = []
        for chunk in range(0, len(customer_ids), 500):
            part = customer_ids[chunk : chunk + 500]
            found = await s.execute(
                select(Phone.customer_id, Phone.e164, Phone.kind, Phone.is_primary).where(Phone.customer_id.in_(part))
            )
            phones.extend((r[0], r[1], r[2], r[3]) for r in found)
        first = _first_phones(phones, order)
        already = set(
            await s.scalars(select(CampaignTarget.account_id).where(CampaignTarget.campaign_id == campaign_id))
        )
        added = 0
        for account_id, customer_id, region, debt in accounts:
            if account_id in already or customer_id not in first:
                continue
            already.add(account_id)
            s.add(
                CampaignTarget(
                    campaign_id=campaign_id,
                    customer_id=customer_id,
                    account_id=account_id,
                    phone=first[customer_id],
                    status="pending",
                    attempts=0,
                    region=region or "",
                    debt_kop=debt,
                )
            )
            added += 1
        return added


async def build_list(db: Database, campaign_id: int, filters: ListFilter, today: date) -> ListBuilt:
    """Add every account that matches `filters` (and has a phone) to the campaign's list."""
    campaign = await get_campaign(db, campaign_id)
    q = (
        select(Account.id, Account.customer_id, Account.region, Account.debt_kop)
        .join(Customer, Customer.id == Account.customer_id)
        .where(Account.debt_kop >= max(1, filters.min_debt_kop), Account.status != "closed")
    )
    if filters.min_days_overdue > 0:
        q = q.where(Account.debt_since <= today - timedelta(days=filters.min_days_overdue))
    if filters.region:
        # SQLite's lower() knows only ASCII: the store's spellings of the region are compared in Python.
        wanted = filters.region.strip().casefold()
        async with db.read_session() as s:
            known = await s.scalars(select(Account.region).distinct())
            spellings = [r for r in known if r and r.strip().casefold() == wanted]
        q = q.where(Account.region.in_(spellings))
    if filters.segment == "vip":
        q = q.where(Customer.vip.is_(True))
    elif filters.segment:
        q = q.where(Customer.kind == filters.segment)
    if filters.no_pending_promise:
        q = q.where(
            ~exists().where(
                Promise.customer_id == Account.customer_id, Promise.status == "pending", Promise.promised_on >= today
            )
        )
    async with db.read_session() as s:
        rows = [(r[0], r[1], r[2], r[3]) for r in await s.execute(q.order_by(Account.debt_kop.desc()).limit(MAX_LIST))]
    added = await _add_targets(db, campaign_id, rows, campaign.number_order or ("mobile", "home", "work", "other"))
    await _note_source(db, campaign_id, {"filters": filters.to_json()})
    return ListBuilt(added=added)


async def import_list(db: Database, campaign_id: int, path: Path, *, file_name: str) -> ListBuilt:
    """Add the accounts named in a CSV or Excel file (a column of account numbers); bad rows reported."""
    from .importer.headers import map_header
    from .importer.tables import read_table

    campaign = await get_campaign(db, campaign_id)
    table = read_table(path)
    columns = map_header(table.header, {}, ("account",))
    wanted: list[tuple[int, str]] = []
    problems: list[RowProblem] = []
    for number, cells in table.rows:
        value = cells[columns["account"]].strip() if columns["account"] < len(cells) else ""
        if not value:
            problems.append(RowProblem(row=number, message="no account number"))
        else:
            wanted.append((number, value[:32]))
    async with db.read_session() as s:
        found: dict[str, tuple[int, int, str, int, str]] = {}
        numbers = sorted({w[1] for w in wanted})
        for chunk in range(0, len(numbers), 500):
            part = numbers[chunk : chunk + 500]
            for r in await s.execute(
                select(
                    Account.number, Account.id, Account.customer_id, Account.region, Account.debt_kop, Account.status
                ).where(Account.number.in_(part))
            ):
                found[r[0]] = (r[1], r[2], r[3], r[4], r[5])
    rows: list[tuple[int, int, str, int]] = []
    for number, account in wanted:
        hit = found.get(account)
        if hit is None:
            problems.append(RowProblem(row=number, message=f"no account {account}"))
        elif hit[3] <= 0:
            problems.append(RowProblem(row=number, message=f"account {account} has no debt"))
        else:
            rows.append(hit[:4])
    added = await _add_targets(db, campaign_id, rows, campaign.number_order or ("mobile", "home", "work", "other"))
    await _note_source(db, campaign_id, {"file": file_name[:200], "rows": len(wanted) + len(problems)})
    return ListBuilt(added=added, problems=tuple(problems[:500]))


async def _note_source(db: Database, campaign_id: int, source: dict[str, Any]) -> None:
    async with db.write_session() as s, s.begin():
        await s.execute(update(Campaign).where(Campaign.id == campaign_id).values(source=source))
