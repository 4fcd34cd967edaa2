"""What customers answered to the offers operators made them (payment plan, e-billing, …).

Which offers exist and who qualifies is decided by workstation/offers.py; this module only keeps the
answers, so the next call knows not to offer again what was accepted or declined recently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from .audit import record_audit
from .base import utcnow
from .db import Database
from .errors import NotFound, StoreError
from .models import Customer, Interaction, OfferResponse
from .records import JsonMixin
from .vocabulary import OfferResponse as OfferAnswer
from .vocabulary import codes

RESPONSES = codes(OfferAnswer)
MAX_NOTES = 2000
_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class InvalidOfferResponse(StoreError, ValueError):
    """An answer the store refuses: unknown response, malformed offer code, notes too long."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OfferResponseRecord(JsonMixin):
    id: int
    customer_id: int
    offer_code: str
    response: str  # accepted | declined | later
    interaction_id: int | None
    user_id: int | None
    at: datetime
    notes: str


def _record(r: OfferResponse) -> OfferResponseRecord:
    return OfferResponseRecord(
        id=r.id,
        customer_id=r.customer_id,
        offer_code=r.offer_code,
        response=r.response,
        interaction_id=r.interaction_id,
        user_id=r.user_id,
        at=r.at,
        notes=r.notes or "",
    )


async def record_offer_response(
    db: Database,
    customer_id: int,
    offer_code: str,
    response: str,
    interaction_id: int | None = None,
    user_id: int | None = None,
    notes: str = "",
    *,
    at: datetime | None = None,
) -> OfferResponseRecord:
    """Store the customer's answer (audited in the same transaction). The offer code's meaning belongs
    to workstation/offers.py: check it is a known offer there before calling this."""
    offer_code = (offer_code or "").strip()
    if not _CODE.match(offer_code):
        raise InvalidOfferResponse(f"not an offer code: {offer_code!r}")
    if response not in RESPONSES:
        raise InvalidOfferResponse(f"unknown response {response!r}; use one of {', '.join(RESPONSES)}")
    notes = (notes or "").strip()
    if len(notes) > MAX_NOTES:
        raise InvalidOfferResponse(f"notes are longer than {MAX_NOTES} characters")
    if at is not None and at.tzinfo is None:
        raise InvalidOfferResponse("the time of a response must be timezone-aware")
    async with db.write_session() as s, s.begin():
        if await s.scalar(select(Customer.id).where(Customer.id == customer_id)) is None:
            raise NotFound(f"customer {customer_id} does not exist")
        if interaction_id is not None and (
            await s.scalar(select(Interaction.id).where(Interaction.id == interaction_id)) is None
        ):
            raise NotFound(f"call card {interaction_id} does not exist")
        row = OfferResponse(
            customer_id=customer_id,
            offer_code=offer_code,
            response=response,
            interaction_id=interaction_id,
            user_id=user_id,
            at=at or utcnow(),
            notes=notes,
        )
        s.add(row)
        await s.flush()
        await record_audit(
            s,
            user_id,
            "offer.response",
            "customer",
            customer_id,
            {"offer_code": offer_code, "response": response, "interaction_id": interaction_id},
        )
        return _record(row)


async def offer_responses(db: Database, customer_id: int, limit: int = 200) -> list[OfferResponseRecord]:
    """A customer's answers, newest first (index offer_responses(customer_id, offer_code))."""
    async with db.read_session() as s:
        result = await s.execute(
            select(OfferResponse)
            .where(OfferResponse.customer_id == customer_id)
            .order_by(OfferResponse.at.desc(), OfferResponse.id.desc())
            .limit(limit)
        )
        return [_record(r) for r in result.scalars()]


__all__ = [
    "RESPONSES",
    "InvalidOfferResponse",
    "OfferResponseRecord",
    "offer_responses",
    "record_offer_response",
]
