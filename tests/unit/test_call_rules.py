"""The pure rules of calls and cards as tables: CTI events in, live call / card fields / transfer targets /
call-back entries out. Each row is a case an operator meets, not a mock."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from crm_store import vocabulary as v
from cti import events as ev
from workstation.callbacks import decode_cursor, encode_cursor, not_dialable
from workstation.cards import card_change
from workstation.errors import WorkstationError
from workstation.live import LiveCalls, start_consult
from workstation.transfer import parse_target

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ME, OTHER = "PJSIP/1001", "PJSIP/1002"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def offered(direction: ev.Direction = ev.Direction.INBOUND, agent: str | None = None) -> ev.CallOffered:
    return ev.CallOffered(
        call_id="c1",
        at=T0,
        direction=direction,
        caller_number="89161234567",
        caller_name=None,
        dialed_number="89161234567" if direction == ev.Direction.OUTBOUND else "88005550100",
        channel=f"{agent}-0001" if agent else "PJSIP/trunk-0001",
        agent=agent,
    )


def ivr() -> ev.IvrStarted:
    return ev.IvrStarted(call_id="c1", at=at(1), channel="PJSIP/trunk-0001", script="agi://x/ivr")


def queued() -> ev.CallQueued:
    return ev.CallQueued(call_id="c1", at=at(2), queue="support", position=1, caller_number=None)


def ringing(agent: str = ME) -> ev.AgentRinging:
    return ev.AgentRinging(
        call_id="c1",
        at=at(3),
        queue="support",
        agent=agent,
        agent_name=None,
        agent_channel=f"{agent}-0002",
        caller_number=None,
        caller_name=None,
    )


def answered(agent: str = ME, seconds: float = 5) -> ev.CallAnswered:
    return ev.CallAnswered(
        call_id="c1",
        at=at(seconds),
        queue="support",
        agent=agent,
        agent_name=None,
        agent_channel=f"{agent}-0002",
        wait_seconds=seconds,
    )


def abandoned() -> ev.CallAbandoned:
    return ev.CallAbandoned(
        call_id="c1",
        at=at(30),
        queue="support",
        position=1,
        original_position=1,
        wait_seconds=28,
        reason=ev.AbandonReason.CALLER_HANGUP,
        rung_agents=(ME,),
    )


def blind(seconds: float = 20) -> ev.CallTransferred:
    return ev.CallTransferred(
        call_id="c1", at=at(seconds), kind=ev.TransferKind.BLIND, from_agent=ME, to_context="incoming"
    )


def consult(state: ev.ConsultState, seconds: float = 10) -> ev.ConsultChanged:
    return ev.ConsultChanged(
        call_id="c1",
        at=at(seconds),
        state=state,
        agent=ME,
        target="1002",
        target_agent=OTHER if state != ev.ConsultState.RINGING else None,
        channel="Local/1002@agents-0001;1",
    )


def attended(seconds: float = 20) -> ev.CallTransferred:
    return ev.CallTransferred(
        call_id="c1", at=at(seconds), kind=ev.TransferKind.ATTENDED, from_agent=ME, to_agent=OTHER
    )


def ended(
    answered_: bool,
    queue: str | None = "support",
    direction: ev.Direction = ev.Direction.INBOUND,
    outcome: ev.OriginateOutcome | None = None,
) -> ev.CallEnded:
    return ev.CallEnded(
        call_id="c1",
        at=at(60),
        direction=direction,
        answered=answered_,
        queue=queue,
        agent=ME if answered_ else None,
        talk_seconds=55 if answered_ else None,
        duration_seconds=60,
        cause=16,
        cause_text="Normal Clearing",
        ended_by="caller",
        outcome=outcome,
    )


def fold(events: list[object]) -> tuple[LiveCalls, object]:
    """The card change of the last event after the others, as the workstation computes it."""
    calls = LiveCalls()
    change = None
    for event in events:
        before = calls.get("c1")
        after = calls.apply(event)
        change = card_change(event, after, before)
    return calls, change


NO_AGENT = {"agent_id": None, "agent_interface": None}


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        # ivr_only means one thing: the IVR ran and the caller left there.
        ([offered(), ivr(), ended(False, None)], {"outcome": "ivr_only", "callback_status": None}),
        ([offered(), ended(False, None)], {"outcome": "unanswered", "callback_status": "pending", **NO_AGENT}),
        ([offered(), ivr(), queued(), ended(False)], {"outcome": "abandoned", "callback_status": "pending"}),
        # An abandoned call has no agent, not the one whose phone rang last.
        ([offered(), queued(), ringing(), abandoned()], {"outcome": "abandoned", **NO_AGENT}),
        ([offered(), queued(), ringing(), abandoned(), ended(False)], NO_AGENT),
        ([offered(), queued(), ringing()], {"state": "ringing", "agent_interface": None}),
        ([offered(), queued(), ringing(), answered()], {"state": "talking", "agent_interface": ME}),
        # After a blind transfer the transferring operator's talk time ends at the transfer.
        ([offered(), queued(), answered(), blind()], {"talk_seconds": 15}),
        ([offered(), queued(), answered(), blind(), ended(True)], {"talk_seconds": None, "outcome": "answered"}),
        ([offered(), queued(), answered(), attended()], {"talk_seconds": 15, "transferred_to": OTHER}),
        # Outbound: the dialled customer, the operator who dialled, the attempt's true result.
        (
            [offered(ev.Direction.OUTBOUND, agent=ME)],
            {"state": "dialing", "agent_interface": ME, "caller_number": "+79161234567", "direction": "outbound"},
        ),
        (
            [
                offered(ev.Direction.OUTBOUND, agent=ME),
                ended(False, None, ev.Direction.OUTBOUND, ev.OriginateOutcome.BUSY),
            ],
            {"outcome": "busy"},
        ),
        (
            [offered(ev.Direction.OUTBOUND, agent=ME), ended(False, None, ev.Direction.OUTBOUND)],
            {"outcome": "no_answer"},
        ),
        (
            [offered(ev.Direction.OUTBOUND, agent=ME), ended(True, None, ev.Direction.OUTBOUND)],
            {"outcome": "answered"},
        ),
    ],
)
def test_card_rules(events: list[object], expected: dict[str, object]) -> None:
    _calls, change = fold(events)
    assert change is not None
    assert {k: change.fields.get(k) for k in expected} == expected  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "events",
    [
        # The next operator answering after a transfer does not take the card over.
        [offered(), queued(), answered(), blind(), answered(OTHER, 40)],
        # The consultation is not a change of the call's card.
        [offered(), queued(), answered(), consult(ev.ConsultState.RINGING)],
        # A second hand-over of the same call leaves the first operator's talk time alone.
        [offered(), queued(), answered(), blind(), answered(OTHER, 40), blind(50)],
    ],
)
def test_events_that_leave_the_card_alone(events: list[object]) -> None:
    _calls, change = fold(events)
    assert change is None


def test_a_failed_originate_gets_a_card_with_the_number_dialled_and_its_result() -> None:
    result = ev.OriginateResult(
        call_id="cb-1",
        at=T0,
        outcome=ev.OriginateOutcome.CONGESTION,
        action_id="a",
        channel_id="cb-1",
        destination="PJSIP/79161234567@trunk",
        correlation_id=None,
        reason_code=8,
        customer_number="79161234567",
    )
    change = card_change(result, None)
    assert change is not None and change.open
    assert (change.fields["outcome"], change.fields["caller_number"]) == ("failed", "+79161234567")


@pytest.mark.parametrize(
    ("events", "state", "agent", "consult_state"),
    [
        ([offered(), queued(), answered(), consult(ev.ConsultState.RINGING)], "talking", ME, "ringing"),
        ([offered(), queued(), answered(), consult(ev.ConsultState.TALKING)], "talking", ME, "talking"),
        # The consultee did not answer: the operator keeps the customer (and is told).
        ([offered(), queued(), answered(), consult(ev.ConsultState.FAILED)], "talking", ME, "failed"),
        ([offered(), queued(), answered(), consult(ev.ConsultState.CANCELLED)], "talking", ME, None),
        (
            [offered(), queued(), answered(), consult(ev.ConsultState.COMPLETED), attended()],
            "talking",
            OTHER,
            None,
        ),
        ([offered(), queued(), answered(), blind()], "queued", None, None),
        ([offered(), queued(), ringing(), abandoned()], "ringing", None, None),
    ],
)
def test_live_call_keeps_the_operator_in_control_through_a_consultation(
    events: list[object], state: str, agent: str | None, consult_state: str | None
) -> None:
    calls, _ = fold(events)
    call = calls.get("c1")
    assert call is not None
    assert (call.state, call.agent) == (state, agent)
    assert (call.consult.state.value if call.consult else None) == consult_state


def test_the_consultation_ccdesk_started_takes_the_pbx_word_for_its_leg() -> None:
    calls, _ = fold([offered(), queued(), answered()])
    call = calls.get("c1")
    assert call is not None
    calls.update(start_consult(call, "agent:1002"))
    calls.apply(consult(ev.ConsultState.TALKING))
    after = calls.get("c1")
    assert after is not None and after.consult is not None
    assert (after.consult.target, after.consult.agent, after.consult.channel) == (
        "agent:1002",
        OTHER,
        "Local/1002@agents-0001;1",
    )
    assert after.to_json()["consult"] == {"state": "talking", "target": "agent:1002"}


def test_call_json_names_the_customer_never_the_operators_phone() -> None:
    calls, _ = fold([offered(ev.Direction.OUTBOUND, agent=ME)])
    call = calls.get("c1")
    assert call is not None
    data = call.to_json()
    assert (data["direction"], data["state"], data["customer_number"]) == ("outbound", "dialing", "89161234567")
    assert {"ivr_path", "routing_reason", "consult", "queue", "offered_at", "answered_at"} <= set(data)


QUEUES = ("support", "billing")
EXTENSIONS = ("1001", "1002")


@pytest.mark.parametrize(
    ("raw", "kind", "value"),
    [
        ("queue:billing", "queue", "billing"),
        ("agent:1002", "agent", "1002"),
        ("1002", "agent", "1002"),  # an extension typed as a number is that operator
        ("+7 (916) 123-45-67", "number", "79161234567"),
        ("89161234567", "number", "89161234567"),
    ],
)
def test_transfer_targets(raw: str, kind: str, value: str) -> None:
    target = parse_target(raw, queues=QUEUES, extensions=EXTENSIONS)
    assert (target.kind, target.value) == (kind, value)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("queue:nowhere", "unknown_queue"),
        ("agent:1003", "unknown_extension"),
        ("agent:", "transfer_target_required"),
        ("", "transfer_target_required"),
        ("sipp", "invalid_number"),
        ("1002&Hangup", "invalid_number"),
        ("1\r\nAction: Originate", "invalid_transfer_target"),
        ("100\x0702", "invalid_number"),
        ("12345678901234567", "invalid_number"),
        ("pjsip:1002", "invalid_transfer_target"),
    ],
)
def test_transfer_targets_refused(raw: str, code: str) -> None:
    with pytest.raises(WorkstationError) as caught:
        parse_target(raw, queues=QUEUES, extensions=EXTENSIONS)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("+79161234567", None),
        ("89161234567", None),
        ("sipp", "not_a_phone_number"),
        ("anonymous", "not_a_phone_number"),
        (None, "no_number"),
        ("", "no_number"),
    ],
)
def test_call_back_entries_say_whether_they_can_be_dialled(number: str | None, reason: str | None) -> None:
    found = not_dialable(number)
    assert (found.value if found else None) == reason


def test_call_back_cursor_round_trips_to_the_microsecond() -> None:
    when = datetime(2026, 11, 20, 10, 10, 0, 123456, tzinfo=UTC)
    cursor = encode_cursor(when, 671)
    assert re.fullmatch(r"[0-9_]+", cursor)  # safe in a URL as it is
    assert decode_cursor(cursor) == (when, 671)
    with pytest.raises(WorkstationError):
        decode_cursor("2026-11-20T10:10:00+00:00~671")


def test_every_family_of_the_vocabulary_has_unique_snake_case_codes_and_label_keys() -> None:
    keys = v.all_label_keys()
    assert len(keys) == len(set(keys)) == sum(len(e) for e in v.FAMILIES.values())
    for family, enum_ in v.FAMILIES.items():
        for member in enum_:
            assert re.fullmatch(r"[a-z][a-z_]*", member.value), member
            assert v.label_key(member) == f"{family}.{member.value}"
            assert v.parse(enum_, member.value) is member
        assert v.parse(enum_, "no such code") is None
    assert v.as_json()["call_state"] == list(v.codes(v.CallState))


def _our_call_back(first: ev.CallOffered) -> list[str]:
    """The states of a call-back ccdesk placed (the operator's phone first) as its events come in."""
    from workstation.calls import CallService, Originated

    service = CallService(db=None, directory=None, notifier=None, execute=None, clock=lambda: T0)  # type: ignore[arg-type]
    service.originated["c1"] = Originated(interface=ME, number="+79161234567", customer_id=7, callback_card_id=None)
    result = ev.OriginateResult(
        call_id="c1",
        at=at(2),
        outcome=ev.OriginateOutcome.ANSWERED,
        action_id="a",
        channel_id="c1",
        destination=ME,
        correlation_id=None,
        reason_code=4,
    )
    customer_answered = ev.CallAnswered(
        call_id="c1", at=at(6), queue=None, agent=ME, agent_name=None, agent_channel=None, wait_seconds=4
    )
    states = []
    for event in (first, result, customer_answered):
        _before, after = service.fold(event)
        assert after is not None
        assert (after.agent, after.customer_number, after.customer_id) == (ME, "+79161234567", 7)
        states.append(str(after.state))
    return states


def test_a_call_back_rings_the_operator_then_dials_the_customer_then_talks() -> None:
    phone_leg_first = ev.CallOffered(
        call_id="c1",
        at=T0,
        direction=ev.Direction.OUTBOUND,
        caller_number="1001",
        caller_name=None,
        dialed_number="1001",
        channel=f"{ME}-0001",
    )
    assert _our_call_back(phone_leg_first) == ["ringing", "dialing", "talking"]
    assert _our_call_back(offered(ev.Direction.OUTBOUND, agent=ME)) == ["dialing", "dialing", "talking"]
