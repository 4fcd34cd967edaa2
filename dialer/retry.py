"""When to try a debtor again, and on which number, after each attempt result or disposition."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from .errors import PolicyError
from .vocabulary import AttemptResult, Disposition


@dataclass(frozen=True, slots=True, kw_only=True)
class Retry:
    """Wait `delay`; `next_number` moves on to the debtor's next number (it wraps to the first after the last)."""

    delay: timedelta
    next_number: bool = False


def _default_results() -> dict[AttemptResult, Retry]:
    return {
        AttemptResult.BUSY: Retry(delay=timedelta(minutes=10)),  # they are on the phone: soon, same number
        AttemptResult.CONGESTION: Retry(delay=timedelta(minutes=5)),  # the network, not the debtor
        AttemptResult.NO_ANSWER: Retry(delay=timedelta(hours=2), next_number=True),
        AttemptResult.FAILED: Retry(delay=timedelta(hours=1), next_number=True),
        AttemptResult.MACHINE: Retry(delay=timedelta(hours=3), next_number=True),
        AttemptResult.ABANDONED: Retry(delay=timedelta(hours=1)),  # they answered: this number works
        AttemptResult.ANSWERED: Retry(delay=timedelta(days=1)),  # talked, no disposition recorded
    }


def _default_dispositions() -> dict[Disposition, Retry]:
    return {
        Disposition.REFUSED: Retry(delay=timedelta(days=3)),
        Disposition.WRONG_NUMBER: Retry(delay=timedelta(minutes=1), next_number=True),
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryRules:
    """`next_number_delay`: how soon the next number is tried when the round of numbers is not over yet.

    Promise to pay waits for its date (compliance.Policy.promise_grace), call back for its time; paid
    already, dispute and deceased close the debtor for this campaign.
    """

    results: dict[AttemptResult, Retry] = field(default_factory=_default_results)
    dispositions: dict[Disposition, Retry] = field(default_factory=_default_dispositions)
    next_number_delay: timedelta = timedelta(minutes=2)
    max_attempts: int = 40

    def __post_init__(self) -> None:
        missing = set(AttemptResult) - set(self.results)
        if missing:
            raise PolicyError(f"retry rules miss results: {', '.join(sorted(missing))}")
        if self.max_attempts < 1:
            raise PolicyError("max_attempts must be at least 1")
