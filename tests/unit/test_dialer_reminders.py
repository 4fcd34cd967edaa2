"""SMS reminders: inside the window, to a mobile not on the do-not-call list, within 2 a day / 4 a week / 16 a month."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dialer.compliance import Blocked, Policy, Refusal
from dialer.debtor import Debtor, DebtorNumber
from dialer.limits import Contact
from dialer.reminders import Reminder, remind

NOW = datetime(2026, 11, 5, 7, 0, tzinfo=UTC)  # Thursday 10:00 in Moscow
MOBILE = DebtorNumber(e164="+79161234567", kind="mobile")
HOME = DebtorNumber(e164="+74951234567", kind="home")


def sent(*hours_ago: float) -> tuple[Contact, ...]:
    return tuple(Contact(at=NOW - timedelta(hours=h), reminder=True) for h in hours_ago)


@pytest.mark.parametrize(
    "history, numbers, now, dnc, want",
    [
        ((), (MOBILE,), NOW, frozenset(), None),
        (sent(1), (MOBILE,), NOW, frozenset(), None),  # the second today
        (sent(1, 2), (MOBILE,), NOW, frozenset(), Blocked.REMINDER_LIMIT),  # 2 a day
        (sent(30, 50, 75, 100), (MOBILE,), NOW, frozenset(), Blocked.REMINDER_LIMIT),  # 4 in 7 days
        ((), (HOME,), NOW, frozenset(), Blocked.NO_NUMBER),  # an SMS needs a mobile
        ((), (MOBILE,), NOW, frozenset({MOBILE.e164}), Blocked.NO_NUMBER),
        ((), (MOBILE,), NOW + timedelta(hours=14), frozenset(), Blocked.OUTSIDE_WINDOW),  # 00:00 in Moscow
    ],
)
def test_a_reminder_goes_out_only_when_every_rule_allows(
    history: tuple[Contact, ...],
    numbers: tuple[DebtorNumber, ...],
    now: datetime,
    dnc: frozenset[str],
    want: Blocked | None,
) -> None:
    debtor = Debtor(debtor_id=1, region="Москва", numbers=numbers, history=history)
    got = remind(Policy(), debtor, now, do_not_call=dnc)
    if want is None:
        assert isinstance(got, Reminder) and got.e164 == MOBILE.e164
    else:
        assert isinstance(got, Refusal) and got.reason is want
