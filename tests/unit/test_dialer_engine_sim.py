"""A discrete-event simulation of the whole dialer engine (dialer/engine.py, the same step the service runs)
fed with the CTI events a PBX would send: predictive pacing keeps the abandon rate under the cap, and an
independent replay finds no call outside the debtor's window and no second conversation in a local day.

Fixed seed and parameters (35 % answered after 4–15 s, 10 % busy, the rest given up after 25 s, talk
log-normal around 150 s, wrap-up 15 s); 10 operators, 600 debtors in three zones (and some whose zone is
unknown), from 07:00 to 12:00 Moscow time on a Tuesday, so the window's opening is crossed.
"""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from cti import events as ev
from dialer import debtor as machine
from dialer import engine
from dialer.compliance import Blocked, Policy
from dialer.debtor import Debtor, DebtorNumber
from dialer.vocabulary import AttemptResult, PacingMode

SEED = 12
OPERATORS = 10
DEBTORS = 600
START = datetime(2026, 11, 3, 4, 0, tzinfo=UTC)  # Tuesday 07:00 in Moscow
END = START + timedelta(hours=5)
TICK = 4.0
POLICY = Policy()
RUN = engine.Run(campaign_id=1, queue="debt", mode=PacingMode.PREDICTIVE, policy=POLICY, creditor="ЭнергоСбыт")
REGIONS = (("Москва", "Europe/Moscow"), ("Новосибирская область", "Asia/Novosibirsk"), ("Калининград", None))


def member(agent: str, *, free: bool, at: datetime) -> ev.AgentStateChanged:
    return ev.AgentStateChanged(
        at=at,
        agent=agent,
        agent_name=None,
        queue="debt",
        change=ev.MemberChange.STATUS,
        status=ev.DeviceStatus.NOT_INUSE if free else ev.DeviceStatus.INUSE,
        paused=False,
        pause_reason=None,
        in_call=not free,
        calls_taken=0,
        dynamic=True,
    )


def ended(call_id: str, at: datetime, outcome: ev.OriginateOutcome) -> ev.CallEnded:
    return ev.CallEnded(
        call_id=call_id,
        at=at,
        direction=ev.Direction.OUTBOUND,
        answered=outcome is ev.OriginateOutcome.ANSWERED,
        queue="debt",
        agent=None,
        talk_seconds=None,
        duration_seconds=None,
        cause=16,
        cause_text=None,
        ended_by=None,
        outcome=outcome,
    )


def originate(call_id: str, at: datetime, outcome: ev.OriginateOutcome) -> ev.OriginateResult:
    return ev.OriginateResult(
        call_id=call_id,
        at=at,
        outcome=outcome,
        action_id=None,
        channel_id=call_id,
        destination=None,
        correlation_id=None,
        reason_code=None,
    )


