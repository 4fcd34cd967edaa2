"""Dialer pacing benchmark: a discrete-event simulation of 50 operators and 20,000 debtors.

    python bench/dialer.py           # Tuesday 2026-11-03 and Wednesday 4th, a public holiday (weekend hours)
    python bench/dialer.py --quick   # the Tuesday only

Two days, because the list runs dry after that: with 1 conversation a day and 2 a week per debtor, and
the promises, payments and disputes the first days bring, 20,000 debtors do not keep 50 operators busy
on a third day (occupancy falls for both pacings alike, and the comparison measures the list, not them).

Progressive and predictive pacing run in the same process over the same debtors, the same seed and the
same fixed parameters, so the figures compare from run to run: 35 % of attempts answered after 4–15 s of
ringing, 10 % busy (after 2–6 s), the rest given up after 25 s; talk time log-normal with a mean of 150 s;
wrap-up 15 s. Operators work 09:00–18:00 Moscow time; debtors live from Kaliningrad to Vladivostok.

Every decision goes through the pure core: dialer.pacing says how many calls to place, each one must be
a Dial from dialer.compliance.clear, each result goes through dialer.debtor.step. At the end every
simulated attempt is replayed against the rules by independent code here (calendar dates, ISO weeks and
calendar months in the debtor's true zone, the `holidays` calendar) and the violations are counted.

Occupancy is talk plus wrap-up time over logged-in time; the abandon rate is abandoned calls over
answered ones (connected plus abandoned); contacts are conversations with an operator.
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import holidays

from dialer import compliance, debtor, pacing
from dialer.compliance import Dial, Policy
from dialer.debtor import Debtor, DebtorNumber
from dialer.vocabulary import AttemptResult, Disposition, PacingMode

SEED = 20261102
OPERATORS = 50
DEBTORS = 20_000
ANSWERED, BUSY = 0.35, 0.10
RING_ANSWER = (4.0, 15.0)
RING_BUSY = (2.0, 6.0)
NO_ANSWER_GIVE_UP = 25.0
TALK_MEAN, TALK_SIGMA = 150.0, 0.8
WRAP = 15.0
ABANDON_MESSAGE = 6.0
FIRST_DAY = date(2026, 11, 3)  # a Tuesday; the next day, 4 November, is Unity Day
SHIFT = (6, 15)  # UTC hours: 09:00–18:00 in Moscow
# (region, landline code, true zone, weight): the account's region, as the store has it.
REGIONS = (
    ("Москва", "495", "Europe/Moscow", 30),
    ("Санкт-Петербург", "812", "Europe/Moscow", 12),
    ("Татарстан", "843", "Europe/Moscow", 8),
    ("Краснодарский край", "861", "Europe/Moscow", 8),
    ("Калининградская область", "4012", "Europe/Kaliningrad", 6),
    ("Самарская область", "846", "Europe/Samara", 6),
    ("Свердловская область", "343", "Asia/Yekaterinburg", 10),
    ("Новосибирская область", "383", "Asia/Novosibirsk", 8),
    ("Иркутская область", "3952", "Asia/Irkutsk", 4),
    ("Приморский край", "423", "Asia/Vladivostok", 6),
)
UNKNOWN_REGION_SHARE = 0.02  # no region, only a mobile: called only in hours inside every Russian zone's window
DO_NOT_CALL_SHARE = 0.01
WRONG_SHARE = 0.03  # numbers that belong to someone else: the operator marks them wrong
DISPOSITIONS = (
    (Disposition.PROMISE_TO_PAY, 30),
    (Disposition.REFUSED, 20),
    (Disposition.CALL_BACK, 10),
    (Disposition.PAID_ALREADY, 10),
    (Disposition.DISPUTE, 5),
    (Disposition.DECEASED, 1),
    (None, 24),
)


@dataclass(slots=True)
class Call:
    debtor_id: int
    e164: str
    placed: float
    ring: float
    result: AttemptResult


@dataclass(slots=True)
class Attempt:
    debtor_id: int
    e164: str
    at: datetime
    result: AttemptResult


@dataclass(slots=True)
class Population:
    debtors: dict[int, Debtor]
    true_zone: dict[int, str]
    wrong: frozenset[str]
    do_not_call: frozenset[str]


def population(seed: int) -> Population:
    rng = random.Random(seed)
    weights = [r[3] for r in REGIONS]
    debtors: dict[int, Debtor] = {}
    true_zone: dict[int, str] = {}
    wrong: set[str] = set()
    dnc: set[str] = set()
    for debtor_id in range(1, DEBTORS + 1):
        name, code, tz, _ = rng.choices(REGIONS, weights)[0]
        numbers = [DebtorNumber(e164=f"+79{rng.randrange(10**9):09d}", kind="mobile", primary=True)]
        region: str | None = name
        if rng.random() < UNKNOWN_REGION_SHARE:
            region = None
        else:
            if rng.random() < 0.5:
                numbers.append(
                    DebtorNumber(
                        e164=f"+7{code}{rng.randrange(10 ** (10 - len(code))):0{10 - len(code)}d}", kind="home"
                    )
                )
            if rng.random() < 0.2:
                numbers.append(DebtorNumber(e164=f"+79{rng.randrange(10**9):09d}", kind="work"))
        rng.shuffle(numbers)  # the number order is the rule's job, not the import's
        for n in numbers:
            if rng.random() < WRONG_SHARE:
                wrong.add(n.e164)
            if rng.random() < DO_NOT_CALL_SHARE:
                dnc.add(n.e164)
        debtors[debtor_id] = Debtor(debtor_id=debtor_id, region=region, numbers=tuple(numbers))
        true_zone[debtor_id] = tz
    return Population(debtors, true_zone, frozenset(wrong), frozenset(dnc))


@dataclass(slots=True)
class Operator:
    busy_until: float = 0.0  # end of talk or wrap-up
    talk_started: float = 0.0
    talk_end: float = 0.0
    busy: bool = False
    free_since: float = 0.0


@dataclass(slots=True)
class Figures:
    mode: str
    logged_seconds: float = 0.0
    busy_seconds: float = 0.0
    placed: int = 0
    answered: int = 0
    abandoned: int = 0
    contacts: int = 0
    max_rolling_abandon: float = 0.0
    results: Counter[str] = field(default_factory=Counter)
    refusals: Counter[str] = field(default_factory=Counter)
    attempts: list[Attempt] = field(default_factory=list)
    busy_by_day: Counter[date] = field(default_factory=Counter)

    @property
    def occupancy(self) -> float:
        return self.busy_seconds / self.logged_seconds

    @property
    def abandon_pct(self) -> float:
        return 100.0 * self.abandoned / max(1, self.answered + self.abandoned)

    @property
    def contacts_per_hour(self) -> float:
        return self.contacts / (self.logged_seconds / 3600)


def at(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def simulate(mode: PacingMode, pop: Population, days: list[date], seed: int) -> Figures:
    rng = random.Random(seed)
    policy = Policy()
    debtors = dict(pop.debtors)
    fig = Figures(mode=str(mode))
    pacer = pacing.Pacer()
    ops = [Operator() for _ in range(OPERATORS)]
    queue: list[tuple[float, int]] = [(0.0, d) for d in debtors]  # (not before, debtor), a heap
    heapq.heapify(queue)
    events: list[tuple[float, int, str, object]] = []
    seq = 0
    mu = math.log(TALK_MEAN) - TALK_SIGMA**2 / 2
    ringing: dict[int, Call] = {}  # keyed by a call number
    wrong_known: set[str] = set()
    day_start = 0.0

    def push(when: float, kind: str, payload: object) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(events, (when, seq, kind, payload))

    def feed(event: debtor.Event) -> None:
        new, commands = debtor.step(policy.retry, debtors[event.debtor_id], event, order=policy.number_order)
        debtors[event.debtor_id] = new
        for command in commands:
            if isinstance(command, debtor.Schedule):
                heapq.heappush(queue, (command.at.timestamp(), command.debtor_id))
            elif isinstance(command, debtor.MarkWrongNumber):
                wrong_known.add(command.e164)

    def outcome() -> tuple[AttemptResult, float]:
        roll = rng.random()
        if roll < ANSWERED:
            return AttemptResult.ANSWERED, rng.uniform(*RING_ANSWER)
        if roll < ANSWERED + BUSY:
            return AttemptResult.BUSY, rng.uniform(*RING_BUSY)
        return AttemptResult.NO_ANSWER, NO_ANSWER_GIVE_UP

    def place(now: float, wanted: int, shift_end: float) -> None:
        placed = 0
        stamp = at(now)
        while placed < wanted and queue and queue[0][0] <= now:
            _, debtor_id = heapq.heappop(queue)
            d = debtors[debtor_id]
            if d.dialling is not None or (d.not_before is not None and d.not_before.timestamp() > now):
                continue  # a stale queue entry: a newer one is in the heap
            cleared = compliance.clear(
                policy, d, stamp, do_not_call=pop.do_not_call, may_abandon=mode is PacingMode.PREDICTIVE
            )
            if not isinstance(cleared, Dial):
                fig.refusals[cleared.reason] += 1
                if cleared.until is not None:
                    heapq.heappush(queue, (max(cleared.until.timestamp(), now + 1), debtor_id))
                continue
            feed(debtor.Dialled(debtor_id=debtor_id, e164=cleared.e164, at=stamp))
            result, ring = outcome()
            call_no = len(fig.attempts)
            fig.attempts.append(Attempt(debtor_id, cleared.e164, stamp, result))
            ringing[call_no] = Call(debtor_id, cleared.e164, now, ring, result)
            push(now + ring, "settle", call_no)
            fig.placed += 1
            placed += 1

    def floor(now: float) -> pacing.Floor:
        free = sum(1 for o in ops if not o.busy)
        talking = tuple(now - o.talk_started for o in ops if o.busy and now < o.talk_end)
        wrapping = tuple(o.busy_until - now for o in ops if o.busy and now >= o.talk_end)
        return pacing.Floor(
            free=free, talking=talking, wrapping=wrapping, ringing=tuple(now - c.placed for c in ringing.values())
        )

    def settle(now: float, call_no: int) -> None:
        nonlocal pacer
        call = ringing.pop(call_no)
        result = call.result
        stamp = at(now)
        if result is AttemptResult.ANSWERED:
            free = [o for o in ops if not o.busy]
            if not free:
                result = AttemptResult.ABANDONED
                fig.attempts[call_no].result = result
            else:
                if call.e164 in pop.wrong:
                    disposition: Disposition | None = Disposition.WRONG_NUMBER
                else:
                    disposition = rng.choices([d for d, _ in DISPOSITIONS], [w for _, w in DISPOSITIONS])[0]
                op = min(free, key=lambda o: o.free_since)
                talk = rng.lognormvariate(mu, TALK_SIGMA)
                op.busy, op.talk_started, op.talk_end, op.busy_until = True, now, now + talk, now + talk + WRAP
                push(op.busy_until, "free", (op, talk, call.debtor_id, disposition))
                fig.contacts += 1
        fig.results[result] += 1
        if result is AttemptResult.ANSWERED:
            fig.answered += 1
        elif result is AttemptResult.ABANDONED:
            fig.abandoned += 1
        pacer = pacing.observe(policy, pacer, pacing.Settled(result=result, ring_seconds=call.ring), stamp)
        if now >= day_start + policy.abandon_window.total_seconds():  # the window holds a full hour of calls
            rate, _ = pacing.abandon_rate(policy, pacer, stamp)
            fig.max_rolling_abandon = max(fig.max_rolling_abandon, rate)
        ended = now + (ABANDON_MESSAGE if result is AttemptResult.ABANDONED else 0.0)
        if result is not AttemptResult.ANSWERED:
            feed(debtor.AttemptEnded(debtor_id=call.debtor_id, result=result, at=at(ended)))

    def freed(now: float, payload: tuple[Operator, float, int, Disposition | None]) -> None:
        nonlocal pacer
        op, talk, debtor_id, disposition = payload
        op.busy, op.free_since = False, now
        pacer = pacing.observe(policy, pacer, pacing.Talked(talk_seconds=talk, wrap_seconds=WRAP), at(now))
        feed(debtor.AttemptEnded(debtor_id=debtor_id, result=AttemptResult.ANSWERED, at=at(now - WRAP)))
        if disposition is None:
            return
        stamp = at(now)
        local = stamp.astimezone(ZoneInfo(pop.true_zone[debtor_id])).date()
        event = debtor.Disposed(
            debtor_id=debtor_id,
            disposition=disposition,
            at=stamp,
            amount_kop=100_00 * rng.randint(5, 100) if disposition is Disposition.PROMISE_TO_PAY else None,
            promised_on=local + timedelta(days=rng.randint(2, 10))
            if disposition is Disposition.PROMISE_TO_PAY
            else None,
            callback_at=stamp + timedelta(hours=rng.uniform(1, 26)) if disposition is Disposition.CALL_BACK else None,
        )
        feed(event)

    for day in days:
        start = datetime(day.year, day.month, day.day, SHIFT[0], tzinfo=UTC).timestamp()
        day_start = start
        end = datetime(day.year, day.month, day.day, SHIFT[1], tzinfo=UTC).timestamp()
        for o in ops:
            o.free_since = start
        fig.logged_seconds += OPERATORS * (end - start)
        push(start, "tick", None)
        while events:
            now, _, kind, payload = heapq.heappop(events)
            if kind == "settle":
                settle(now, payload)  # type: ignore[arg-type]
            elif kind == "free":
                op = payload[0]  # type: ignore[index]
                worked = min(op.busy_until, end) - max(op.talk_started, start)
                fig.busy_seconds += worked
                fig.busy_by_day[day] += worked
                freed(now, payload)  # type: ignore[arg-type]
            elif kind == "tick" and now < end:
                push(now + 5.0, "tick", None)  # placed calls wait for the queue's next due debtor too
            if start <= now < end:
                wanted = pacing.calls_to_place(policy, mode, pacer, floor(now), at(now))
                if wanted:
                    place(now, wanted, end)
    return fig


# ------------------------------------------------------------------ independent replay of the rules


def replay(fig: Figures, pop: Population) -> dict[str, int]:
    """Count rule breaks in the attempts with plain calendar arithmetic, not the dialer's code."""
    ru = holidays.country_holidays("RU", years=range(2026, 2028))
    window = 0
    talked: dict[int, list[date]] = defaultdict(list)
    messages: dict[int, list[date]] = defaultdict(list)
    bad_number = 0
    wrong_seen: set[str] = set()
    for a in fig.attempts:
        local = a.at.astimezone(ZoneInfo(pop.true_zone[a.debtor_id]))
        day_off = local.weekday() >= 5 or local.date() in ru
        opens, closes = (9, 20) if day_off else (8, 22)
        minutes = local.hour * 60 + local.minute + local.second / 60
        if not opens * 60 <= minutes <= closes * 60:
            window += 1
        if a.e164 in pop.do_not_call or a.e164 in wrong_seen:
            bad_number += 1
        if a.result is AttemptResult.ANSWERED:
            talked[a.debtor_id].append(local.date())
            if a.e164 in pop.wrong:
                wrong_seen.add(a.e164)  # the operator marks it wrong during this call
        elif a.result is AttemptResult.ABANDONED:
            messages[a.debtor_id].append(local.date())
    caps = 0
    for dates, (per_day, per_week, per_month) in ((talked, (1, 2, 8)), (messages, (2, 4, 16))):
        for days in dates.values():
            caps += sum(max(0, n - per_day) for n in Counter(days).values())
            caps += sum(max(0, n - per_week) for n in Counter(d.isocalendar()[:2] for d in days).values())
            caps += sum(max(0, n - per_month) for n in Counter((d.year, d.month) for d in days).values())
    return {"window": window, "contact_cap": caps, "bad_number": bad_number}


