"""What the IVR flow asks the edge to do (commands) and what it is told back (events).

A flow step returns commands in order. All but the last are fire-and-continue (play a prompt, set a
variable); the last one either produces the next event (GetDigits, a data request, RouteCall) or
ends the session (Finish). If the caller hangs up while any command runs, the edge drops the rest
and feeds `CallerHungUp`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from routing import RoutingDecision

from .values import (
    AccountInfo,
    ApplicationInfo,
    Balance,
    CallbackInfo,
    FiledApplication,
    PaymentInfo,
    ReadingInfo,
    ReadingVerdict,
)

# ------------------------------------------------------------------ channel commands (AGI)


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class Play:
    prompt: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SayNumber:
    number: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SayDigits:
    digits: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SayDate:
    day: date


@dataclass(frozen=True, slots=True, kw_only=True)
class GetDigits:
    """Play `prompt` and collect up to `max_digits` DTMF digits (`#` ends early)."""

    prompt: str
    timeout_ms: int
    max_digits: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SetVariable:
    name: str
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Hangup:
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class Progress:
    """The caller got this far: the first `path_length` path elements really happened.

    Not sent to the PBX. If the caller hangs up later in the same batch, the edge reports how far
    the batch got, so the recorded path ends where the caller really was (drop-out statistics)
    and a service counts as served only once its answer was played (or its data stored).
    """

    path_length: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Finish:
    """End the session: the edge records it and closes the AGI socket (the dialplan continues)."""


# ------------------------------------------------------------------ data requests (backend, routing)


@dataclass(frozen=True, slots=True, kw_only=True)
class LookUpPhone:
    e164: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LookUpAccount:
    number: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadBalance:
    account_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadLastPayment:
    account_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadLastReading:
    account_id: int
    meter: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreReading:
    account_id: int
    meter: str
    value: int
    max_increase: int


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadApplication:
    number: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestCallback:
    phone: str
    customer_id: int | None
    account_id: int | None
    topic: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FileApplication:
    """File an application of `type` for the caller (channel ivr); the edge adds the call and the clock."""

    type: str
    customer_id: int | None
    account_id: int | None
    phone: str | None
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RouteCall:
    """Ask routing for a queue; the edge adds the clock and the live queue load."""

    choice: str
    segment: str | None
    vip: bool
    debt_kop: int
    language: str


Command = (
    Answer
    | Play
    | SayNumber
    | SayDigits
    | SayDate
    | GetDigits
    | SetVariable
    | Hangup
    | Progress
    | Finish
    | LookUpPhone
    | LookUpAccount
    | LoadBalance
    | LoadLastPayment
    | LoadLastReading
    | StoreReading
    | LoadApplication
    | RequestCallback
    | FileApplication
    | RouteCall
)

# ------------------------------------------------------------------ events fed back to the flow


@dataclass(frozen=True, slots=True, kw_only=True)
class CallStarted:
    caller_id: str
    language: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DigitsEntered:
    digits: str


@dataclass(frozen=True, slots=True, kw_only=True)
class NoDigits:
    """GetDigits timed out with nothing typed (silence)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CallerHungUp:
    """The caller is gone; `path_length` is the last Progress reached in the batch, if any."""

    path_length: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PhoneLookedUp:
    accounts: Sequence[AccountInfo]


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountLookedUp:
    account: AccountInfo | None


@dataclass(frozen=True, slots=True, kw_only=True)
class BalanceLoaded:
    balance: Balance


@dataclass(frozen=True, slots=True, kw_only=True)
class LastPaymentLoaded:
    payment: PaymentInfo | None


@dataclass(frozen=True, slots=True, kw_only=True)
class LastReadingLoaded:
    reading: ReadingInfo | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadingStored:
    verdict: ReadingVerdict


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplicationLoaded:
    application: ApplicationInfo | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackRequested:
    callback: CallbackInfo


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplicationFiled:
    application: FiledApplication


@dataclass(frozen=True, slots=True, kw_only=True)
class CallRouted:
    decision: RoutingDecision


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestFailed:
    """A data request raised; `what` names it for the log."""

    what: str


Event = (
    CallStarted
    | DigitsEntered
    | NoDigits
    | CallerHungUp
    | PhoneLookedUp
    | AccountLookedUp
    | BalanceLoaded
    | LastPaymentLoaded
    | LastReadingLoaded
    | ReadingStored
    | ApplicationLoaded
    | CallbackRequested
    | ApplicationFiled
    | CallRouted
    | RequestFailed
)
