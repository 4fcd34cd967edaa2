"""A generated contact-center day as the call tracker reports it (cti/events.py), for the wallboard's tests.

Every kind of call the statistics must tell apart: answered in a queue (after the IVR, after a phone that
did not answer), handed on blind into another queue or to a colleague (attended), a consultation nobody
answered, redirected to another queue while waiting, abandoned long and short (4.5 s rounds to 4, 5.0 s is
not short), abandoned with no QueueCallerAbandon, ended while the PBX link was down, IVR only, a direct call
nobody answered, an operator dialling out, a busy customer, an originate that never became a call, a dialer
call put through a queue, calls offered the evening before and still going on after midnight. Operators
sign in, pause for lunch, do after-call work (pause reason after_call_work); one signs out at night. Waits
and talk times have halves in them so that the cards' rounding is exercised.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cti import events as ev

MOSCOW = ZoneInfo("Europe/Moscow")
DAY = date(2026, 11, 30)
QUEUES = ("sales", "support", "billing")
SERVICE_LEVELS = {"billing": 30}  # the others keep the default 20 s
AGENTS = {f"PJSIP/agent{i}": QUEUES[: 1 + i % 3] if i % 2 else QUEUES[i % 3 :] for i in range(1, 8)}
WAITS = (0.4, 3.0, 4.5, 5.0, 5.5, 12.0, 19.6, 20.4, 20.5, 21.0, 29.5, 30.5, 45.0, 130.3)


def local(hour: float, day: date = DAY) -> datetime:
    return (datetime.combine(day, time(), tzinfo=MOSCOW) + timedelta(hours=hour)).astimezone(UTC)


@dataclass
class _Day:
    rng: random.Random
    events: list[tuple[datetime, int, object]] = field(default_factory=list)
    seq: int = 0
    calls: int = 0

    def add(self, at: datetime, make: type, **fields: object) -> None:
        self.seq += 1
        self.events.append((at, self.seq, make(at=at, **fields)))

    def member(
        self,
        at: datetime,
        agent: str,
        queue: str,
        change: ev.MemberChange,
        paused: bool = False,
        reason: str | None = None,
    ) -> None:
        self.add(
            at,
            ev.AgentStateChanged,
            agent=agent,
            agent_name=agent.split("/")[1].title(),
            queue=queue,
            change=change,
            status=ev.DeviceStatus.NOT_INUSE,
            paused=paused,
            pause_reason=reason,
            in_call=False,
            calls_taken=0,
            dynamic=True,
        )

    def pause_all(self, at: datetime, agent: str, paused: bool, reason: str | None) -> None:
        change = ev.MemberChange.PAUSED if paused else ev.MemberChange.UNPAUSED
        for queue in AGENTS[agent]:
            self.member(at, agent, queue, change, paused, reason)

    def new_call(self) -> str:
        self.calls += 1
        return f"1764{self.calls:06d}.{self.rng.randint(1, 999)}"

    def offered(
        self, call_id: str, at: datetime, direction: ev.Direction = ev.Direction.INBOUND, **extra: object
    ) -> None:
        self.add(
            at,
            ev.CallOffered,
            call_id=call_id,
            direction=direction,
            caller_number=f"+7916{self.rng.randint(1000000, 9999999)}",
            caller_name=None,
            dialed_number="88005550000",
            channel=f"PJSIP/trunk-{self.calls:08x}",
            **extra,
        )

    def ended(
        self, call_id: str, at: datetime, answered: bool, queue: str | None, agent: str | None, **extra: object
    ) -> None:
        fields: dict[str, object] = {
            "direction": ev.Direction.INBOUND,
            "talk_seconds": None,
            "duration_seconds": None,
            "cause": 16,
            "cause_text": "Normal Clearing",
            "ended_by": "caller",
            **extra,
        }
        self.add(at, ev.CallEnded, call_id=call_id, answered=answered, queue=queue, agent=agent, **fields)

    def ring(self, call_id: str, at: datetime, queue: str | None, agent: str) -> None:
        self.add(
            at,
            ev.AgentRinging,
            call_id=call_id,
            queue=queue,
            agent=agent,
            agent_name=None,
            agent_channel=f"{agent}-{self.rng.randint(1, 99999):08x}",
            caller_number=None,
            caller_name=None,
        )

    def answered(self, call_id: str, at: datetime, queue: str | None, agent: str, wait: float) -> None:
        self.add(
            at,
            ev.CallAnswered,
            call_id=call_id,
            queue=queue,
            agent=agent,
            agent_name=None,
            agent_channel=f"{agent}-{self.rng.randint(1, 99999):08x}",
            wait_seconds=wait,
        )

    def agent_of(self, queue: str) -> str:
        return self.rng.choice([a for a, qs in AGENTS.items() if queue in qs])

    def after_call_work(self, at: datetime, agent: str) -> None:
        self.pause_all(at + timedelta(seconds=0.2), agent, True, "after_call_work")
        self.pause_all(at + timedelta(seconds=self.rng.choice((5, 15, 40))), agent, False, None)

    # ------------------------------------------------------------------ the kinds of call
    def inbound(self, t0: datetime) -> None:
        rng = self.rng
        call_id = self.new_call()
        self.offered(call_id, t0)
        t = t0
        if rng.random() < 0.4:
            self.add(t + timedelta(seconds=0.3), ev.IvrStarted, call_id=call_id, channel="PJSIP/trunk", script="ivr")
            t += timedelta(seconds=rng.uniform(5, 40))
            if rng.random() < 0.15:  # served by the IVR alone
                self.ended(call_id, t, False, None, None)
                return
        if rng.random() < 0.04:  # hung up before anything happened
            self.ended(call_id, t + timedelta(seconds=1), False, None, None)
            return
        queue = rng.choice(QUEUES)
        self.add(t, ev.CallQueued, call_id=call_id, queue=queue, position=1, caller_number=None)
        wait = rng.choice(WAITS) if rng.random() < 0.5 else round(rng.uniform(0, 90), 3)
        answer_at = t + timedelta(seconds=wait)
        fate = rng.random()
        if wait > 6 and rng.random() < 0.3:  # a phone that rang and was not answered
            first = self.agent_of(queue)
            self.ring(call_id, t + timedelta(seconds=1), queue, first)
            self.add(
                t + timedelta(seconds=min(wait - 1, 6)),
                ev.AgentRingNoAnswer,
                call_id=call_id,
                queue=queue,
                agent=first,
                agent_name=None,
                ring_seconds=5.0,
            )
        if fate < 0.25:
            self.add(
                answer_at,
                ev.CallAbandoned,
                call_id=call_id,
                queue=queue,
                position=1,
                original_position=1,
                wait_seconds=wait,
                reason=ev.AbandonReason.CALLER_HANGUP,
            )
            self.ended(call_id, answer_at + timedelta(seconds=0.1), False, queue, None)
            return
        if fate < 0.29:  # left the queue with no abandon reported (e.g. a full queue): only the hang-up
            self.ended(call_id, answer_at, False, queue, None)
            return
        if fate < 0.31:  # the PBX link was down when it ended
            self.ended(call_id, answer_at, False, queue, None, lost_in_disconnect=True)
            return
        if fate < 0.36:  # redirected into another queue while waiting (a supervisor, the overflow rule)
            other = rng.choice([q for q in QUEUES if q != queue])
            moved_at = t + timedelta(seconds=wait / 2)
            self.add(
                moved_at,
                ev.CallTransferred,
                call_id=call_id,
                kind=ev.TransferKind.REDIRECT,
                from_agent=None,
                to_queue=other,
            )
            self.add(moved_at, ev.CallQueued, call_id=call_id, queue=other, position=1, caller_number=None)
            queue = other
        agent = self.agent_of(queue)
        self.ring(call_id, answer_at - timedelta(seconds=min(wait, 3)), queue, agent)
        self.answered(call_id, answer_at, queue, agent, wait)
        talk = rng.choice((0.5, 33.5, 60.0, 187.25, 412.7)) if rng.random() < 0.5 else rng.uniform(10, 600)
        t = answer_at + timedelta(seconds=talk)
        how = rng.random()
        if how < 0.12:  # blind transfer into another queue
            other = rng.choice([q for q in QUEUES if q != queue])
            self.add(
                t,
                ev.CallTransferred,
                call_id=call_id,
                kind=ev.TransferKind.BLIND,
                from_agent=agent,
                to_context="transfer",
                to_extension=other,
            )
            self.after_call_work(t, agent)
            self.add(
                t + timedelta(seconds=0.5), ev.CallQueued, call_id=call_id, queue=other, position=1, caller_number=None
            )
            wait2 = rng.choice(WAITS)
            t2 = t + timedelta(seconds=0.5 + wait2)
            if rng.random() < 0.3:  # the caller gave up in the second queue
                self.add(
                    t2,
                    ev.CallAbandoned,
                    call_id=call_id,
                    queue=other,
                    position=1,
                    original_position=1,
                    wait_seconds=wait2,
                    reason=ev.AbandonReason.CALLER_HANGUP,
                )
                self.ended(call_id, t2, True, other, agent, talk_seconds=talk)
                return
            second = self.agent_of(other)
            self.answered(call_id, t2, other, second, wait2)
            end = t2 + timedelta(seconds=rng.uniform(5, 200))
            self.ended(call_id, end, True, other, second, talk_seconds=(end - answer_at).total_seconds())
            self.after_call_work(end, second)
            return
        if how < 0.16:  # a consultation nobody answered: the operator has the customer back and ends the call
            for state in (ev.ConsultState.RINGING, ev.ConsultState.FAILED):
                t += timedelta(seconds=2)
                self.add(
                    t,
                    ev.ConsultChanged,
                    call_id=call_id,
                    state=state,
                    agent=agent,
                    target="1003",
                    target_agent=None,
                    channel=None,
                )
            end = t + timedelta(seconds=30)
            self.ended(call_id, end, True, queue, agent, talk_seconds=(end - answer_at).total_seconds())
            return
        if how < 0.2:  # attended transfer to a colleague
            colleague = rng.choice([a for a in AGENTS if a != agent])
            for state, target_agent in (
                (ev.ConsultState.RINGING, None),
                (ev.ConsultState.TALKING, colleague),
                (ev.ConsultState.COMPLETED, colleague),
            ):
                t += timedelta(seconds=3)
                self.add(
                    t,
                    ev.ConsultChanged,
                    call_id=call_id,
                    state=state,
                    agent=agent,
                    target="1002",
                    target_agent=target_agent,
                    channel="PJSIP/agent-consult",
                )
            self.add(
                t,
                ev.CallTransferred,
                call_id=call_id,
                kind=ev.TransferKind.ATTENDED,
                from_agent=agent,
                to_agent=colleague,
            )
            self.after_call_work(t, agent)
            end = t + timedelta(seconds=rng.uniform(5, 200))
            self.ended(call_id, end, True, queue, colleague, talk_seconds=(end - answer_at).total_seconds())
            self.after_call_work(end, colleague)
            return
        self.ended(call_id, t, True, queue, agent, talk_seconds=talk, duration_seconds=talk + wait)
        if rng.random() < 0.7:
            self.after_call_work(t, agent)

    def dial_out(self, t0: datetime) -> None:
        rng = self.rng
        call_id = self.new_call()
        agent = rng.choice(list(AGENTS))
        out = ev.Direction.OUTBOUND
        if rng.random() < 0.05:  # an originate that never became a call
            self.add(
                t0,
                ev.OriginateResult,
                call_id=f"originate:{call_id}",
                outcome=ev.OriginateOutcome.FAILED,
                action_id=call_id,
                channel_id=None,
                destination="89161234567",
                correlation_id=None,
                reason_code=0,
            )
            return
        if rng.random() < 0.3:  # the customer's line is busy
            self.offered(call_id, t0, out)
            self.add(
                t0 + timedelta(seconds=2),
                ev.OriginateResult,
                call_id=call_id,
                outcome=ev.OriginateOutcome.BUSY,
                action_id="a1",
                channel_id=call_id,
                destination="89161234567",
                correlation_id=None,
                reason_code=5,
            )
            self.ended(
                call_id, t0 + timedelta(seconds=2.1), False, None, None, direction=out, outcome=ev.OriginateOutcome.BUSY
            )
            return
        if rng.random() < 0.5:  # a dialer call: the customer picks up, then a queue finds an operator
            queue = rng.choice(QUEUES)
            self.offered(call_id, t0, out)
            self.add(
                t0 + timedelta(seconds=8),
                ev.OriginateResult,
                call_id=call_id,
                outcome=ev.OriginateOutcome.ANSWERED,
                action_id="a2",
                channel_id=call_id,
                destination="89161234567",
                correlation_id=None,
                reason_code=4,
            )
            self.add(
                t0 + timedelta(seconds=8.5), ev.CallQueued, call_id=call_id, queue=queue, position=1, caller_number=None
            )
            wait = rng.choice(WAITS)
            at = t0 + timedelta(seconds=8.5 + wait)
            agent = self.agent_of(queue)
            self.answered(call_id, at, queue, agent, wait)
            end = at + timedelta(seconds=rng.uniform(20, 300))
            self.ended(call_id, end, True, queue, agent, direction=out, talk_seconds=(end - at).total_seconds())
            return
        self.offered(call_id, t0, out, agent=agent)
        at = t0 + timedelta(seconds=rng.uniform(3, 20))
        self.answered(call_id, at, None, agent, (at - t0).total_seconds())
        end = at + timedelta(seconds=rng.uniform(20, 300))
        self.ended(call_id, end, True, None, agent, direction=out, talk_seconds=(end - at).total_seconds())


def generate_day(seed: int, calls: int = 400) -> list[Any]:
    """The events of one day (and of the evening before), in the order the tracker would send them."""
    rng = random.Random(seed)
    day = _Day(rng)
    for agent, queues in AGENTS.items():
        start = local(-1.5) if agent.endswith("1") else local(7 + rng.random())
        for queue in queues:
            day.member(start, agent, queue, ev.MemberChange.ADDED)
        lunch = local(12 + rng.random() * 2)
        day.pause_all(lunch, agent, True, "lunch")
        day.pause_all(lunch + timedelta(minutes=rng.randint(20, 50)), agent, False, None)
    leaver = "PJSIP/agent2"
    for queue in AGENTS[leaver]:
        day.member(local(23.5), leaver, queue, ev.MemberChange.REMOVED)  # signs out after the last call
    for _ in range(4):  # offered before midnight: they belong to the day before
        day.inbound(local(-rng.uniform(0.01, 0.05)))
    for _ in range(calls):
        t0 = local(rng.uniform(8, 22.5))
        (day.dial_out if rng.random() < 0.15 else day.inbound)(t0)
    for boundary in (9, 10.25, 14.5):  # calls offered exactly on an interval's first instant
        day.inbound(local(boundary))
    return [e for _, _, e in sorted(day.events, key=lambda item: (item[0], item[1]))]
