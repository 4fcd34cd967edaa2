"""The operators' state fold for the reports: one state change per change of a phone's state, whatever the number
of queues the PBX echoes it for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crm_store.reports_states import StateChange
from cti import events as ev
from workstation import agent_states as ag

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)
ME = "PJSIP/1001"


def member(
    n: int, change: ev.MemberChange, queue: str = "support", paused: bool = False, reason: str = ""
) -> ev.AgentStateChanged:
    return ev.AgentStateChanged(
        at=T0 + timedelta(minutes=n),
        agent=ME,
        agent_name="A",
        queue=queue,
        change=change,
        status=ev.DeviceStatus.NOT_INUSE,
        paused=paused,
        pause_reason=reason,
        in_call=False,
        calls_taken=0,
        dynamic=True,
    )


ADDED, REMOVED, PAUSED, UNPAUSED, SNAPSHOT = (
    ev.MemberChange.ADDED,
    ev.MemberChange.REMOVED,
    ev.MemberChange.PAUSED,
    ev.MemberChange.UNPAUSED,
    ev.MemberChange.SNAPSHOT,
)


def fold(events: list[object]) -> list[tuple[int, str | None, str | None]]:
    phones: dict[str, ag.Phone] = {}
    out: list[StateChange] = []
    for event in events:
        phones, changes = ag.step(phones, event)
        out.extend(changes)
    return [(int((c.at - T0).total_seconds() // 60), c.state, c.reason) for c in out]


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        pytest.param(
            [member(0, ADDED), member(1, ADDED, "billing")],
            [(0, "ready", None)],
            id="signing in to two queues is one change",
        ),
        pytest.param(
            [
                member(0, ADDED),
                member(0, ADDED, "billing"),
                member(5, PAUSED, paused=True, reason="lunch"),
                member(5, PAUSED, "billing", paused=True, reason="lunch"),
                member(35, UNPAUSED),
                member(35, UNPAUSED, "billing"),
            ],
            [(0, "ready", None), (5, "paused", "lunch"), (35, "ready", None)],
            id="a pause echoed per queue is one pause, over when the last queue is unpaused",
        ),
        pytest.param(
            [member(0, ADDED), member(3, PAUSED, paused=True, reason="after_call_work"), member(4, UNPAUSED)],
            [(0, "ready", None), (3, "paused", "after_call_work"), (4, "ready", None)],
            id="after-call work is a pause of its own reason",
        ),
        pytest.param(
            [
                member(0, ADDED),
                member(2, PAUSED, paused=True, reason="break"),
                member(3, PAUSED, paused=True, reason="lunch"),
            ],
            [(0, "ready", None), (2, "paused", "break"), (3, "paused", "lunch")],
            id="a new reason is a new interval",
        ),
        pytest.param(
            [member(0, ADDED), member(1, ADDED, "billing"), member(9, REMOVED), member(10, REMOVED, "billing")],
            [(0, "ready", None), (10, None, None)],
            id="signed out when the last queue is left",
        ),
        pytest.param(
            [member(0, SNAPSHOT, paused=True, reason="signed_out")],
            [],
            id="a static member paused as signed out is not signed in",
        ),
        pytest.param(
            [member(0, SNAPSHOT, paused=True, reason="training"), member(1, SNAPSHOT, paused=True, reason="training")],
            [(0, "paused", "training")],
            id="the snapshot after a reconnect opens what it says",
        ),
    ],
)
def test_member_events_become_state_changes(
    events: list[object], expected: list[tuple[int, str | None, str | None]]
) -> None:
    assert fold(events) == expected


def test_other_events_change_nothing() -> None:
    phones = {ME: ag.Phone(queues={"support": None}, state="ready")}
    after, changes = ag.step(phones, object())
    assert after == phones and changes == ()
