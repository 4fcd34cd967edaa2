"""Call cards (interactions): opened at a call's first event, completed as it goes on, wrapped up by people."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from . import rows
from .audit import record_audit
from .base import utcnow
from .db import Database
from .errors import NotFound
from .models import Customer, Interaction, Phone
from .records import InteractionRecord, KeepFirst
from .vocabulary import CallbackStatus, Direction

# Fields the telephony side may set as a call goes on (never the operator's topic/result/notes).
CALL_FIELDS = frozenset(
    {
        "customer_id",
        "account_id",
        "queue",
        "agent_id",
        "agent_interface",
        "state",
        "outcome",
        "answered_at",
        "ended_at",
        "wait_seconds",
        "talk_seconds",
        "ivr_path",
        "ivr_identified",
        "self_served",
        "routing_queue",
        "routing_reason",
        "transferred_to",
        "callback_status",
        "caller_number",
        "called_number",
        "direction",
        "channel",
        "campaign_attempt_id",
    }
)
WRAP_UP_FIELDS = frozenset({"topic", "result", "notes", "customer_id", "account_id", "callback_status"})


def _insert(db: Database) -> Any:
    return (sqlite.insert if db.is_sqlite else postgresql.insert)(Interaction)


async def open_call_card(
    db: Database,
    *,
    call_id: str,
    offered_at: datetime,
    direction: str = Direction.INBOUND.value,
    channel: str = "phone",
    caller_number: str | None = None,
    called_number: str | None = None,
    queue: str | None = None,
    customer_id: int | None = None,
    state: str = "offered",
    session: AsyncSession | None = None,
) -> int:
    """Register the card of call `call_id`; a second call for the same id returns the same card."""
    stmt = (
        _insert(db)
        .values(
            call_id=call_id,
            offered_at=offered_at,
            direction=direction,
            channel=channel,
            caller_number=caller_number,
            called_number=called_number,
            queue=queue,
            customer_id=customer_id,
            state=state,
            ivr_path=[],
            notes="",
            self_served=False,
        )
        .on_conflict_do_nothing(index_elements=["call_id"])
    )
    if session is not None:
        await session.execute(stmt)
        return int(await session.scalar(select(Interaction.id).where(Interaction.call_id == call_id)))  # type: ignore[arg-type]
    async with db.write_session() as s, s.begin():
        await s.execute(stmt)
        return int(await s.scalar(select(Interaction.id).where(Interaction.call_id == call_id)))  # type: ignore[arg-type]


async def update_call_card(
    db: Database, call_id: str, changes: Mapping[str, Any], session: AsyncSession | None = None
) -> None:
    """Apply what the telephony side learned about a call; unknown fields are a programming error."""
    unknown = set(changes) - CALL_FIELDS
    if unknown:
        raise ValueError(f"not call-card fields: {sorted(unknown)}")
    if not changes:
        return
    stmt = update(Interaction).where(Interaction.call_id == call_id).values(**changes)
    if session is not None:
        await session.execute(stmt)
        return
    async with db.write_session() as s, s.begin():
        await s.execute(stmt)


async def get_call_card(
    db: Database, *, interaction_id: int | None = None, call_id: str | None = None
) -> InteractionRecord:
    cond = Interaction.id == interaction_id if interaction_id is not None else Interaction.call_id == call_id
    async with db.read_session() as s:
        row = (await s.execute(select(Interaction.__table__).where(cond))).mappings().first()
    if row is None:
        raise NotFound(f"call card {interaction_id or call_id} does not exist")
    return rows.interaction(row)


async def wrap_up(
    db: Database, interaction_id: int, changes: Mapping[str, Any], *, user_id: int | None
) -> InteractionRecord:
    """The operator's part of the card: topic, result, notes (and the customer they chose)."""
    unknown = set(changes) - WRAP_UP_FIELDS
    if unknown:
        raise ValueError(f"not editable on a call card: {sorted(unknown)}")
    async with db.write_session() as s, s.begin():
        card = await s.get(Interaction, interaction_id)
        if card is None:
            raise NotFound(f"call card {interaction_id} does not exist")
        for key, value in changes.items():
            setattr(card, key, value)
        card.wrapped_up_at = utcnow()
        await record_audit(s, user_id, "call_card.wrap_up", "interaction", interaction_id, dict(changes))
    return await get_call_card(db, interaction_id=interaction_id)


