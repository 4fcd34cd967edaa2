"""The compliance gate: a Dial comes out only when every rule allows it, otherwise the reason and when to ask again."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from dialer.compliance import Blocked, Dial, Policy, Refusal, clear
from dialer.debtor import Debtor, DebtorNumber
from dialer.errors import NotCleared, PolicyError
from dialer.limits import SEVEN_IN_SEVEN, Contact
from dialer.retry import RetryRules
from dialer.vocabulary import Disposition

POLICY = Policy()
MOBILE = DebtorNumber(e164="+79161234567", kind="mobile")
HOME = DebtorNumber(e164="+74951234567", kind="home")
# Thursday 2026-11-05, 10:00 in Moscow.
NOW = datetime(2026, 11, 5, 7, 0, tzinfo=UTC)


def msk(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour - 3, 0, tzinfo=UTC)


def talked(*moments: datetime) -> tuple[Contact, ...]:
    return tuple(Contact(at=m, talked=True) for m in moments)


def tried(*moments: datetime) -> tuple[Contact, ...]:
    return tuple(Contact(at=m) for m in moments)


def reminded(*moments: datetime) -> tuple[Contact, ...]:
    return tuple(Contact(at=m, reminder=True) for m in moments)


def moscow(**changes: object) -> Debtor:
    base = Debtor(debtor_id=7, region="г. Москва", numbers=(MOBILE, HOME))
    return replace(base, **changes)  # type: ignore[arg-type]


def gate(
    d: Debtor,
    now: datetime = NOW,
    *,
    policy: Policy = POLICY,
    may_abandon: bool = False,
    dnc: frozenset[str] = frozenset(),
) -> Dial | Refusal:
    return clear(policy, d, now, do_not_call=dnc, may_abandon=may_abandon)


def reason(result: Dial | Refusal) -> Blocked | None:
    return result.reason if isinstance(result, Refusal) else None


@pytest.mark.parametrize(
    ("history", "blocked"),
    [
        ((), None),
        (talked(msk(11, 5, 9)), Blocked.CONTACT_LIMIT),  # a conversation today already
        (talked(msk(11, 4)), None),  # yesterday: 2 in the week with this one
        (talked(msk(11, 2), msk(11, 4)), Blocked.CONTACT_LIMIT),  # 2 in the last 7 days
        (talked(msk(10, 29), msk(11, 3)), None),  # 29 Oct is 8 days ago: out of the rolling week
        (talked(msk(10, 30), msk(11, 3)), Blocked.CONTACT_LIMIT),
        # 8 in the last 31 days (6 Oct – 5 Nov), never more than 2 in a week
        (talked(*(msk(10, d) for d in (6, 9, 13, 16, 20, 23, 27, 30))), Blocked.CONTACT_LIMIT),
        (talked(*(msk(10, d) for d in (5, 9, 13, 16, 20, 23, 27, 30))), None),  # the first falls out
        (tried(*(msk(11, 5, h) for h in (8, 9))) + tried(msk(11, 4), msk(11, 3)), None),  # attempts are not talks
    ],
)
def test_russian_contact_limits_count_conversations(history: tuple[Contact, ...], blocked: Blocked | None) -> None:
    assert reason(gate(moscow(history=history))) == blocked


def test_the_day_is_the_debtors_local_day() -> None:
    vladivostok = Debtor(debtor_id=1, region="Приморский край", numbers=(MOBILE,))
    # Talked at 23:30 UTC on the 4th = 09:30 on the 5th in Vladivostok; now 00:30 UTC on the 5th = 10:30 there.
    d = replace(vladivostok, history=talked(datetime(2026, 11, 4, 23, 30, tzinfo=UTC)))
    now = datetime(2026, 11, 5, 0, 30, tzinfo=UTC)
    result = gate(d, now)
    assert reason(result) is Blocked.CONTACT_LIMIT
    assert isinstance(result, Refusal)
    assert result.until == datetime(2026, 11, 5, 22, 0, tzinfo=UTC)  # Friday 08:00 in Vladivostok


def test_limit_refusal_says_when_the_next_window_opens() -> None:
    result = gate(moscow(history=talked(msk(11, 5, 9))))
    assert isinstance(result, Refusal)
    assert result.until == msk(11, 6, 8)  # Friday 08:00 Moscow


@pytest.mark.parametrize(
    ("history", "blocked"),
    [
        (tried(*(msk(11, d) for d in range(1, 5))) + tried(msk(11, 5, 8), msk(11, 5, 9)), None),  # 6 attempts
        (
            tried(*(msk(11, d) for d in range(1, 5))) + tried(msk(11, 5, 8), msk(11, 5, 9), msk(10, 30)),
            Blocked.CONTACT_LIMIT,
        ),
        (tried(*(msk(10, d) for d in range(20, 29))), None),  # 9 attempts, but more than 7 days ago
        (talked(msk(11, 1)), Blocked.CONTACT_LIMIT),  # a conversation in the last 7 days
        (talked(msk(10, 29)), None),
    ],
)
def test_seven_in_seven_rule_set(history: tuple[Contact, ...], blocked: Blocked | None) -> None:
    policy = Policy(rules=SEVEN_IN_SEVEN)
    assert reason(gate(moscow(history=history), policy=policy)) == blocked


@pytest.mark.parametrize(
    ("history", "may_abandon", "blocked"),
    [
        (reminded(msk(11, 5, 9), msk(11, 5, 9)), True, Blocked.REMINDER_LIMIT),  # 2 today
        (reminded(msk(11, 5, 9), msk(11, 5, 9)), False, None),  # no recorded message can play: allowed
        (reminded(msk(11, 5, 9)), True, None),
        (reminded(msk(11, 1), msk(11, 2), msk(11, 3), msk(11, 4)), True, Blocked.REMINDER_LIMIT),  # 4 a week
        (reminded(msk(10, 26), msk(10, 28), msk(11, 3), msk(11, 4)), True, None),  # 26 Oct is out of the week
        (
            reminded(*(msk(10, d) for d in range(6, 30, 2))) + reminded(*(msk(11, d) for d in (1, 2, 3, 4))),
            True,
            Blocked.REMINDER_LIMIT,
        ),
    ],
)
def test_reminder_limits_hold_when_the_call_may_end_in_the_recorded_message(
    history: tuple[Contact, ...], may_abandon: bool, blocked: Blocked | None
) -> None:
    assert reason(gate(moscow(history=history), may_abandon=may_abandon)) == blocked


def test_reminders_do_not_count_as_conversations() -> None:
    assert isinstance(gate(moscow(history=reminded(msk(11, 5, 9)))), Dial)


@pytest.mark.parametrize(
    ("numbers", "dnc", "expected"),
    [
        ((MOBILE, HOME), frozenset(), MOBILE.e164),
        ((HOME, MOBILE), frozenset(), MOBILE.e164),  # the rule orders them, not the list
        ((MOBILE, HOME), frozenset({MOBILE.e164}), HOME.e164),  # opted out: skipped
        ((replace(MOBILE, wrong=True), HOME), frozenset(), HOME.e164),  # marked wrong: skipped
        ((replace(MOBILE, wrong=True), HOME), frozenset({HOME.e164}), Blocked.NO_NUMBER),
        ((), frozenset(), Blocked.NO_NUMBER),
    ],
)
def test_wrong_and_opted_out_numbers_are_never_dialled(
    numbers: tuple[DebtorNumber, ...], dnc: frozenset[str], expected: str | Blocked
) -> None:
    result = gate(moscow(numbers=numbers), dnc=dnc)
    if isinstance(expected, Blocked):
        assert reason(result) is expected
    else:
        assert isinstance(result, Dial)
        assert result.e164 == expected


def test_the_scheduled_number_is_dialled_while_it_is_usable() -> None:
    result = gate(moscow(number=HOME.e164))
    assert isinstance(result, Dial) and result.e164 == HOME.e164
    result = gate(moscow(number=HOME.e164), dnc=frozenset({HOME.e164}))
    assert isinstance(result, Dial) and result.e164 == MOBILE.e164


@pytest.mark.parametrize(
    ("now", "blocked"),
    [
        (msk(11, 9, 12), Blocked.NOT_YET),  # before the promised date
        (msk(11, 10, 12), Blocked.NOT_YET),  # the promised date itself: they may pay that day
        (msk(11, 11, 8), None),  # the day after, from the window's start
    ],
)
def test_a_promise_to_pay_holds_the_debtor_until_after_the_date(now: datetime, blocked: Blocked | None) -> None:
    d = moscow(promised_on=date(2026, 11, 10), promised_kop=150_000)
    assert reason(gate(d, now)) == blocked


def test_promise_refusal_says_when() -> None:
    result = gate(moscow(promised_on=date(2026, 11, 10), promised_kop=1), msk(11, 9))
    assert isinstance(result, Refusal)
    assert result.until == datetime(2026, 11, 10, 21, 0, tzinfo=UTC)  # midnight of the 11th in Moscow


@pytest.mark.parametrize(
    ("debtor", "blocked", "until"),
    [
        (moscow(closed=Disposition.PAID_ALREADY), Blocked.CLOSED, None),
        (moscow(closed=Disposition.DECEASED), Blocked.CLOSED, None),
        (moscow(dialling=MOBILE.e164, dialled_at=NOW), Blocked.IN_CALL, None),
        (moscow(attempts=RetryRules().max_attempts), Blocked.ATTEMPT_LIMIT, None),
        (moscow(not_before=NOW + timedelta(minutes=10)), Blocked.NOT_YET, NOW + timedelta(minutes=10)),
        (moscow(callback_at=NOW + timedelta(hours=3)), Blocked.NOT_YET, NOW + timedelta(hours=3)),
        (moscow(callback_at=NOW - timedelta(hours=3)), None, None),
    ],
)
def test_closed_busy_and_scheduled_debtors_wait(
    debtor: Debtor, blocked: Blocked | None, until: datetime | None
) -> None:
    result = gate(debtor)
    assert reason(result) == blocked
    if isinstance(result, Refusal):
        assert result.until == until


@pytest.mark.parametrize(
    ("region", "number", "now", "blocked", "until"),
    [
        ("г. Москва", MOBILE, msk(11, 5, 7), Blocked.OUTSIDE_WINDOW, msk(11, 5, 8)),
        (
            "Калининградская область",
            MOBILE,
            datetime(2026, 11, 5, 5, 30, tzinfo=UTC),
            Blocked.OUTSIDE_WINDOW,
            datetime(2026, 11, 5, 6, 0, tzinfo=UTC),
        ),
        (
            "Приморский край",
            MOBILE,
            datetime(2026, 11, 5, 12, 0, tzinfo=UTC),
            Blocked.OUTSIDE_WINDOW,
            datetime(2026, 11, 5, 22, 0, tzinfo=UTC),
        ),
        (
            None,
            MOBILE,
            datetime(2026, 11, 5, 11, 0, tzinfo=UTC),
            Blocked.OUTSIDE_WINDOW,
            datetime(2026, 11, 6, 6, 0, tzinfo=UTC),
        ),
        (None, MOBILE, datetime(2026, 11, 5, 7, 0, tzinfo=UTC), None, None),  # inside every Russian zone's window
        (
            None,
            DebtorNumber(e164="+73432123456", kind="home"),
            datetime(2026, 11, 5, 12, 0, tzinfo=UTC),
            None,
            None,
        ),  # 17:00 Yekaterinburg
    ],
)
def test_window_in_the_zone_of_the_region_or_number(
    region: str | None, number: DebtorNumber, now: datetime, blocked: Blocked | None, until: datetime | None
) -> None:
    d = Debtor(debtor_id=3, region=region, numbers=(number,))
    result = gate(d, now)
    assert reason(result) == blocked
    if isinstance(result, Refusal):
        assert result.until == until


def test_a_campaign_may_narrow_the_unknown_zones() -> None:
    policy = Policy(unknown_zones=("Europe/Moscow", "Europe/Samara"))
    d = Debtor(debtor_id=3, region=None, numbers=(MOBILE,))
    assert isinstance(gate(d, datetime(2026, 11, 5, 12, 0, tzinfo=UTC), policy=policy), Dial)  # 15:00 / 16:00


def test_a_dial_cannot_be_made_outside_the_gate() -> None:
    with pytest.raises(NotCleared):
        Dial(debtor_id=1, e164=MOBILE.e164, at=NOW, zones=("Europe/Moscow",), clearance=object())


def test_the_dial_says_what_and_when() -> None:
    result = gate(moscow())
    assert isinstance(result, Dial)
    assert (result.debtor_id, result.e164, result.at, result.zones) == (7, MOBILE.e164, NOW, ("Europe/Moscow",))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"abandon_cap": 1.5},
        {"abandon_cap": -0.01},
        {"abandon_window": timedelta(0)},
        {"unknown_zones": ()},
        {"unknown_zones": ("Mars/Olympus",)},
    ],
)
def test_unusable_policies_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(PolicyError):
        Policy(**kwargs)  # type: ignore[arg-type]
