from datetime import UTC, datetime, timedelta

import pytest

from crm_store import customers, interactions
from crm_store.audit import audit_trail
from crm_store.errors import NotFound
from crm_store.offers import InvalidOfferResponse, offer_responses, record_offer_response

T0 = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)


async def test_a_response_is_stored_linked_to_the_call_and_audited(db) -> None:
    cid = await customers.create_customer(db, full_name="Соколова Вера", phones=["+7 916 200-00-01"])
    card = await interactions.open_call_card(db, call_id="o1", offered_at=T0, customer_id=cid)
    stored = await record_offer_response(
        db,
        cid,
        "e_billing",
        "accepted",
        interaction_id=card,
        notes="  на почту из карточки ",
        at=T0,
    )
    assert (stored.customer_id, stored.offer_code, stored.response, stored.interaction_id, stored.at, stored.notes) == (
        cid,
        "e_billing",
        "accepted",
        card,
        T0,
        "на почту из карточки",
    )
    assert await offer_responses(db, cid) == [stored]
    (entry,) = [e for e in await audit_trail(db, "customer", cid) if e["action"] == "offer.response"]
    assert entry["details"] == {"offer_code": "e_billing", "response": "accepted", "interaction_id": card}


async def test_responses_are_listed_newest_first_per_customer(db) -> None:
    a = await customers.create_customer(db, full_name="А")
    b = await customers.create_customer(db, full_name="Б")
    await record_offer_response(db, a, "payment_plan", "later", at=T0 - timedelta(days=2))
    await record_offer_response(db, a, "payment_plan", "declined", at=T0)
    await record_offer_response(db, a, "auto_payment", "accepted", at=T0 - timedelta(days=1))
    await record_offer_response(db, b, "payment_plan", "accepted", at=T0)
    assert [(r.offer_code, r.response) for r in await offer_responses(db, a)] == [
        ("payment_plan", "declined"),
        ("auto_payment", "accepted"),
        ("payment_plan", "later"),
    ]
    assert len(await offer_responses(db, a, limit=1)) == 1


@pytest.mark.parametrize(
    ("code", "response", "notes", "message"),
    [
        ("e_billing", "maybe", "", "unknown response"),
        ("", "accepted", "", "not an offer code"),
        ("E-Billing!", "accepted", "", "not an offer code"),
        ("e_billing", "accepted", "x" * 2001, "notes"),
    ],
)
async def test_invalid_responses_are_refused_and_nothing_is_stored(db, code, response, notes, message) -> None:
    cid = await customers.create_customer(db, full_name="В")
    with pytest.raises(InvalidOfferResponse, match=message):
        await record_offer_response(db, cid, code, response, notes=notes)
    assert await offer_responses(db, cid) == []


async def test_unknown_customer_or_call_card_is_not_found(db) -> None:
    with pytest.raises(NotFound):
        await record_offer_response(db, 404, "e_billing", "accepted")
    cid = await customers.create_customer(db, full_name="Г")
    with pytest.raises(NotFound):
        await record_offer_response(db, cid, "e_billing", "accepted", interaction_id=404)
    with pytest.raises(InvalidOfferResponse):
        await record_offer_response(db, cid, "e_billing", "accepted", at=datetime(2026, 1, 1))
    assert await offer_responses(db, cid) == []
