"""Call cards as operators edit them: topic, result, notes and the customer the card is about.

A save names its card and touches only that card: its own call, its own customer. Whatever call rings
meanwhile has a card of its own; nothing of it (its customer, its call) is taken over.
"""

from __future__ import annotations

from dataclasses import dataclass

from crm_store import customers, interactions
from crm_store.db import Database
from crm_store.errors import NotFound
from crm_store.records import InteractionRecord, UserRecord
from crm_store.vocabulary import CallResult, Topic

from .errors import WorkstationError


@dataclass(frozen=True, slots=True, kw_only=True)
class CardEdits:
    """What the operator typed on one card. `customer_id`/`account_id` are changed only when given
    (`set_customer`); `call_id`, when given, must be the card's own call (a guard against a screen that
    mixed up its cards)."""

    topic: Topic | None = None
    result: CallResult | None = None
    notes: str = ""
    set_customer: bool = False
    customer_id: int | None = None
    set_account: bool = False
    account_id: int | None = None
    call_id: str | None = None


class CardService:
    def __init__(self, *, db: Database) -> None:
        self.db = db

    async def get(self, card_id: int) -> InteractionRecord:
        try:
            return await interactions.get_call_card(self.db, interaction_id=card_id)
        except NotFound:
            raise WorkstationError(f"call card {card_id} does not exist", code="card_not_found") from None

    async def save(self, user: UserRecord, card_id: int, edits: CardEdits) -> InteractionRecord:
        card = await self.get(card_id)
        if edits.call_id is not None and edits.call_id != card.call_id:
            raise WorkstationError(
                "these edits belong to another call's card", code="card_of_another_call", card_id=card_id
            )
        changes: dict[str, object] = {
            "topic": edits.topic.value if edits.topic else None,
            "result": edits.result.value if edits.result else None,
            "notes": edits.notes,
        }
        if edits.set_customer:
            if edits.customer_id is not None:
                try:
                    await customers.get_customer(self.db, edits.customer_id)
                except NotFound:
                    raise WorkstationError(
                        "no such customer", code="customer_not_found", customer_id=edits.customer_id
                    ) from None
            changes["customer_id"] = edits.customer_id
        if edits.set_account:
            changes["account_id"] = edits.account_id
        return await interactions.wrap_up(self.db, card_id, changes, user_id=user.id)
