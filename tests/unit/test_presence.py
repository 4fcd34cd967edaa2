"""Presence as tables: PBX and workstation events in, the operator's state and the commands to run out."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cti import control as cc
from cti import events as ev
from routing import NO_WRAP_UP, WrapUp
from workstation import presence as pr

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
END = T0 + timedelta(seconds=60)
ME = "PJSIP/1001"
POLICIES = {
    "support": WrapUp(seconds=30),
    "debt": WrapUp(seconds=60, require_result=True),
    "billing": NO_WRAP_UP,
}


def policy(queue: str | None) -> WrapUp:
    return POLICIES.get(queue or "", NO_WRAP_UP)


def member(
    change: ev.MemberChange = ev.MemberChange.ADDED,
    queue: str = "support",
    paused: bool = False,
    reason: str = "",
    dynamic: bool = True,
) -> ev.AgentStateChanged:
    return ev.AgentStateChanged(
        at=T0,
        agent=ME,
        agent_name="A",
        queue=queue,
        change=change,
        status=ev.DeviceStatus.NOT_INUSE,
        paused=paused,
        pause_reason=reason,
        in_call=False,
        calls_taken=0,
        dynamic=dynamic,
    )


def ringing(call_id: str = "c1", queue: str = "support") -> ev.AgentRinging:
    return ev.AgentRinging(
        call_id=call_id,
        at=T0,
        queue=queue,
        agent=ME,
        agent_name="A",
        agent_channel="PJSIP/1001-0002",
        caller_number="89161234567",
        caller_name=None,
    )


def answered(call_id: str = "c1", queue: str = "support", agent: str = ME) -> ev.CallAnswered:
    return ev.CallAnswered(
        call_id=call_id,
        at=T0,
        queue=queue,
        agent=agent,
        agent_name="A",
        agent_channel=f"{agent}-0002",
        wait_seconds=3.0,
    )


def no_answer() -> ev.AgentRingNoAnswer:
    return ev.AgentRingNoAnswer(call_id="c1", at=T0, queue="support", agent=ME, agent_name="A", ring_seconds=15.0)


def ended(call_id: str = "c1", queue: str = "support", answered_: bool = True) -> ev.CallEnded:
    return ev.CallEnded(
        call_id=call_id,
        at=END,
        direction=ev.Direction.INBOUND,
        answered=answered_,
        queue=queue,
        agent=ME if answered_ else None,
        talk_seconds=30.0 if answered_ else None,
        duration_seconds=40.0,
        cause=16,
        cause_text="Normal Clearing",
        ended_by="caller",
    )


def abandoned() -> ev.CallAbandoned:
    return ev.CallAbandoned(
        call_id="c1",
        at=END,
        queue="support",
        position=1,
        original_position=1,
        wait_seconds=9.0,
        reason=ev.AbandonReason.CALLER_HANGUP,
    )


def transferred() -> ev.CallTransferred:
    return ev.CallTransferred(call_id="c1", at=END, kind=ev.TransferKind.BLIND, from_agent=ME, to_queue="billing")


def run(events: list[object], start: pr.Presence | None = None) -> tuple[pr.Presence, tuple[object, ...]]:
    """Every event at END (the clock of the step); the commands of the last one."""
    p = start or pr.Presence(interface=ME)
    commands: tuple[object, ...] = ()
    for event in events:
        p, commands = pr.step(p, event, END, policy)
    return p, commands


PAUSE_ACW = cc.QueuePause(interface=ME, paused=True, reason="after_call_work")
UNPAUSE = cc.QueuePause(interface=ME, paused=False)
CANCEL = pr.CancelWrapUpTimer(interface=ME)


def timer(seconds: int, call_id: str | None = "c1") -> pr.StartWrapUpTimer:
    return pr.StartWrapUpTimer(interface=ME, call_id=call_id, at=END + timedelta(seconds=seconds))


@pytest.mark.parametrize(
    ("events", "state", "queues", "static", "reason"),
    [
        ([], "signed_out", (), (), None),
        ([member(ev.MemberChange.SNAPSHOT)], "available", ("support",), (), None),
        ([member(), member(queue="billing")], "available", ("support", "billing"), (), None),
        ([member(), member(ev.MemberChange.PAUSED, paused=True, reason="lunch")], "paused", ("support",), (), "lunch"),
        ([member(), member(ev.MemberChange.REMOVED)], "signed_out", (), (), None),
        ([member(), ringing()], "ringing", ("support",), (), None),
        ([member(), ringing(), answered()], "talking", ("support",), (), None),
        ([member(ev.MemberChange.SNAPSHOT, "billing", dynamic=False)], "available", (), ("billing",), None),
        (
            [member(ev.MemberChange.SNAPSHOT, "billing", dynamic=False), member(queue="support")],
            "available",
            ("support",),
            ("billing",),
            None,
        ),
    ],
)
def test_presence_is_rebuilt_from_pbx_events(
    events: list[object], state: str, queues: tuple[str, ...], static: tuple[str, ...], reason: str | None
) -> None:
    p, _ = run(events)
    assert (p.state, p.queues, p.static_queues, p.paused_reason) == (state, queues, static, reason)


SIGNED_IN = [member()]
WRAPPING = [*SIGNED_IN, ringing(), answered(), ended()]


@pytest.mark.parametrize(
    ("events", "state", "commands"),
    [
        # An answered call ends: the member is paused for after-call work, a timer is set.
        (WRAPPING, "wrap_up", (PAUSE_ACW, timer(30))),
        ([*SIGNED_IN, ringing(), answered(), transferred()], "wrap_up", (PAUSE_ACW, timer(30))),
        # A missed ring (the caller hung up while the phone rang) leaves nothing to wrap up.
        ([*SIGNED_IN, ringing(), ended(answered_=False)], "available", ()),
        ([*SIGNED_IN, ringing(), abandoned()], "available", ()),
        ([*SIGNED_IN, ringing(), abandoned(), ended(answered_=False)], "available", ()),
        ([*SIGNED_IN, ringing(), no_answer()], "available", ()),
        ([*SIGNED_IN, ringing(), answered(agent="PJSIP/1002")], "available", ()),
        # A queue without after-call work: ready at once.
        ([*SIGNED_IN, ringing("c1", "billing"), answered("c1", "billing"), ended("c1", "billing")], "available", ()),
        # The wrap-up ends with the saved card, "ready" or the timeout, and the member is unpaused.
        ([*WRAPPING, pr.CardSaved(call_id="c1", has_result=False)], "available", (CANCEL, UNPAUSE)),
        ([*WRAPPING, pr.ReadyAsked(has_result=False)], "available", (CANCEL, UNPAUSE)),
        ([*WRAPPING, pr.WrapUpTimedOut(call_id="c1", has_result=False)], "available", (CANCEL, UNPAUSE)),
        # A card saved during the call (with the result its queue needs) leaves nothing to wrap up.
        ([*SIGNED_IN, ringing(), answered(), pr.CardSaved(call_id="c1", has_result=False), ended()], "available", ()),
        (
            [*SIGNED_IN, ringing("c1", "debt"), answered("c1", "debt"), pr.CardSaved(call_id="c1", has_result=True)]
            + [ended("c1", "debt")],
            "available",
            (),
        ),
        (
            [*SIGNED_IN, ringing("c1", "debt"), answered("c1", "debt"), pr.CardSaved(call_id="c1", has_result=False)]
            + [ended("c1", "debt")],
            "wrap_up",
            (PAUSE_ACW, timer(60)),
        ),
        # … but not one saved for the call before (the saved mark does not outlive its call).
        (
            [*WRAPPING, pr.ReadyAsked(has_result=False), ringing("c2"), answered("c2"), ended("c2")],
            "wrap_up",
            (PAUSE_ACW, timer(30, "c2")),
        ),
        # A card of another call, or the timer of an older wrap-up, changes nothing.
        ([*WRAPPING, pr.CardSaved(call_id="c0", has_result=True)], "wrap_up", ()),
        ([*WRAPPING, pr.WrapUpTimedOut(call_id="c0", has_result=True)], "wrap_up", ()),
        # The PBX's own pause events during the wrap-up keep it going.
        ([*WRAPPING, member(ev.MemberChange.PAUSED, paused=True, reason="after_call_work")], "wrap_up", ()),
        ([*WRAPPING, member(ev.MemberChange.STATUS)], "wrap_up", ()),
        # Unpaused by someone else: the PBX offers calls again, so the wrap-up is over.
        ([*WRAPPING, member(ev.MemberChange.UNPAUSED)], "available", (CANCEL,)),
        # A call ringing during the wrap-up (another queue, a race) is shown; missed, the wrap-up goes on.
        ([*WRAPPING, ringing("c2", "debt")], "ringing", ()),
        ([*WRAPPING, ringing("c2", "debt"), ended("c2", "debt", answered_=False)], "wrap_up", ()),
        # Answered, its own wrap-up replaces the first one, with its queue's rules (the member stays paused).
        (
            [*WRAPPING, ringing("c2", "debt"), answered("c2", "debt"), ended("c2", "debt")],
            "wrap_up",
            (CANCEL, timer(60, "c2")),
        ),
    ],
)
def test_wrap_up_follows_the_call_and_the_operator(
    events: list[object], state: str, commands: tuple[object, ...]
) -> None:
    p, last = run(events)
    assert (p.state, last) == (state, commands)


def test_a_queue_requiring_a_result_keeps_the_operator_out_of_calls_until_it_is_there() -> None:
    p, _ = run([*SIGNED_IN, ringing("c1", "debt"), answered("c1", "debt"), ended("c1", "debt")])
    assert p.to_json()["wrap_up_requires_result"] is True
    assert p.to_json()["wrap_up_until"] == (END + timedelta(seconds=60)).isoformat()
    for event in (pr.CardSaved(call_id="c1", has_result=False), pr.WrapUpTimedOut(call_id="c1", has_result=False)):
        assert pr.step(p, event, END, policy) == (p, ())
    with pytest.raises(pr.Refused) as refused:
        pr.step(p, pr.ReadyAsked(has_result=False), END, policy)
    assert refused.value.code == "result_required"
    after, commands = pr.step(p, pr.CardSaved(call_id="c1", has_result=True), END, policy)
    assert (after.state, commands) == ("available", (CANCEL, UNPAUSE))


@pytest.mark.parametrize(
    "pause_event",
    [
        member(ev.MemberChange.PAUSED, paused=True, reason="lunch"),  # paused before the call ended
    ],
)
def test_an_operator_paused_for_another_reason_stays_paused(pause_event: ev.AgentStateChanged) -> None:
    # Paused during the call: no after-call-work pause over it, and none lifted at the end.
    p, commands = run([*SIGNED_IN, ringing(), answered(), pause_event, ended()])
    assert (p.state, commands) == ("wrap_up", (timer(30),))
    p, commands = pr.step(p, pr.WrapUpTimedOut(call_id="c1", has_result=False), END, policy)
    assert (p.state, p.paused_reason, commands) == ("paused", "lunch", (CANCEL,))
    # Paused by hand during the wrap-up: the wrap-up's end does not unpause either.
    p, _ = run([*WRAPPING, member(ev.MemberChange.PAUSED, paused=True, reason="lunch")])
    p, commands = pr.step(p, pr.CardSaved(call_id="c1", has_result=True), END, policy)
    assert (p.state, commands) == ("paused", (CANCEL,))


def test_after_a_restart_a_member_paused_for_after_call_work_gets_its_wrap_up_back() -> None:
    p, commands = run([member(ev.MemberChange.SNAPSHOT, paused=True, reason="after_call_work")])
    assert (p.state, commands) == ("wrap_up", (timer(30, None),))
    p, commands = pr.step(p, pr.WrapUpTimedOut(call_id=None, has_result=False), END, policy)
    assert (p.state, commands) == ("available", (CANCEL, UNPAUSE))


def test_ready_outside_a_wrap_up_lifts_a_leftover_after_call_work_pause_only() -> None:
    leftover = pr.Presence(interface=ME, queues=("support",), paused=True, paused_reason="after_call_work")
    assert pr.step(leftover, pr.ReadyAsked(has_result=False), END, policy)[1] == (UNPAUSE,)
    lunch = replace(leftover, paused_reason="lunch")
    assert pr.step(lunch, pr.ReadyAsked(has_result=False), END, policy)[1] == ()


def test_sign_in_adds_missing_queues_and_removes_dropped_ones() -> None:
    p = pr.Presence(interface=ME, queues=("support", "debt"))
    after, commands = pr.sign_in(p, ("support", "billing"), "Анна", END)
    assert commands == (
        cc.QueueAdd(queue="billing", interface=ME, member_name="Анна"),
        cc.QueueRemove(queue="debt", interface=ME),
    )
    assert after.queues == ("support", "billing")


def test_sign_in_leaves_static_memberships_alone_and_shows_them() -> None:
    p, _ = run([member(ev.MemberChange.SNAPSHOT, "billing", dynamic=False)])
    after, commands = pr.sign_in(p, ("support", "billing"), "Анна", END)
    assert commands == (cc.QueueAdd(queue="support", interface=ME, member_name="Анна"),)
    assert (after.queues, after.static_queues) == (("support",), ("billing",))
    assert after.to_json()["static_queues"] == ["billing"]
    _, commands = pr.sign_in(after, ("debt",), "Анна", END)
    assert cc.QueueRemove(queue="billing", interface=ME) not in commands


def test_sign_out_removes_dynamic_queues_and_pauses_a_static_member() -> None:
    p, _ = run([member(), member(ev.MemberChange.SNAPSHOT, "billing", dynamic=False)])
    after, commands = pr.sign_out(p, END)
    assert commands == (
        cc.QueueRemove(queue="support", interface=ME),
        cc.QueuePause(interface=ME, paused=True, reason="signed_out"),
    )
    assert after.state == "signed_out"
    back, commands = pr.sign_in(after, ("support",), "Анна", END)
    assert commands == (cc.QueueAdd(queue="support", interface=ME, member_name="Анна"), UNPAUSE)
    assert back.state == "available"


def test_sign_out_during_a_wrap_up_ends_it() -> None:
    p, _ = run(WRAPPING)
    after, commands = pr.sign_out(p, END)
    assert commands == (cc.QueueRemove(queue="support", interface=ME), CANCEL)
    assert (after.state, after.in_wrap_up, after.paused) == ("signed_out", False, False)


@pytest.mark.parametrize(
    ("presence", "reason", "code"),
    [
        (pr.Presence(interface=ME, queues=("support",)), "nap", "unknown_pause_reason"),
        (pr.Presence(interface=ME), "lunch", "not_signed_in"),
    ],
)
def test_pause_needs_a_known_reason_and_a_queue(presence: pr.Presence, reason: str, code: str) -> None:
    with pytest.raises(pr.Refused) as refused:
        pr.pause(presence, reason, END)
    assert refused.value.code == code


def test_resume_in_a_wrap_up_is_ready_and_follows_the_result_rule() -> None:
    p, _ = run([*SIGNED_IN, ringing("c1", "debt"), answered("c1", "debt"), ended("c1", "debt")])
    with pytest.raises(pr.Refused):
        pr.resume(p, False, END)
    after, commands = pr.resume(p, True, END)
    assert (after.state, commands) == ("available", (CANCEL, UNPAUSE))


SIGNED = pr.Presence(interface=ME, queues=("support", "billing"))


@pytest.mark.parametrize(
    ("command", "message", "queues", "static", "harmless"),
    [
        # Asterisk's answer to QueueRemove of a queues.conf member: learnt as static, the sign-in goes on.
        (cc.QueueRemove(queue="billing", interface=ME), "Member not dynamic", ("support",), ("billing",), True),
        (
            cc.QueueRemove(queue="billing", interface=ME),
            "Unable to remove interface: Not there",
            ("support", "billing"),
            (),
            True,
        ),
        (
            cc.QueueRemove(queue="debt", interface=ME),
            "AMI not connected (disconnected)",
            ("support", "billing", "debt"),
            (),
            False,
        ),
        (
            cc.QueueAdd(queue="billing", interface=ME),
            "Unable to add interface: Already there",
            ("support", "billing"),
            (),
            True,
        ),
        (
            cc.QueueAdd(queue="billing", interface=ME),
            "Unable to add interface to queue: No such queue",
            ("support",),
            (),
            False,
        ),
    ],
)
def test_a_refused_command_leaves_the_presence_as_the_pbx_is(
    command: pr.Command, message: str, queues: tuple[str, ...], static: tuple[str, ...], harmless: bool
) -> None:
    p, ok = pr.refused(SIGNED, SIGNED, command, message)
    assert (p.queues, p.static_queues, ok) == (queues, static, harmless)


def test_a_refused_after_call_work_pause_leaves_the_operator_unpaused() -> None:
    p, _ = run([*SIGNED_IN, ringing(), answered()])
    wrapping, _ = pr.step(p, ended(), END, policy)
    after, ok = pr.refused(p, wrapping, PAUSE_ACW, "Interface not found")
    assert (after.paused, after.acw_pause, after.state, ok) == (False, False, "wrap_up", False)