async def pending_callbacks(db: Database, limit: int = 100) -> list[InteractionRecord]:
    """Calls nobody answered and nobody has called back yet, oldest first."""
    async with db.read_session() as s:
        result = await s.execute(
            select(Interaction.__table__)
            .where(Interaction.callback_status == CallbackStatus.PENDING.value)
            .order_by(Interaction.offered_at)
            .limit(limit)
        )
        return [rows.interaction(r) for r in result.mappings()]


async def claim_callback(db: Database, interaction_id: int) -> bool:
    """Take a missed call off the call-back list for the one operator calling back: False when someone else
    already has (two clicks at once dial the customer once)."""
    async with db.write_session() as s, s.begin():
        result = await s.execute(
            update(Interaction)
            .where(Interaction.id == interaction_id, Interaction.callback_status == CallbackStatus.PENDING.value)
            .values(callback_status=CallbackStatus.DONE.value)
        )
        return bool(getattr(result, "rowcount", 0))


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingCallback:
    card: InteractionRecord
    customer_name: str | None


async def callback_page(
    db: Database,
    *,
    queues: Sequence[str] | None,
    before: tuple[datetime, int] | None = None,
    limit: int = 50,
) -> list[PendingCallback]:
    """One page of the call-back list, newest first: the missed calls of `queues` (None: of every queue,
    and those that reached no queue) older than the cursor `before` = (offered_at, card id)."""
    card = Interaction.__table__
    stmt = (
        select(card, Customer.full_name.label("customer_name"))
        .outerjoin(Customer, Customer.id == card.c.customer_id)
        .where(card.c.callback_status == CallbackStatus.PENDING.value)
        .order_by(card.c.offered_at.desc(), card.c.id.desc())
        .limit(limit)
    )
    if queues is not None:
        stmt = stmt.where(card.c.queue.in_(list(queues)))
    if before is not None:
        at, card_id = before
        stmt = stmt.where(or_(card.c.offered_at < at, and_(card.c.offered_at == at, card.c.id < card_id)))
    async with db.read_session() as s:
        found = (await s.execute(stmt)).mappings().all()
    return [PendingCallback(card=rows.interaction(r), customer_name=r["customer_name"]) for r in found]


async def recent_cards(db: Database, *, agent_id: int | None = None, limit: int = 50) -> list[InteractionRecord]:
    stmt = select(Interaction.__table__).order_by(Interaction.offered_at.desc()).limit(limit)
    if agent_id is not None:
        stmt = stmt.where(Interaction.agent_id == agent_id)
    async with db.read_session() as s:
        return [rows.interaction(r) for r in (await s.execute(stmt)).mappings()]


_CARDS_FOR_CALLS = select(Interaction.__table__).where(Interaction.call_id.in_(bindparam("ids", expanding=True)))


async def cards_for_calls(db: Database, call_ids: list[str]) -> list[InteractionRecord]:
    """The cards of these calls. A read unit on the reader's thread: an async session ran its result
    handling on the event loop, and this is read after every batch of card writes."""
    if not call_ids:
        return []

    def read(conn: Connection) -> list[InteractionRecord]:
        return [rows.interaction(r) for r in conn.execute(_CARDS_FOR_CALLS, {"ids": call_ids}).mappings()]

    return await db.run_read(read)


@dataclass(frozen=True, slots=True, kw_only=True)
class CallCardUpdate:
    """One step of a call's card as the telephony side learns it, for `apply_call_card_updates`."""

    call_id: str
    open: Mapping[str, Any] | None = None  # register the card with these values (idempotent)
    fields: Mapping[str, Any] = field(default_factory=dict)
    identify_caller: bool = False  # link the customer whose phone is the caller's (when exactly one)


