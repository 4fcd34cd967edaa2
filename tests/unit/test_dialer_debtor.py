"""A debtor's attempts and dispositions: number order, retries per result, what each disposition does."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from dialer.debtor import (
    AttemptEnded,
    Close,
    Debtor,
    DebtorError,
    DebtorNumber,
    Dialled,
    Disposed,
    MarkWrongNumber,
    ReminderSent,
    Schedule,
    ordered_numbers,
    step,
)
from dialer.limits import Contact
from dialer.retry import RetryRules
from dialer.vocabulary import AttemptResult, Disposition

RULES = RetryRules()
MOBILE = DebtorNumber(e164="+79161234567", kind="mobile")
HOME = DebtorNumber(e164="+74951234567", kind="home")
WORK = DebtorNumber(e164="+74957654321", kind="work")
T0 = datetime(2026, 11, 5, 7, 0, tzinfo=UTC)
T1 = T0 + timedelta(seconds=40)


def dialled(number: DebtorNumber = MOBILE, **changes: object) -> Debtor:
    d = replace(Debtor(debtor_id=5, region="г. Москва", numbers=(WORK, HOME, MOBILE)), **changes)  # type: ignore[arg-type]
    after, commands = step(RULES, d, Dialled(debtor_id=5, e164=number.e164, at=T0))
    assert commands == ()
    return after


@pytest.mark.parametrize(
    ("numbers", "order", "expected"),
    [
        ((WORK, HOME, MOBILE), ("mobile", "home", "work", "other"), (MOBILE, HOME, WORK)),
        ((WORK, HOME, MOBILE), ("home", "mobile"), (HOME, MOBILE, WORK)),  # kinds the rule omits come last
        (
            (MOBILE, replace(MOBILE, e164="+79990000000", primary=True)),
            ("mobile",),
            (replace(MOBILE, e164="+79990000000", primary=True), MOBILE),  # the primary first within a kind
        ),
    ],
)
def test_numbers_are_tried_by_rule(
    numbers: tuple[DebtorNumber, ...], order: tuple[str, ...], expected: tuple[DebtorNumber, ...]
) -> None:
    assert tuple(ordered_numbers(numbers, order)) == expected


@pytest.mark.parametrize(
    ("number", "result", "next_number", "delay"),
    [
        (MOBILE, AttemptResult.BUSY, MOBILE, timedelta(minutes=10)),  # soon, same number
        (MOBILE, AttemptResult.CONGESTION, MOBILE, timedelta(minutes=5)),
        (MOBILE, AttemptResult.NO_ANSWER, HOME, timedelta(minutes=2)),  # the next number, soon
        (HOME, AttemptResult.NO_ANSWER, WORK, timedelta(minutes=2)),
        (WORK, AttemptResult.NO_ANSWER, MOBILE, timedelta(hours=2)),  # the round is over: later, from the first
        (MOBILE, AttemptResult.FAILED, HOME, timedelta(minutes=2)),
        (WORK, AttemptResult.FAILED, MOBILE, timedelta(hours=1)),
        (WORK, AttemptResult.MACHINE, MOBILE, timedelta(hours=3)),
        (MOBILE, AttemptResult.ABANDONED, MOBILE, timedelta(hours=1)),  # they answered: this number works
        (MOBILE, AttemptResult.ANSWERED, MOBILE, timedelta(days=1)),  # talked, nothing recorded
    ],
)
def test_retry_is_scheduled_from_the_result(
    number: DebtorNumber, result: AttemptResult, next_number: DebtorNumber, delay: timedelta
) -> None:
    after, commands = step(RULES, dialled(number), AttemptEnded(debtor_id=5, result=result, at=T1))
    assert commands == (Schedule(debtor_id=5, at=T1 + delay),)
    assert (after.number, after.not_before, after.dialling, after.attempts) == (next_number.e164, T1 + delay, None, 1)


@pytest.mark.parametrize(
    ("result", "history"),
    [
        (AttemptResult.ANSWERED, (Contact(at=T0, talked=True),)),
        (AttemptResult.NO_ANSWER, (Contact(at=T0),)),
        (AttemptResult.ABANDONED, (Contact(at=T0), Contact(at=T0, reminder=True))),  # the message is a reminder
    ],
)
def test_attempts_are_counted_from_their_start(result: AttemptResult, history: tuple[Contact, ...]) -> None:
    after, _ = step(RULES, dialled(), AttemptEnded(debtor_id=5, result=result, at=T1))
    assert after.history == history


def test_a_wrong_number_is_marked_and_the_next_one_tried() -> None:
    talked, _ = step(RULES, dialled(), AttemptEnded(debtor_id=5, result=AttemptResult.ANSWERED, at=T1))
    after, commands = step(RULES, talked, Disposed(debtor_id=5, disposition=Disposition.WRONG_NUMBER, at=T1))
    assert commands == (
        MarkWrongNumber(debtor_id=5, e164=MOBILE.e164),
        Schedule(debtor_id=5, at=T1 + timedelta(minutes=1)),
    )
    assert after.number == HOME.e164
    assert [n.e164 for n in after.numbers if n.wrong] == [MOBILE.e164]


def test_the_last_wrong_number_leaves_nothing_to_call() -> None:
    d = dialled(numbers=(MOBILE,))
    talked, _ = step(RULES, d, AttemptEnded(debtor_id=5, result=AttemptResult.ANSWERED, at=T1))
    after, commands = step(RULES, talked, Disposed(debtor_id=5, disposition=Disposition.WRONG_NUMBER, at=T1))
    assert commands == (MarkWrongNumber(debtor_id=5, e164=MOBILE.e164),)
    assert after.not_before is None and all(n.wrong for n in after.numbers)


def test_numbers_marked_wrong_are_skipped_by_retries() -> None:
    d = dialled(numbers=(MOBILE, replace(HOME, wrong=True), WORK))
    after, _ = step(RULES, d, AttemptEnded(debtor_id=5, result=AttemptResult.NO_ANSWER, at=T1))
    assert after.number == WORK.e164


def _talked() -> Debtor:
    return step(RULES, dialled(), AttemptEnded(debtor_id=5, result=AttemptResult.ANSWERED, at=T1))[0]


@pytest.mark.parametrize("disposition", [Disposition.PAID_ALREADY, Disposition.DISPUTE, Disposition.DECEASED])
def test_closing_dispositions_close_the_debtor(disposition: Disposition) -> None:
    after, commands = step(RULES, _talked(), Disposed(debtor_id=5, disposition=disposition, at=T1))
    assert commands == (Close(debtor_id=5, disposition=disposition),)
    assert after.closed is disposition and after.not_before is None


def test_a_promise_to_pay_records_amount_and_date() -> None:
    event = Disposed(
        debtor_id=5, disposition=Disposition.PROMISE_TO_PAY, at=T1, amount_kop=250_000, promised_on=date(2026, 11, 12)
    )
    after, commands = step(RULES, _talked(), event)
    assert (after.promised_on, after.promised_kop, commands) == (date(2026, 11, 12), 250_000, ())


@pytest.mark.parametrize(
    ("amount", "on"),
    [(None, date(2026, 11, 12)), (0, date(2026, 11, 12)), (100, None), (100, date(2026, 11, 1))],
)
def test_a_promise_needs_an_amount_and_a_date_to_come(amount: int | None, on: date | None) -> None:
    event = Disposed(debtor_id=5, disposition=Disposition.PROMISE_TO_PAY, at=T1, amount_kop=amount, promised_on=on)
    with pytest.raises(DebtorError):
        step(RULES, _talked(), event)


def test_call_back_at_the_asked_time() -> None:
    when = T1 + timedelta(hours=5)
    after, commands = step(
        RULES, _talked(), Disposed(debtor_id=5, disposition=Disposition.CALL_BACK, at=T1, callback_at=when)
    )
    assert commands == (Schedule(debtor_id=5, at=when),)
    assert after.callback_at == when
    with pytest.raises(DebtorError):
        step(RULES, _talked(), Disposed(debtor_id=5, disposition=Disposition.CALL_BACK, at=T1, callback_at=T0))


def test_refused_waits_three_days() -> None:
    after, commands = step(RULES, _talked(), Disposed(debtor_id=5, disposition=Disposition.REFUSED, at=T1))
    assert commands == (Schedule(debtor_id=5, at=T1 + timedelta(days=3)),)
    assert after.not_before == T1 + timedelta(days=3) and after.closed is None


def test_the_attempt_limit_stops_the_retries() -> None:
    rules = RetryRules(max_attempts=1)
    d = Debtor(debtor_id=5, region=None, numbers=(MOBILE,))
    d, _ = step(rules, d, Dialled(debtor_id=5, e164=MOBILE.e164, at=T0))
    after, commands = step(rules, d, AttemptEnded(debtor_id=5, result=AttemptResult.BUSY, at=T1))
    assert commands == () and after.not_before is None


def test_reminders_go_into_the_history() -> None:
    d = Debtor(debtor_id=5, region=None, numbers=(MOBILE,))
    after, _ = step(RULES, d, ReminderSent(debtor_id=5, at=T0))
    assert after.history == (Contact(at=T0, reminder=True),)


def test_history_older_than_any_limit_is_dropped() -> None:
    old = Contact(at=T0 - timedelta(days=70), talked=True)
    d = dialled(history=(old,))
    after, _ = step(RULES, d, AttemptEnded(debtor_id=5, result=AttemptResult.BUSY, at=T1))
    assert old not in after.history


@pytest.mark.parametrize(
    ("debtor", "event"),
    [
        (
            Debtor(debtor_id=5, region=None, numbers=(MOBILE,)),
            AttemptEnded(debtor_id=5, result=AttemptResult.BUSY, at=T1),
        ),
        (dialled(), Dialled(debtor_id=5, e164=HOME.e164, at=T1)),  # two calls at once
        (dialled(), AttemptEnded(debtor_id=6, result=AttemptResult.BUSY, at=T1)),  # someone else's
    ],
)
def test_events_that_do_not_fit_are_refused(debtor: Debtor, event: AttemptEnded | Dialled) -> None:
    with pytest.raises(DebtorError):
        step(RULES, debtor, event)
