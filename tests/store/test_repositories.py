from datetime import UTC, datetime, timedelta

import pytest

from crm_store import applications, customers, interactions, users
from crm_store.audit import audit_trail
from crm_store.errors import Conflict, NotFound

pytestmark = pytest.mark.postgres

T0 = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)


async def test_customer_created_with_phone_and_account_is_found_by_any_key(db) -> None:
    cid = await customers.create_customer(
        db,
        full_name="Петров Пётр Петрович",
        phones=["8 (916) 111-22-33"],
        account_number="7700000001",
        address="г. Москва, ул. Ленина, д. 5, кв. 12",
        region="Москва",
    )
    for query in ("7700000001", "+7 916 111 22 33", "петров пётр", "ПЕТРОВ ПЕТР", "ленина д 5"):
        hits = await customers.search_customers(db, query)
        assert [h.customer_id for h in hits] == [cid], query
    assert hits[0].account_number == "7700000001"


async def test_a_duplicate_account_number_is_refused(db) -> None:
    await customers.create_customer(db, full_name="А", account_number="1")
    with pytest.raises(Conflict):
        await customers.create_customer(db, full_name="Б", account_number="1")


async def test_linking_a_number_is_idempotent_and_audited(db) -> None:
    cid = await customers.create_customer(db, full_name="Сидоров")
    assert await customers.link_phone(db, cid, "9031234567", user_id=None) == "+79031234567"
    await customers.link_phone(db, cid, "+7 903 123-45-67")
    record = await customers.get_customer(db, cid)
    assert [p.e164 for p in record.phones] == ["+79031234567"]
    trail = await audit_trail(db, "customer", cid)
    assert [t["action"] for t in trail] == ["customer.link_phone", "customer.create"]


async def test_linking_an_invalid_number_or_to_nobody_fails_clearly(db) -> None:
    cid = await customers.create_customer(db, full_name="Сидоров")
    with pytest.raises(ValueError, match="not a valid phone"):
        await customers.link_phone(db, cid, "123")
    with pytest.raises(NotFound):
        await customers.link_phone(db, cid + 100, "9031234567")


async def test_contact_details_edit_keeps_old_and_new_values_in_the_audit(db) -> None:
    uid = await users.create_user(db, username="op", role="operator", password_hash="x")
    cid = await customers.create_customer(db, full_name="Иванов", phones=["9031111111"], email="a@b.ru")
    record = await customers.update_contacts(
        db, cid, email="new@b.ru", phones=["9031111111", "84951234567"], user_id=uid
    )
    assert record.email == "new@b.ru"
    assert sorted(p.e164 for p in record.phones) == ["+74951234567", "+79031111111"]
    entry = (await audit_trail(db, "customer", cid))[0]
    assert entry["user_id"] == uid and entry["details"]["email"] == ["a@b.ru", "new@b.ru"]


async def test_call_card_opens_once_per_call_and_is_completed(db) -> None:
    first = await interactions.open_call_card(db, call_id="1700.1", offered_at=T0, caller_number="+79161234567")
    again = await interactions.open_call_card(db, call_id="1700.1", offered_at=T0)
    assert first == again
    await interactions.update_call_card(
        db,
        "1700.1",
        {
            "state": "ended",
            "outcome": "abandoned",
            "ended_at": T0 + timedelta(seconds=40),
            "wait_seconds": 40,
            "callback_status": "pending",
            "queue": "support",
        },
    )
    card = await interactions.get_call_card(db, call_id="1700.1")
    assert (card.outcome, card.wait_seconds, card.ended_at) == ("abandoned", 40, T0 + timedelta(seconds=40))
    assert [c.id for c in await interactions.pending_callbacks(db)] == [first]


async def test_the_telephony_side_cannot_overwrite_the_operators_notes(db) -> None:
    await interactions.open_call_card(db, call_id="c1", offered_at=T0)
    with pytest.raises(ValueError, match="not call-card fields"):
        await interactions.update_call_card(db, "c1", {"notes": "x"})


async def test_wrap_up_records_topic_result_notes_and_who(db) -> None:
    uid = await users.create_user(db, username="op", role="operator", password_hash="x")
    card_id = await interactions.open_call_card(db, call_id="c2", offered_at=T0)
    card = await interactions.wrap_up(
        db, card_id, {"topic": "balance", "result": "consulted", "notes": "ok"}, user_id=uid
    )
    assert (card.topic, card.result, card.notes) == ("balance", "consulted", "ok")
    assert card.wrapped_up_at is not None
    assert (await audit_trail(db, "interaction", card_id))[0]["user_id"] == uid


