"""What operators look things up in during a call: the knowledge base and the offers a customer qualifies
for. Typed inputs in, records out; web/api_content.py only parses and renders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from crm_store import knowledge
from crm_store import offers as offer_store
from crm_store.db import Database
from crm_store.pop import load_customers
from crm_store.records import UserRecord
from crm_store.vocabulary import OfferResponse

from .errors import WorkstationError
from .offers import Offer, OfferBook, default_book

KB_LIST = 50


class KnowledgeService:
    def __init__(self, *, db: Database) -> None:
        self.db = db

    async def find(self, query: str, topic: str | None = None) -> list[knowledge.ArticleRecord]:
        """Articles matching the words of `query` (all of a topic when the query is empty)."""
        if query.strip():
            return await knowledge.search_articles(self.db, query, topic=topic)
        return await knowledge.list_articles(self.db, topic=topic, limit=KB_LIST)


class OfferService:
    def __init__(self, *, db: Database, clock: Callable[[], datetime], book: OfferBook | None = None) -> None:
        self.db = db
        self.clock = clock
        self.book = book or default_book()

    async def offers_for(self, customer_id: int) -> tuple[Offer, ...]:
        """The offers the customer qualifies for now, less those answered recently."""
        pops = await load_customers(self.db, [customer_id])
        if not pops:
            raise WorkstationError("no such customer", code="customer_not_found", customer_id=customer_id)
        responses = await offer_store.offer_responses(self.db, customer_id)
        return self.book.offers_for(pops[0], self.clock(), responses)

    async def respond(
        self,
        user: UserRecord,
        *,
        customer_id: int,
        code: str,
        response: str,
        card_id: int | None = None,
        notes: str = "",
    ) -> offer_store.OfferResponseRecord:
        if code not in self.book.codes:
            raise WorkstationError(f"unknown offer {code!r}", code="unknown_offer", offer=code)
        try:
            answer = OfferResponse(response)
        except ValueError:
            raise WorkstationError(
                f"unknown response {response!r}", code="unknown_offer_response", response=response
            ) from None
        return await offer_store.record_offer_response(
            self.db, customer_id, code, answer.value, interaction_id=card_id, user_id=user.id, notes=notes
        )