def check_the_replay(pop: Population) -> None:
    """The replay must see a break when there is one: a call at 08:30 on the holiday, two talks in a day."""
    moscow = next(d for d, tz in pop.true_zone.items() if tz == "Europe/Moscow" and pop.debtors[d].region)
    e164 = pop.debtors[moscow].numbers[0].e164
    fake = Figures(mode="check")
    fake.attempts = [
        Attempt(moscow, e164, datetime(2026, 11, 4, 5, 30, tzinfo=UTC), AttemptResult.NO_ANSWER),  # 08:30, Unity Day
        Attempt(moscow, e164, datetime(2026, 11, 5, 7, 0, tzinfo=UTC), AttemptResult.ANSWERED),
        Attempt(moscow, e164, datetime(2026, 11, 5, 12, 0, tzinfo=UTC), AttemptResult.ANSWERED),
    ]
    found = replay(fake, pop)
    assert found["window"] == 1 and found["contact_cap"] == 1, found


def report(fig: Figures, violations: dict[str, int], seconds: float) -> None:
    print(
        f"{fig.mode:>11}: occupancy={fig.occupancy:.3f} abandon_pct={fig.abandon_pct:.2f} "
        f"max_rolling_abandon_pct={100 * fig.max_rolling_abandon:.2f} "
        f"contacts_per_operator_hour={fig.contacts_per_hour:.2f} attempts={fig.placed} contacts={fig.contacts} "
        f"abandoned={fig.abandoned} window_violations={violations['window']} "
        f"contact_cap_violations={violations['contact_cap']} number_violations={violations['bad_number']} "
        f"({seconds:.1f} s)"
    )
    per_day = " ".join(
        f"{d:%a}={busy / (OPERATORS * 3600 * (SHIFT[1] - SHIFT[0])):.3f}" for d, busy in sorted(fig.busy_by_day.items())
    )
    print(f"{'':>13}occupancy by day: {per_day}")
    print(f"{'':>13}results: " + ", ".join(f"{k}={v}" for k, v in sorted(fig.results.items())))
    print(f"{'':>13}refused by compliance: " + ", ".join(f"{k}={v}" for k, v in sorted(fig.refusals.items())))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one day instead of two")
    args = parser.parse_args()
    days = [FIRST_DAY] if args.quick else [FIRST_DAY + timedelta(days=i) for i in range(2)]
    pop = population(SEED)
    check_the_replay(pop)
    print(
        f"{OPERATORS} operators, {DEBTORS} debtors, {len(days)} day(s) of 9 h from {days[0]}, seed {SEED}; "
        f"answered {ANSWERED:.0%} after {RING_ANSWER[0]:.0f}–{RING_ANSWER[1]:.0f} s, busy {BUSY:.0%}, "
        f"no answer given up after {NO_ANSWER_GIVE_UP:.0f} s, talk log-normal mean {TALK_MEAN:.0f} s, wrap-up {WRAP:.0f} s"
    )
    figures = {}
    violations = {}
    for mode in (PacingMode.PROGRESSIVE, PacingMode.PREDICTIVE):
        started = time.perf_counter()
        fig = simulate(mode, pop, days, SEED + 1)
        figures[mode] = fig
        violations[mode] = replay(fig, pop)
        report(fig, violations[mode], time.perf_counter() - started)
    prog, pred = figures[PacingMode.PROGRESSIVE], figures[PacingMode.PREDICTIVE]
    window = sum(v["window"] for v in violations.values())
    caps = sum(v["contact_cap"] for v in violations.values())
    numbers = sum(v["bad_number"] for v in violations.values())
    print(
        f"predictive vs progressive: occupancy_ratio={pred.occupancy / prog.occupancy:.3f} "
        f"contacts_ratio={pred.contacts_per_hour / prog.contacts_per_hour:.3f} "
        f"abandon_pct={pred.abandon_pct:.2f} window_violations={window} contact_cap_violations={caps} "
        f"number_violations={numbers}"
    )


if __name__ == "__main__":
    main()