async def test_application_gets_a_keypad_number_and_a_status_history(db) -> None:
    cid = await customers.create_customer(db, full_name="Иванов", account_number="42")
    card_id = await interactions.open_call_card(db, call_id="c3", offered_at=T0)
    app = await applications.file_application(
        db, type="meter_dispute", text="Показания не те", channel="phone", customer_id=cid, interaction_id=card_id
    )
    assert app.number.isdigit() and app.status == "new"
    assert (await applications.get_application(db, number=app.number)).id == app.id
    closed = await applications.change_status(db, app.id, "resolved", user_id=None, comment="пересчитано")
    assert closed.status == "resolved" and closed.closed_at is not None
    with pytest.raises(ValueError):
        await applications.change_status(db, app.id, "lost", user_id=None)


async def test_users_have_roles_and_unique_names(db) -> None:
    await users.create_user(db, username="sup", role="supervisor", password_hash="h", queues=["support"])
    with pytest.raises(Conflict):
        await users.create_user(db, username="sup", role="operator", password_hash="h")
    with pytest.raises(ValueError, match="unknown role"):
        await users.create_user(db, username="x", role="king", password_hash="h")
    user, password_hash = await users.credentials(db, "sup")
    assert user.role == "supervisor" and user.queues == ("support",) and password_hash == "h"
    assert await users.credentials(db, "nobody") is None


async def test_tasks_are_listed_by_due_time(db) -> None:
    later = await applications.create_task(db, kind="callback", due_at=T0 + timedelta(hours=2), phone="+79161234567")
    sooner = await applications.create_task(db, kind="follow_up", due_at=T0 + timedelta(hours=1))
    assert [t["id"] for t in await applications.open_tasks(db)] == [sooner, later]


async def test_a_batch_of_card_steps_ends_as_if_applied_one_by_one(db) -> None:
    cid = await customers.create_customer(db, full_name="Пак", phones=["9035550011"])
    steps = [
        interactions.CallCardUpdate(
            call_id="b1",
            open={"offered_at": T0, "caller_number": "+79035550011"},
            fields={"state": "offered"},
            identify_caller=True,
        ),
        interactions.CallCardUpdate(call_id="b2", open={"offered_at": T0, "direction": "outbound"}),
        interactions.CallCardUpdate(call_id="b1", fields={"state": "queued", "queue": "support"}),
        interactions.CallCardUpdate(call_id="b1", fields={"state": "talking", "wait_seconds": 7}),
        interactions.CallCardUpdate(call_id="b2", fields={"state": "ended", "outcome": "busy"}),
        interactions.CallCardUpdate(call_id="b1", fields={"state": "ended", "outcome": "answered"}),
        interactions.CallCardUpdate(call_id="b1", open={"offered_at": T0}),  # a repeated open changes nothing
    ]
    await interactions.apply_call_card_updates(db, steps)
    b1 = await interactions.get_call_card(db, call_id="b1")
    b2 = await interactions.get_call_card(db, call_id="b2")
    assert (b1.state, b1.outcome, b1.queue, b1.wait_seconds, b1.customer_id) == ("ended", "answered", "support", 7, cid)
    assert (b2.direction, b2.state, b2.outcome) == ("outbound", "ended", "busy")
    with pytest.raises(ValueError, match="not call-card fields"):
        await interactions.apply_call_card_updates(
            db, [interactions.CallCardUpdate(call_id="b1", fields={"notes": "x"})]
        )


async def test_a_kept_first_value_only_fills_what_the_card_does_not_hold(db) -> None:
    first, guess = T0 + timedelta(seconds=30), T0 + timedelta(seconds=31)
    keep = interactions.KeepFirst
    await interactions.apply_call_card_updates(
        db,
        [
            interactions.CallCardUpdate(call_id="k1", open={"offered_at": T0}),
            interactions.CallCardUpdate(call_id="k1", fields={"answered_at": first, "wait_seconds": 12}),
            interactions.CallCardUpdate(call_id="k2", open={"offered_at": T0}),
        ],
    )
    # A later batch (a resync after a restart): k1's live answer stays, k2's gap is filled.
    await interactions.apply_call_card_updates(
        db,
        [
            interactions.CallCardUpdate(call_id="k1", fields={"state": "talking", "answered_at": keep(guess)}),
            interactions.CallCardUpdate(call_id="k2", fields={"state": "talking", "answered_at": keep(guess)}),
            # Within one batch, too: a kept-first value after a plain one changes nothing, a plain one after it wins.
            interactions.CallCardUpdate(call_id="k3", open={"offered_at": T0}, fields={"queue": "support"}),
            interactions.CallCardUpdate(call_id="k3", fields={"queue": keep("billing"), "answered_at": keep(guess)}),
            interactions.CallCardUpdate(call_id="k3", fields={"answered_at": first}),
        ],
    )
    k1, k2, k3 = [await interactions.get_call_card(db, call_id=c) for c in ("k1", "k2", "k3")]
    assert (k1.state, k1.answered_at, k1.wait_seconds) == ("talking", first, 12)
    assert (k2.state, k2.answered_at) == ("talking", guess)
    assert (k3.queue, k3.answered_at) == ("support", first)
