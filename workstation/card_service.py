"""Call cards as operators edit them: topic, result, notes and the customer the card is about.

A save names its card and touches only that card: its own call, its own customer. Whatever call rings
meanwhile has a card of its own; nothing of it (its customer, its call) is taken over.

Who may: an operator edits their own cards (those they took, or the call on their phone or in their
wrap-up now) and reads, besides, the cards of the customers they are serving now; supervisors and admins
see and edit every card. A card an operator may not read is "not found", exactly like one that does not
exist, so that sequential ids reveal nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from crm_store import customers, interactions
from crm_store.db import Database
from crm_store.errors import NotFound
from crm_store.records import InteractionRecord, UserRecord
from crm_store.vocabulary import SUPERVISING_ROLES, CallResult, Topic

from .errors import ForbiddenError, NotFoundError, WorkstationError


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


@dataclass(frozen=True, slots=True, kw_only=True)
class Serving:
    """What an operator is busy with now: the calls on their phone or in their wrap-up, and the customers
    their screen shows for them (the pop's matches)."""

    call_ids: frozenset[str] = field(default_factory=frozenset)
    customer_ids: frozenset[int] = field(default_factory=frozenset)


def sees_every_card(user: UserRecord) -> bool:
    return user.role in SUPERVISING_ROLES


class CardService:
    def __init__(self, *, db: Database, serving: Callable[[UserRecord], Serving] = lambda _u: Serving()) -> None:
        self.db = db
        self.serving = serving

    async def _load(self, card_id: int) -> InteractionRecord:
        try:
            return await interactions.get_call_card(self.db, interaction_id=card_id)
        except NotFound:
            raise NotFoundError(f"call card {card_id} does not exist", code="card_not_found") from None

    def _owns(self, user: UserRecord, card: InteractionRecord, serving: Serving) -> bool:
        return sees_every_card(user) or card.agent_id == user.id or (card.call_id or "") in serving.call_ids

    async def _serves_customer(self, card: InteractionRecord, serving: Serving) -> bool:
        if card.customer_id is None:
            return False
        if card.customer_id in serving.customer_ids:
            return True
        current = await interactions.cards_for_calls(self.db, sorted(serving.call_ids))
        return any(c.customer_id == card.customer_id for c in current)

    async def get(self, user: UserRecord, card_id: int) -> InteractionRecord:
        """The card, when `user` may read it; otherwise "not found"."""
        card = await self._load(card_id)
        serving = self.serving(user)
        if self._owns(user, card, serving) or await self._serves_customer(card, serving):
            return card
        raise NotFoundError(f"call card {card_id} does not exist", code="card_not_found")

    async def save(self, user: UserRecord, card_id: int, edits: CardEdits) -> InteractionRecord:
        card = await self.get(user, card_id)
        if not self._owns(user, card, self.serving(user)):
            raise ForbiddenError(
                "this call card is another operator's: you may read it, not change it",
                code="card_not_yours",
                card_id=card_id,
            )
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
