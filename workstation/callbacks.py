"""The call-back list: missed inbound calls waiting for an operator to call the customer back.

An operator sees the missed calls of their own queues, a supervisor (or admin) every one, each with the
customer's name when the number is known, page by page; an entry whose number cannot be dialled (withheld,
or a SIP caller id such as ``sipp``) says so instead of failing when clicked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from crm_store import interactions
from crm_store.db import Database
from crm_store.errors import NotFound
from crm_store.phones import normalize_phone
from crm_store.records import InteractionRecord, UserRecord
from crm_store.vocabulary import SUPERVISING_ROLES, CallbackStatus, NotDialable

from .calls import CallService
from .errors import ForbiddenError, NotFoundError, WorkstationError

PAGE = 50
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackItem:
    card_id: int
    call_id: str | None
    number: str | None
    customer_id: int | None
    customer_name: str | None
    queue: str | None
    waited_seconds: int | None
    at: datetime
    not_dialable_reason: NotDialable | None

    def to_json(self) -> dict[str, Any]:
        return {
            "card_id": self.card_id,
            "call_id": self.call_id,
            "number": self.number,
            "customer_id": self.customer_id,
            "customer_name": self.customer_name,
            "queue": self.queue,
            "waited_seconds": self.waited_seconds,
            "at": self.at.isoformat(),
            "dialable": self.not_dialable_reason is None,
            "not_dialable_reason": self.not_dialable_reason.value if self.not_dialable_reason else None,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackPage:
    items: tuple[CallbackItem, ...]
    next: str | None  # the cursor of the next (older) page

    def to_json(self) -> dict[str, Any]:
        return {"items": [i.to_json() for i in self.items], "next": self.next}


def not_dialable(number: str | None) -> NotDialable | None:
    if not number:
        return NotDialable.NO_NUMBER
    return None if normalize_phone(number) else NotDialable.NOT_A_PHONE_NUMBER


def encode_cursor(at: datetime, card_id: int) -> str:
    """URL-safe: microseconds since the epoch and the card id."""
    return f"{(at - EPOCH) // timedelta(microseconds=1)}_{card_id}"


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    micros, sep, card_id = cursor.partition("_")
    try:
        if not sep or not 0 <= int(card_id) < 2**63:  # a card id beyond BIGINT would fail in the database
            raise ValueError(cursor)
        return EPOCH + timedelta(microseconds=int(micros)), int(card_id)
    except (ValueError, OverflowError, OSError):
        raise WorkstationError(f"not a call-back list cursor: {cursor!r}", code="invalid_cursor") from None


def sees_all(user: UserRecord) -> bool:
    return user.role in SUPERVISING_ROLES


class CallbackService:
    def __init__(self, *, db: Database, calls: CallService, queues_of: Callable[[UserRecord], tuple[str, ...]]) -> None:
        self.db = db
        self.calls = calls
        self.queues_of = queues_of  # an operator's queues: their configured ones and those signed in to

    async def page(self, user: UserRecord, before: str | None = None, limit: int = PAGE) -> CallbackPage:
        queues = None if sees_all(user) else self.queues_of(user)
        found = await interactions.callback_page(
            self.db, queues=queues, before=decode_cursor(before) if before else None, limit=limit + 1
        )
        items = tuple(_item(p.card, p.customer_name) for p in found[:limit])
        last = found[limit - 1].card if len(found) > limit else None
        return CallbackPage(items=items, next=encode_cursor(last.offered_at, last.id) if last else None)

    async def call_back(self, user: UserRecord, card_id: int) -> str:
        """Call the customer of a missed call from the operator's phone; the list entry is done."""
        try:
            card = await interactions.get_call_card(self.db, interaction_id=card_id)
        except NotFound:
            raise NotFoundError("no such call-back", code="callback_not_found") from None
        if card.callback_status != CallbackStatus.PENDING:
            raise WorkstationError("this call needs no call-back any more", code="callback_done")
        if not sees_all(user) and card.queue not in self.queues_of(user):
            raise ForbiddenError("this call-back belongs to another queue", code="callback_not_yours")
        reason = not_dialable(card.caller_number)
        if reason is not None or not card.caller_number:
            raise WorkstationError("this number cannot be dialled", code="not_dialable", reason=reason)
        if not await interactions.claim_callback(self.db, card.id):
            raise WorkstationError("someone is already calling this customer back", code="callback_done")
        try:
            return await self.calls.originate(user, card.caller_number, card.customer_id, callback_card_id=card.id)
        except BaseException:
            # The PBX refused the call (or the request died): the missed call goes back on the list.
            await interactions.update_call_card(
                self.db, card.call_id or "", {"callback_status": CallbackStatus.PENDING.value}
            )
            raise


def _item(card: InteractionRecord, customer_name: str | None) -> CallbackItem:
    return CallbackItem(
        card_id=card.id,
        call_id=card.call_id,
        number=card.caller_number,
        customer_id=card.customer_id,
        customer_name=customer_name,
        queue=card.queue,
        waited_seconds=card.wait_seconds,
        at=card.offered_at,
        not_dialable_reason=not_dialable(card.caller_number),
    )
