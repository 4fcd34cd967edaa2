"""The call-back list and the call's pop as the store serves them, on SQLite and PostgreSQL alike."""

from datetime import UTC, datetime, timedelta

import pytest

from crm_store import customers, interactions
from crm_store.pop import call_pop

pytestmark = pytest.mark.postgres
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


async def _missed(db, call_id: str, minutes: int, queue: str | None, number: str | None, customer_id=None) -> None:  # type: ignore[no-untyped-def]
    await interactions.open_call_card(
        db,
        call_id=call_id,
        offered_at=T0 + timedelta(minutes=minutes),
        caller_number=number,
        customer_id=customer_id,
    )
    await interactions.update_call_card(db, call_id, {"callback_status": "pending", "queue": queue})


async def test_pages_of_the_call_back_list_are_newest_first_by_queue_with_names(db) -> None:
    known = await customers.create_customer(db, full_name="Петров Пётр", phones=["+79161112233"])
    await _missed(db, "a", 1, "support", "+79161112233", known)
    await _missed(db, "b", 2, "billing", "sipp")
    await _missed(db, "c", 2, "support", None)  # same minute as b: the card id orders them
    await _missed(db, "d", 3, None, "+79160000000")
    await interactions.open_call_card(db, call_id="done", offered_at=T0, caller_number="+79160000001")
    everything = await interactions.callback_page(db, queues=None, limit=10)
    assert [p.card.call_id for p in everything] == ["d", "c", "b", "a"]
    assert [p.customer_name for p in everything] == [None, None, None, "Петров Пётр"]
    support = await interactions.callback_page(db, queues=["support"], limit=10)
    assert [p.card.call_id for p in support] == ["c", "a"]
    first = await interactions.callback_page(db, queues=None, limit=2)
    last = first[-1].card
    rest = await interactions.callback_page(db, queues=None, before=(last.offered_at, last.id), limit=10)
    assert [p.card.call_id for p in first + rest] == ["d", "c", "b", "a"]


async def test_the_pop_of_a_call_puts_the_known_customer_first_and_leaves_the_call_out_of_the_history(db) -> None:
    shared = "+79165554433"
    one = await customers.create_customer(db, full_name="Один", phones=[shared])
    two = await customers.create_customer(db, full_name="Два", phones=[shared])
    await interactions.open_call_card(db, call_id="old", offered_at=T0, caller_number=shared, customer_id=two)
    await interactions.open_call_card(
        db, call_id="now", offered_at=T0 + timedelta(hours=1), caller_number=shared, customer_id=two
    )
    matches, card = await call_pop(db, "now", shared)
    assert card is not None and card.call_id == "now"
    assert [m["customer"]["id"] for m in matches] == [two, one]
    assert [i["call_id"] for i in matches[0]["interactions"]] == ["old"]
    matches, _ = await call_pop(db, "now", shared, customer_id=one)
    assert [m["customer"]["id"] for m in matches] == [one, two]


class _Screens:
    def __init__(self) -> None:
        self.sent: list[tuple[str, object]] = []

    async def to_operators(self, event: str, data: object) -> None:
        self.sent.append((event, data))


@pytest.mark.parametrize("phone_answered", [False, True])
async def test_a_call_back_nobody_answers_puts_the_missed_call_back_on_the_list(db, phone_answered: bool) -> None:
    from cti import events as ev
    from workstation.calls import CallService, Originated

    await _missed(db, "missed", 1, "support", "+79161112233")
    card = await interactions.get_call_card(db, call_id="missed")
    await interactions.update_call_card(db, "missed", {"callback_status": "done"})  # someone is calling back
    screens = _Screens()
    service = CallService(db=db, directory=None, notifier=screens, execute=None, clock=lambda: T0)  # type: ignore[arg-type]
    service.originated["cb-1"] = Originated(
        interface="PJSIP/1001", number="+79161112233", customer_id=None, callback_card_id=card.id
    )
    if phone_answered:  # the operator picked up, the customer did not
        events: list[object] = [
            ev.CallOffered(
                call_id="cb-1",
                at=T0,
                direction=ev.Direction.OUTBOUND,
                caller_number="79161112233",
                caller_name=None,
                dialed_number="79161112233",
                channel="PJSIP/1001-01",
                agent="PJSIP/1001",
            ),
            ev.CallEnded(
                call_id="cb-1",
                at=T0,
                direction=ev.Direction.OUTBOUND,
                answered=False,
                queue=None,
                agent="PJSIP/1001",
                talk_seconds=None,
                duration_seconds=30,
                cause=19,
                cause_text="No answer",
                ended_by=None,
                outcome=ev.OriginateOutcome.NO_ANSWER,
            ),
        ]
    else:  # the operator's own phone was never picked up: no call at all
        events = [
            ev.OriginateResult(
                call_id="cb-1",
                at=T0,
                outcome=ev.OriginateOutcome.NO_ANSWER,
                action_id="a",
                channel_id="cb-1",
                destination="PJSIP/1001",
                correlation_id=None,
                reason_code=3,
            )
        ]
    for event in events:
        service.fold(event)
    await service.settle()
    assert (await interactions.get_call_card(db, call_id="missed")).callback_status == "pending"
    assert ("callbacks", {"changed": True}) in screens.sent and not service.originated


async def test_a_missed_call_is_claimed_for_one_call_back_only(db) -> None:
    await _missed(db, "missed", 1, "support", "+79161112233")
    card = await interactions.get_call_card(db, call_id="missed")
    assert await interactions.claim_callback(db, card.id) is True
    assert await interactions.claim_callback(db, card.id) is False  # the second click finds it taken
    assert (await interactions.get_call_card(db, call_id="missed")).callback_status == "done"
    assert await interactions.callback_page(db, queues=None) == []