_OPEN_COLUMNS = (
    "call_id",
    "offered_at",
    "direction",
    "channel",
    "caller_number",
    "called_number",
    "queue",
    "customer_id",
    "state",
    "ivr_path",
    "notes",
    "self_served",
)
_OPEN_DEFAULTS = {
    "state": "offered",
    "channel": "phone",
    "direction": Direction.INBOUND.value,
    "ivr_path": [],
    "notes": "",
    "self_served": False,
    "caller_number": None,
    "called_number": None,
    "queue": None,
    "customer_id": None,
}
_OWNERS = select(Phone.customer_id).where(Phone.e164 == bindparam("e164")).distinct().limit(2)
_UPDATES: dict[tuple[tuple[str, ...], frozenset[str]], Any] = {}


def _open_statement(dialect: str) -> Any:
    insert_ = sqlite.insert if dialect == "sqlite" else postgresql.insert
    return (
        insert_(Interaction)
        .values({c: bindparam(c) for c in _OPEN_COLUMNS})
        .on_conflict_do_nothing(index_elements=["call_id"])
    )


_OPEN_BY_DIALECT: dict[str, Any] = {}


def _update_statement(fields: tuple[str, ...], keep_first: frozenset[str]) -> Any:
    statement = _UPDATES.get((fields, keep_first))
    if statement is None:
        statement = (
            update(Interaction)
            .where(Interaction.call_id == bindparam("u_call_id"))
            .values(
                {
                    f: func.coalesce(getattr(Interaction, f), bindparam(f"u_{f}"))
                    if f in keep_first
                    else bindparam(f"u_{f}")
                    for f in fields
                }
            )
        )
        _UPDATES[(fields, keep_first)] = statement
    return statement


def _merge(into: dict[str, Any], fields: Mapping[str, Any]) -> None:
    """One more step of a call in order: a later value wins, but a `KeepFirst` never replaces a value."""
    for name, value in fields.items():
        if isinstance(value, KeepFirst) and name in into:
            continue
        into[name] = value


def apply_call_card_updates_sync(conn: Connection, updates: list[CallCardUpdate]) -> None:
    """Apply the steps as if one by one, with few statements: the cards to open in one executemany, then
    each call's steps merged (later values win, as they would applied in order) and grouped by the
    fields they set. Statements are built once; building them per step cost more than running them."""
    opens: dict[str, dict[str, Any]] = {}
    merged: dict[str, dict[str, Any]] = {}
    for u in updates:
        unknown = set(u.fields) - CALL_FIELDS
        if unknown:
            raise ValueError(f"not call-card fields: {sorted(unknown)}")
        if u.open is not None and u.call_id not in opens:
            values = {**_OPEN_DEFAULTS, **u.open, "call_id": u.call_id}
            number = values.get("caller_number")
            if u.identify_caller and number:
                owners = conn.execute(_OWNERS, {"e164": number}).scalars().all()
                values["customer_id"] = owners[0] if len(owners) == 1 else None
            opens[u.call_id] = {c: values[c] for c in _OPEN_COLUMNS}
        _merge(merged.setdefault(u.call_id, {}), u.fields)
    if opens:
        dialect = conn.dialect.name
        statement = _OPEN_BY_DIALECT.get(dialect)
        if statement is None:
            statement = _OPEN_BY_DIALECT[dialect] = _open_statement(dialect)
        conn.execute(statement, list(opens.values()))
    groups: dict[tuple[tuple[str, ...], frozenset[str]], list[dict[str, Any]]] = {}
    for call_id, fields in merged.items():
        if fields:
            names = tuple(sorted(fields))
            keep_first = frozenset(f for f in names if isinstance(fields[f], KeepFirst))
            values = {f"u_{f}": v.value if isinstance(v, KeepFirst) else v for f, v in fields.items()}
            groups.setdefault((names, keep_first), []).append({"u_call_id": call_id, **values})
    for (names, keep_first), params in groups.items():
        conn.execute(_update_statement(names, keep_first), params)


async def apply_call_card_updates(db: Database, updates: list[CallCardUpdate]) -> None:
    """Store many card steps in one transaction and, on SQLite, one thread hop."""
    if updates:
        await db.run_write(lambda conn: apply_call_card_updates_sync(conn, updates))
