"""A stored campaign's settings as the dialer's values: its compliance Policy, its Run, its debtors."""

from __future__ import annotations

from dataclasses import replace
from datetime import time, timedelta

from crm_store.campaign_calls import DebtorRow
from crm_store.campaigns import CampaignRecord

from .compliance import Policy
from .debtor import NUMBER_ORDER, Debtor, DebtorNumber
from .engine import Run
from .errors import PolicyError
from .limits import RULE_SETS, Contact
from .retry import Retry, RetryRules
from .vocabulary import AttemptResult, Disposition, PacingMode
from .windows import CallingWindows


def _time(text: str, what: str) -> time:
    try:
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise PolicyError(f"{what}: {text!r} is not a time HH:MM") from None


def policy_of(c: CampaignRecord) -> Policy:
    """The campaign's rules: its windows, rule set, attempts and retry delay, abandon cap."""
    if c.rule_set not in RULE_SETS:
        raise PolicyError(f"unknown rule set {c.rule_set!r}")
    if not 1 <= c.max_attempts <= 40:
        raise PolicyError("max attempts must be from 1 to 40")
    if not 1 <= c.retry_minutes <= 7 * 24 * 60:
        raise PolicyError("the retry delay must be from 1 minute to 7 days")
    if not 0 <= c.abandon_cap_pct <= 10:
        raise PolicyError("the abandon cap must be from 0 to 10 %")
    retry = RetryRules(max_attempts=c.max_attempts)
    delay = timedelta(minutes=c.retry_minutes)
    results = dict(retry.results)
    results[AttemptResult.NO_ANSWER] = Retry(delay=delay, next_number=True)  # the campaign's own retry delay
    order = tuple(c.number_order) or NUMBER_ORDER
    return Policy(
        windows=CallingWindows(
            workday=(_time(c.window_start, "workday start"), _time(c.window_end, "workday end")),
            day_off=(_time(c.dayoff_start, "day-off start"), _time(c.dayoff_end, "day-off end")),
        ),
        rules=RULE_SETS[c.rule_set],
        retry=replace(retry, results=results),
        number_order=order,
        abandon_cap=c.abandon_cap_pct / 100,
    )


def run_of(c: CampaignRecord) -> Run:
    return Run(
        campaign_id=c.id,
        queue=c.queue,
        mode=PacingMode(c.pacing),
        policy=policy_of(c),
        dial_level=max(0.0, c.dial_level / 100),
        caller_id=c.caller_id,
        creditor=c.creditor,
    )


def debtor_of(row: DebtorRow) -> Debtor:
    return Debtor(
        debtor_id=row.target_id,
        region=row.region or None,
        numbers=tuple(DebtorNumber(e164=n.e164, kind=n.kind, primary=n.primary, wrong=n.wrong) for n in row.numbers),
        history=tuple(Contact(at=h.at, talked=h.talked, reminder=h.reminder) for h in row.history),
        attempts=row.attempts,
        not_before=row.next_attempt_at,
        number=row.number,
        promised_on=row.promised_on,
        promised_kop=row.promised_kop,
        callback_at=row.callback_at,
        closed=Disposition(row.closed) if row.closed else None,
    )