class Sim:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.state, _ = engine.step(engine.State(prefix="sim"), engine.RunsChanged(runs=(RUN,)), START)
        self.debtors: dict[int, Debtor] = {}
        self.true_zone: dict[int, str] = {}
        for i in range(1, DEBTORS + 1):
            region, zone = REGIONS[i % len(REGIONS)]
            unknown = i % 50 == 0
            self.debtors[i] = Debtor(
                debtor_id=i,
                region=None if unknown else region,
                numbers=(DebtorNumber(e164=f"+7916{i:07d}", kind="mobile"),),
            )
            self.true_zone[i] = zone or "Europe/Kaliningrad"
        self.free = [f"PJSIP/{100 + i}" for i in range(OPERATORS)]
        self.placed: dict[str, int] = {}
        self.queue: list[tuple[datetime, int, object]] = []
        self.seq = 0
        self.dials: list[tuple[datetime, int]] = []
        self.talks: list[tuple[datetime, int]] = []
        self.answered = self.abandoned = 0

    def at(self, when: datetime, event: object) -> None:
        self.seq += 1
        heapq.heappush(self.queue, (when, self.seq, event))

    def feed(self, event: engine.Event, now: datetime) -> None:
        self.state, commands = engine.step(self.state, event, now)
        for command in commands:
            self.run(command, now)

    def run(self, command: engine.Command, now: datetime) -> None:
        if isinstance(command, engine.PlaceCall):
            debtor_id = command.dial.debtor_id
            self.placed[command.call_id] = debtor_id
            self.dials.append((now, debtor_id))
            self.debtors[debtor_id], _ = machine.step(
                POLICY.retry,
                self.debtors[debtor_id],
                machine.Dialled(debtor_id=debtor_id, e164=command.dial.e164, at=now),
            )
            roll = self.rng.random()
            if roll < 0.35:
                outcome, ring = ev.OriginateOutcome.ANSWERED, self.rng.uniform(4, 15)
            elif roll < 0.45:
                outcome, ring = ev.OriginateOutcome.BUSY, self.rng.uniform(2, 6)
            else:
                outcome, ring = ev.OriginateOutcome.NO_ANSWER, 25.0
            self.at(now + timedelta(seconds=ring), originate(command.call_id, now + timedelta(seconds=ring), outcome))
        elif isinstance(command, engine.Defer):
            refusal = command.refusal
            d = self.debtors[refusal.debtor_id]
            done = refusal.until is None or refusal.reason is Blocked.ATTEMPT_LIMIT
            self.debtors[refusal.debtor_id] = replace(d, not_before=END if done else refusal.until)
        elif isinstance(command, engine.Record):  # a free operator takes the debtor
            agent = self.free.pop(0)
            self.feed(member(agent, free=False, at=now), now)
            answered = ev.CallAnswered(
                call_id=command.call_id,
                at=now,
                queue="debt",
                agent=agent,
                agent_name=None,
                agent_channel=f"{agent}-1",
                wait_seconds=0.0,
            )
            self.feed(answered, now)
            talk = self.rng.lognormvariate(math.log(150) - 0.32, 0.8)
            self.at(now + timedelta(seconds=talk), ("hangup", command.call_id, agent))
            self.talks.append((now, self.placed[command.call_id]))
        elif isinstance(command, engine.PlayAbandonMessage):
            self.at(
                now + timedelta(seconds=6),
                ended(command.call_id, now + timedelta(seconds=6), ev.OriginateOutcome.ANSWERED),
            )
        elif isinstance(command, engine.AttemptOver):
            debtor_id = self.placed.pop(command.call_id)
            if command.result is AttemptResult.ANSWERED:
                self.answered += 1
            elif command.result is AttemptResult.ABANDONED:
                self.answered += 1
                self.abandoned += 1
            self.debtors[debtor_id], _ = machine.step(
                POLICY.retry,
                self.debtors[debtor_id],
                machine.AttemptEnded(debtor_id=debtor_id, result=command.result, at=command.at),
            )

    def due(self, now: datetime) -> tuple[Debtor, ...]:
        busy = set(self.placed.values())
        ready = [
            d
            for d in self.debtors.values()
            if d.debtor_id not in busy and d.closed is None and (d.not_before is None or d.not_before <= now)
        ]
        return tuple(sorted(ready, key=lambda d: (d.not_before or START, d.debtor_id))[:60])

    def simulate(self) -> None:
        for agent in self.free:
            self.feed(member(agent, free=True, at=START), START)
        t = START
        while t < END:
            self.at(t, "tick")
            t += timedelta(seconds=TICK)
        while self.queue:
            now, _, event = heapq.heappop(self.queue)
            if event == "tick":
                self.feed(engine.DebtorsDue(campaign_id=1, debtors=self.due(now)), now)
                self.feed(engine.Tick(), now)
            elif isinstance(event, tuple) and event[0] == "hangup":
                _, call_id, agent = event
                self.feed(ended(call_id, now, ev.OriginateOutcome.ANSWERED), now)
                self.at(now + timedelta(seconds=15), ("free", agent))
            elif isinstance(event, tuple) and event[0] == "free":
                self.free.append(event[1])
                self.feed(member(event[1], free=True, at=now), now)
            else:
                assert isinstance(event, ev.OriginateResult | ev.CallEnded)
                self.feed(event, now)


def test_predictive_pacing_keeps_abandons_under_the_cap_and_breaks_no_rule() -> None:
    sim = Sim()
    sim.simulate()
    assert sim.answered > 300, "the simulation must be busy enough to mean something"
    assert sim.abandoned / sim.answered <= POLICY.abandon_cap
    # Independent replay: every dial inside 08:00–21:50 local time (a Tuesday, no holiday) in the true zone…
    outside = []
    for at, debtor_id in sim.dials:
        local = at.astimezone(ZoneInfo(sim.true_zone[debtor_id]))
        if not (8 * 60 <= local.hour * 60 + local.minute <= 21 * 60 + 50):
            outside.append((at, debtor_id))
    assert outside == []
    # …and at most one conversation per debtor per local day.
    per_day: dict[tuple[int, object], int] = {}
    for at, debtor_id in sim.talks:
        key = (debtor_id, at.astimezone(ZoneInfo(sim.true_zone[debtor_id])).date())
        per_day[key] = per_day.get(key, 0) + 1
    assert [k for k, n in per_day.items() if n > 1] == []
    moscow = [at for at, debtor_id in sim.dials if sim.true_zone[debtor_id] == "Europe/Moscow"]
    assert min(moscow) >= START + timedelta(hours=1)  # nobody in Moscow before 08:00 there
    assert min(at for at, _ in sim.dials) < START + timedelta(hours=1)  # Novosibirsk was called meanwhile
