"""The supervisor's rules as tables: which actions an operator's state allows, which waiting calls can be taken
or moved up, what ChanSpy is asked for, the commands of a move between queues, and the priority command's
checks (nothing malformed becomes an AMI action)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crm_store.vocabulary import SpyMode
from cti import control as cc
from cti.errors import InvalidValue
from workstation import presence as pr
from workstation import supervision as sv
from workstation.errors import WorkstationError
from workstation.live import LiveCall

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ME = "PJSIP/1001"
QUEUES = {"support": "Support", "billing": "Billing", "vip": "VIP"}
SPY = ("listen", "whisper", "barge")


def presence(**kw: object) -> pr.Presence:
    return pr.Presence(interface=ME, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "p, operator, actions",
    [
        (presence(), True, ()),
        (presence(queues=("support",)), True, ("pause", "move", "log_out")),
        (presence(queues=("support",), paused=True, paused_reason="lunch"), True, ("unpause", "move", "log_out")),
        # after-call work is ccdesk's own pause: a supervisor may still pause for a reason, or end it
        (
            presence(queues=("support",), paused=True, paused_reason="after_call_work", wrap_up_since=T0),
            True,
            ("pause", "unpause", "move", "log_out"),
        ),
        (presence(queues=("support",), call_state="ringing", call_id="c1"), True, ("pause", "move", "log_out")),
        (presence(queues=("support",), call_state="talking", call_id="c1"), True, ("pause", "move", "log_out", *SPY)),
        # a static member only: nothing to move out of
        (presence(static_queues=("billing",)), True, ("pause", "log_out")),
        # signed out beside a static membership (paused "signed_out"): nothing to do
        (presence(static_queues=("billing",), paused=True, paused_reason=pr.SIGNED_OUT), True, ()),
        # a phone nobody signs in at (a simulated bot): only its calls can be listened to
        (presence(queues=("support",)), False, ()),
        (presence(queues=("support",), call_state="talking", call_id="c1"), False, SPY),
    ],
)
def test_the_actions_an_operators_state_allows(p: pr.Presence, operator: bool, actions: tuple[str, ...]) -> None:
    assert sv.agent_actions(p, operator=operator) == actions


def call(**kw: object) -> LiveCall:
    base: dict[str, object] = {
        "call_id": "c1",
        "direction": "inbound",
        "state": "queued",
        "caller_number": "79161234567",
        "dialed_number": "88005550100",
        "offered_at": T0,
        "queue": "support",
        "customer_channel": "PJSIP/trunk-00000001",
    }
    return LiveCall(**{**base, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "c, actions",
    [
        (call(), ("take_over", "priority")),
        (call(state="ringing", agent=ME), ("take_over", "priority")),  # a member rings: still waiting
        (call(state="talking", answered_at=T0), ()),
        (call(state="ivr", queue=None), ()),
        (call(customer_channel=None), ()),  # whose channel to move is unknown
        (call(state="ended"), ()),
    ],
)
def test_only_a_waiting_call_can_be_taken_over_or_moved_up(c: LiveCall, actions: tuple[str, ...]) -> None:
    assert sv.call_actions(c) == actions


@pytest.mark.parametrize("mode, options", [(SpyMode.LISTEN, "qE"), (SpyMode.WHISPER, "qEw"), (SpyMode.BARGE, "qEB")])
def test_chanspy_is_asked_quietly_to_end_with_the_call_and_to_whisper_or_barge(mode: SpyMode, options: str) -> None:
    assert sv.spy_options(mode) == options
    spy = cc.Spy(phone="PJSIP/1009", target="PJSIP/1001-0000000a", options=options, caller_id="OP1 <1001>")
    action = cc.originate_action(cc.spy_originate(spy), action_id="a1", channel_id="spy-1")
    assert (action["Channel"], action["Application"], action["Data"]) == (
        "PJSIP/1009",
        "ChanSpy",
        f"PJSIP/1001-0000000a,{options}",
    )


@pytest.mark.parametrize(
    "target, phone", [("PJSIP/1001\r\nAction: Hangup", "PJSIP/1009"), ("PJSIP/1001", "PJSIP/10\n09")]
)
def test_a_spy_on_a_forged_channel_or_phone_is_refused_before_any_action(target: str, phone: str) -> None:
    with pytest.raises(InvalidValue):
        cc.spy_originate(cc.Spy(phone=phone, target=target, options="qE"))


def test_a_move_adds_the_new_queue_first_keeping_the_pause_then_removes_the_old() -> None:
    p = presence(queues=("support", "billing"), paused=True, paused_reason="training")
    add, remove = sv.move_commands(p, "billing", "vip", queues=QUEUES, member_name="OP1")
    assert add == cc.QueueAdd(queue="vip", interface=ME, member_name="OP1", paused=True, reason="training")
    assert remove == cc.QueueRemove(queue="billing", interface=ME)


@pytest.mark.parametrize(
    "from_queue, to_queue, code",
    [
        ("billing", "nope", "unknown_queue"),
        ("vip", "support", "member_static"),  # queues.conf: no AMI action removes it
        ("billing", "vip", "not_in_queue"),
        ("support", "support", "already_in_queue"),
        ("support", "vip", "already_in_queue"),
    ],
)
def test_a_move_that_cannot_be_done_is_refused_before_anything_is_sent(
    from_queue: str, to_queue: str, code: str
) -> None:
    p = presence(queues=("support",), static_queues=("vip",))
    with pytest.raises(WorkstationError) as refused:
        sv.move_commands(p, from_queue, to_queue, queues=QUEUES, member_name="OP1")
    assert refused.value.code == code


def test_the_priority_change_is_queue_change_priority_caller() -> None:
    action, as_list = cc.action_of(cc.ChangeCallerPriority(queue="support", channel="PJSIP/trunk-00000001", priority=7))
    assert action == {
        "Action": "QueueChangePriorityCaller",
        "Queue": "support",
        "Caller": "PJSIP/trunk-00000001",
        "Priority": "7",
    }
    assert as_list is False


@pytest.mark.parametrize(
    "queue, channel, priority",
    [
        ("support\r\nAction: Hangup", "PJSIP/trunk-1", 1),
        ("support", "PJSIP/trunk-1\nX: y", 1),
        ("support", "PJSIP/trunk-1", -1),
        ("support", "PJSIP/trunk-1", cc.MAX_PRIORITY + 1),
        ("support", "PJSIP/trunk-1", True),
    ],
)
def test_a_forged_priority_change_never_becomes_an_action(queue: str, channel: str, priority: int) -> None:
    with pytest.raises(InvalidValue):
        cc.action_of(cc.ChangeCallerPriority(queue=queue, channel=channel, priority=priority))


@pytest.mark.parametrize(
    "value, ok",
    [
        (0, True),
        (5, True),
        (cc.MAX_PRIORITY, True),
        (-1, False),
        (True, False),
        ("3", False),
        (2.5, False),
        (None, False),
    ],
)
def test_a_priority_is_a_whole_number_in_range(value: object, ok: bool) -> None:
    if ok:
        assert sv.check_priority(value) == value
    else:
        with pytest.raises(WorkstationError) as refused:
            sv.check_priority(value)
        assert refused.value.code == "bad_priority"


def test_a_supervisor_pauses_for_a_persons_reason_never_for_after_call_work() -> None:
    assert "after_call_work" not in sv.PAUSE_REASONS and set(sv.PAUSE_REASONS) == {"break", "lunch", "training"}


def test_only_the_spy_modes_the_pbx_allows_are_offered() -> None:
    talking = presence(queues=("support",), call_state="talking", call_id="c1")
    assert sv.agent_actions(talking, operator=False, spy_modes=("listen",)) == ("listen",)
    assert sv.agent_actions(talking, operator=False, spy_modes=()) == ()


def _events() -> dict[str, object]:
    from cti import events as ev

    at = T0
    return {
        "offered": ev.CallOffered(
            call_id="c1",
            at=at,
            direction=ev.Direction.INBOUND,
            caller_number="79161234567",
            caller_name=None,
            dialed_number="88005550100",
            channel="PJSIP/trunk-00000001",
        ),
        "queued": ev.CallQueued(call_id="c1", at=at, queue="support", position=1, caller_number="79161234567"),
        "ringing": ev.AgentRinging(
            call_id="c1",
            at=at,
            queue="support",
            agent=ME,
            agent_name="OP1",
            agent_channel="PJSIP/1001-00000002",
            caller_number=None,
            caller_name=None,
        ),
        "taken": ev.AgentRinging(
            call_id="c1",
            at=at,
            queue=None,
            agent="PJSIP/1009",
            agent_name=None,
            agent_channel="PJSIP/1009-00000003",
            caller_number=None,
            caller_name=None,
        ),
        "no_answer": ev.AgentRingNoAnswer(
            call_id="c1", at=at, queue="support", agent=ME, agent_name=None, ring_seconds=15
        ),
        "answered": ev.CallAnswered(
            call_id="c1", at=at, queue="support", agent=ME, agent_name=None, agent_channel="x", wait_seconds=3
        ),
        "ended": ev.CallEnded(
            call_id="c1",
            at=at,
            direction=ev.Direction.INBOUND,
            answered=True,
            queue="support",
            agent=ME,
            talk_seconds=1,
            duration_seconds=2,
            cause=16,
            cause_text=None,
            ended_by="caller",
        ),
    }


@pytest.mark.parametrize(
    "story, shown",
    [
        (("offered",), []),  # not in a queue yet: nothing to show
        (("offered", "queued"), [("queued", "support", None)]),
        (("offered", "queued", "ringing"), [("queued", "support", None), ("ringing", "support", None)]),
        (
            ("offered", "queued", "ringing", "no_answer"),
            [("queued", "support", None), ("ringing", "support", None), ("queued", "support", None)],
        ),
        (
            ("offered", "queued", "ringing", "answered"),
            [("queued", "support", None), ("ringing", "support", None), ("talking", "support", ME)],
        ),
        (("offered", "queued", "taken"), [("queued", "support", None), ("gone", None, None)]),  # out of the queue
        (
            ("offered", "queued", "ringing", "answered", "ended"),
            [
                ("queued", "support", None),
                ("ringing", "support", None),
                ("talking", "support", ME),
                ("gone", None, None),
            ],
        ),
    ],
)
def test_the_floor_follows_a_call_from_the_queue_to_a_phone(
    story: tuple[str, ...], shown: list[tuple[object, ...]]
) -> None:
    events = _events()
    call: sv.FloorCall | None = None
    seen: list[tuple[object, ...]] = []
    for name in story:
        before, call = call, sv.floor_step(call, events[name])
        if call != before and ((before and before.shown) or (call and call.shown)):
            seen.append((call.state, call.queue, call.agent) if call and call.shown else ("gone", None, None))
    assert seen == shown
    if call is not None and call.waiting:
        assert call.to_json()["actions"] == ["take_over", "priority"] and call.number == "79161234567"
