"""The IVR flow as tables of (state, event) -> (state, commands): no sockets, no loop, no mocks."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from ivr import flow
from ivr.commands import (
    AccountLookedUp,
    Answer,
    BalanceLoaded,
    CallerHungUp,
    CallRouted,
    DigitsEntered,
    Finish,
    GetDigits,
    Hangup,
    LastPaymentLoaded,
    LastReadingLoaded,
    LoadBalance,
    LoadLastReading,
    LookUpAccount,
    LookUpPhone,
    NoDigits,
    PhoneLookedUp,
    Play,
    Progress,
    ReadingStored,
    RequestFailed,
    RouteCall,
    SayDate,
    SayNumber,
    SetVariable,
    StoreReading,
)
from ivr.flow import FlowError, IvrState
from ivr.menu import default_menu
from ivr.values import (
    ABANDONED,
    SELF_SERVED,
    TRANSFERRED,
    AccountInfo,
    Balance,
    PaymentInfo,
    ReadingInfo,
    ReadingVerdict,
)
from routing import RoutingDecision

MENU = default_menu()
ACCOUNT = AccountInfo(account_id=1, number="100200300", customer_id=10, debt_kop=0)
MAIN = GetDigits(prompt="main-menu", timeout_ms=5000, max_digits=1)
ENTER_READING = GetDigits(prompt="enter-reading", timeout_ms=5000, max_digits=8)
CONFIRM = GetDigits(prompt="confirm-reading", timeout_ms=5000, max_digits=1)
BASE_PATH = ("welcome", "identify")


def at(node: str, stage: str = "", **kw: object) -> IvrState:
    """A caller identified by phone, standing at `node`."""
    defaults: dict[str, object] = {
        "caller": "+79001234567",
        "account": ACCOUNT,
        "customer_id": 10,
        "segment": "individual",
        "identified_by": "phone",
        "steps": 3,
    }
    defaults.update(kw)
    path = defaults.pop("path", (*BASE_PATH, node))
    return IvrState(node=node, stage=stage, path=path, **defaults)  # type: ignore[arg-type]


def test_call_start_answers_greets_and_looks_up_the_number() -> None:
    state, commands = flow.start(MENU, caller_id="89001234567", language="ru")
    assert commands == (
        Answer(),
        Progress(path_length=1),
        Play(prompt="welcome"),
        Progress(path_length=2),
        LookUpPhone(e164="+79001234567"),
    )
    assert (state.node, state.stage, state.caller) == ("identify", "lookup", "+79001234567")


@pytest.mark.parametrize("caller_id", ["", "anonymous", "123", "00000"])
def test_caller_without_valid_number_is_asked_for_the_account(caller_id: str) -> None:
    state, commands = flow.start(MENU, caller_id=caller_id)
    assert commands[-1] == GetDigits(prompt="enter-account", timeout_ms=5000, max_digits=12)
    assert state.path == ("welcome", "identify", "ask-account") and state.caller is None


def test_unknown_language_falls_back_to_the_menus() -> None:
    state, _ = flow.start(MENU, caller_id="", language="en")
    assert state.language == "ru"


LOOKUP = at(
    "identify",
    "lookup",
    account=None,
    customer_id=None,
    segment=None,
    identified_by=None,
    path=BASE_PATH,
)
OTHER = AccountInfo(account_id=2, number="100200301", customer_id=10)
STRANGER = AccountInfo(account_id=3, number="100200302", customer_id=99)


@pytest.mark.parametrize(
    ("event", "node", "customer_id", "identified_by"),
    [
        (PhoneLookedUp(accounts=(ACCOUNT,)), "main", 10, "phone"),
        (PhoneLookedUp(accounts=(ACCOUNT, OTHER)), "ask-account", 10, "phone"),
        (PhoneLookedUp(accounts=(ACCOUNT, STRANGER)), "ask-account", None, None),
        (PhoneLookedUp(accounts=()), "ask-account", None, None),
    ],
)
def test_identification_by_number(
    event: PhoneLookedUp, node: str, customer_id: int | None, identified_by: str | None
) -> None:
    state, _ = flow.step(MENU, LOOKUP, event)
    assert (state.node, state.customer_id, state.identified_by) == (
        node,
        customer_id,
        identified_by,
    )


ASK = at("ask-account", "digits", account=None, customer_id=None, segment=None, identified_by=None)


@pytest.mark.parametrize(
    ("state", "event", "commands", "node", "attempts"),
    [
        (
            ASK,
            DigitsEntered(digits="100200300"),
            (LookUpAccount(number="100200300"),),
            "ask-account",
            0,
        ),
        (
            ASK,
            DigitsEntered(digits="12"),
            (
                Play(prompt="invalid-input"),
                GetDigits(prompt="enter-account", timeout_ms=5000, max_digits=12),
            ),
            "ask-account",
            1,
        ),
        (
            replace(ASK, stage="lookup"),
            AccountLookedUp(account=None),
            (
                Play(prompt="account-not-found"),
                GetDigits(prompt="enter-account", timeout_ms=5000, max_digits=12),
            ),
            "ask-account",
            1,
        ),
        (
            replace(ASK, stage="lookup"),
            AccountLookedUp(account=ACCOUNT),
            (Progress(path_length=4), MAIN),
            "main",
            0,
        ),
        (
            replace(ASK, attempts=2),
            NoDigits(),
            (
                Play(prompt="no-input"),
                Progress(path_length=4),
                RouteCall(choice="general", segment=None, vip=False, debt_kop=0, language="ru"),
            ),
            "operator",
            0,
        ),
    ],
)
def test_account_number_by_dtmf(
    state: IvrState, event: object, commands: tuple[object, ...], node: str, attempts: int
) -> None:
    new, out = flow.step(MENU, state, event)  # type: ignore[arg-type]
    assert out == commands
    assert (new.node, new.attempts) == (node, attempts)


MAIN_STATE = at("main", "choice")


@pytest.mark.parametrize(
    ("event", "commands", "attempts", "path_tail"),
    [
        (
            DigitsEntered(digits="1"),
            (Progress(path_length=4), LoadBalance(account_id=1)),
            0,
            ("main:1", "balance"),
        ),
        (
            DigitsEntered(digits="3"),
            (Progress(path_length=4), LoadLastReading(account_id=1, meter="electricity")),
            0,
            ("main:3", "meter"),
        ),
        (DigitsEntered(digits="8"), (Play(prompt="invalid-input"), MAIN), 1, ("main",)),
        (DigitsEntered(digits="#"), (Play(prompt="invalid-input"), MAIN), 1, ("main",)),
        (NoDigits(), (Play(prompt="no-input"), MAIN), 1, ("main",)),
    ],
)
def test_main_menu_choices(
    event: object, commands: tuple[object, ...], attempts: int, path_tail: tuple[str, ...]
) -> None:
    new, out = flow.step(MENU, MAIN_STATE, event)  # type: ignore[arg-type]
    assert out == commands
    assert new.attempts == attempts
    assert new.path[-len(path_tail) :] == path_tail


def test_silence_after_retries_goes_to_the_operator() -> None:
    new, out = flow.step(MENU, replace(MAIN_STATE, attempts=2), NoDigits())
    assert out[0] == Play(prompt="no-input") and isinstance(out[-1], RouteCall)
    assert new.node == "operator"


@pytest.mark.parametrize(
    ("balance", "said"),
    [
        (
            Balance(balance_kop=150_050, debt_kop=0),
            (
                Play(prompt="balance-is"),
                SayNumber(number=1500),
                Play(prompt="rubles"),
                SayNumber(number=50),
                Play(prompt="kopecks"),
                Play(prompt="no-debt"),
            ),
        ),
        (
            Balance(balance_kop=-1_234_500, debt_kop=1_234_500),
            (
                Play(prompt="balance-is"),
                Play(prompt="minus"),
                SayNumber(number=12345),
                Play(prompt="rubles"),
                Play(prompt="debt-is"),
                SayNumber(number=12345),
                Play(prompt="rubles"),
            ),
        ),
    ],
)
def test_balance_is_said_in_roubles_and_kopecks(balance: Balance, said: tuple[object, ...]) -> None:
    state = at("balance", "load")
    new, out = flow.step(MENU, state, BalanceLoaded(balance=balance))
    assert out[: len(said)] == said
    assert new.path[-2:] == ("+balance", "after-billing")
    assert new.account is not None and new.account.debt_kop == balance.debt_kop  # routing sees it


def test_last_payment_with_date_and_without() -> None:
    state = at("last-payment", "load")
    _, out = flow.step(
        MENU,
        state,
        LastPaymentLoaded(payment=PaymentInfo(paid_on=date(2026, 11, 1), amount_kop=230_000)),
    )
    assert out[:5] == (
        Play(prompt="last-payment-is"),
        SayNumber(number=2300),
        Play(prompt="rubles"),
        Play(prompt="paid-on"),
        SayDate(day=date(2026, 11, 1)),
    )
    _, out = flow.step(MENU, state, LastPaymentLoaded(payment=None))
    assert out[0] == Play(prompt="no-payments")


READING = at("meter", "digits", previous_reading=12_000)


@pytest.mark.parametrize(
    ("state", "event", "commands", "stage"),
    [
        (
            at("meter", "load"),
            LastReadingLoaded(reading=ReadingInfo(value=12_000, taken_on=date(2026, 10, 1))),
            (Play(prompt="last-reading-is"), SayNumber(number=12_000), ENTER_READING),
            "digits",
        ),
        (at("meter", "load"), LastReadingLoaded(reading=None), (ENTER_READING,), "digits"),
        (
            READING,
            DigitsEntered(digits="12345"),
            (Play(prompt="you-entered"), SayNumber(number=12_345), CONFIRM),
            "confirm",
        ),
        (
            READING,
            DigitsEntered(digits="12000"),  # unchanged is plausible (nothing consumed)
            (Play(prompt="you-entered"), SayNumber(number=12_000), CONFIRM),
            "confirm",
        ),
        (
            READING,
            DigitsEntered(digits="11999"),
            (Play(prompt="reading-lower"), ENTER_READING),
            "digits",
        ),
        (
            READING,
            DigitsEntered(digits="17001"),
            (Play(prompt="reading-too-high"), ENTER_READING),
            "digits",
        ),
        (
            READING,
            DigitsEntered(digits="*"),
            (Play(prompt="invalid-input"), ENTER_READING),
            "digits",
        ),
        (
            replace(READING, stage="confirm", reading=12_345),
            DigitsEntered(digits="1"),
            (StoreReading(account_id=1, meter="electricity", value=12_345, max_increase=5000),),
            "store",
        ),
        (
            replace(READING, stage="confirm", reading=12_345),
            DigitsEntered(digits="2"),
            (Play(prompt="reading-cancelled"), ENTER_READING),
            "digits",
        ),
        (
            replace(READING, stage="confirm", reading=12_345),
            NoDigits(),
            (Play(prompt="no-input"), SayNumber(number=12_345), CONFIRM),
            "confirm",
        ),
        (
            replace(READING, stage="store", reading=12_345),
            ReadingStored(verdict=ReadingVerdict(problem="lower", previous=13_000)),
            (Play(prompt="reading-lower"), ENTER_READING),
            "digits",
        ),
    ],
)
def test_meter_reading_steps(state: IvrState, event: object, commands: tuple[object, ...], stage: str) -> None:
    new, out = flow.step(MENU, state, event)  # type: ignore[arg-type]
    assert out == commands
    assert new.stage == stage


def test_stored_reading_counts_as_served_before_the_thank_you() -> None:
    state = replace(READING, stage="store", reading=12_345)
    new, out = flow.step(MENU, state, ReadingStored(verdict=ReadingVerdict(problem=None)))
    assert out[:2] == (Progress(path_length=4), Play(prompt="reading-accepted"))
    assert new.path[3] == "+reading:12345"


def test_reading_retries_exhausted_go_to_the_meter_operator() -> None:
    new, out = flow.step(MENU, replace(READING, attempts=2), DigitsEntered(digits="1"))
    assert out[0] == Play(prompt="reading-lower")
    assert new.node == "operator-meter" and isinstance(out[-1], RouteCall)


def test_transfer_sets_the_queue_variables_and_ends() -> None:
    state = at(
        "operator-billing",
        "route",
        path=(*BASE_PATH, "main:1", "balance", "+balance", "after-billing:0", "operator-billing"),
    )
    decision = RoutingDecision(queue="billing", priority=1, reason="bills", rule_id="billing")
    new, out = flow.step(MENU, state, CallRouted(decision=decision))
    assert out == (
        SetVariable(
            name="CCDESK_IVR_PATH",
            value="welcome>identify>main:1>balance>+balance>after-billing:0>operator-billing",
        ),
        SetVariable(name="CCDESK_QUEUE", value="billing"),
        SetVariable(name="CCDESK_PRIORITY", value="1"),
        Play(prompt="transferring"),
        Finish(),
    )
    assert new.outcome == TRANSFERRED and new.decision == decision


def test_goodbye_sets_the_path_and_hangs_up_self_served() -> None:
    state = at(
        "after-billing",
        "choice",
        path=(*BASE_PATH, "main:1", "balance", "+balance", "after-billing"),
    )
    new, out = flow.step(MENU, state, DigitsEntered(digits="9"))
    assert out[-4:] == (
        Play(prompt="goodbye"),
        SetVariable(
            name="CCDESK_IVR_PATH",
            value="welcome>identify>main:1>balance>+balance>after-billing:9>goodbye",
        ),
        Hangup(),
        Finish(),
    )
    assert new.outcome == SELF_SERVED


def test_hang_up_keeps_only_the_path_the_caller_reached() -> None:
    state = at(
        "after-billing",
        "choice",
        path=(*BASE_PATH, "main:1", "balance", "+balance", "after-billing"),
    )
    new, out = flow.step(MENU, state, CallerHungUp(path_length=4))  # gone during the balance
    assert out == (Finish(),)  # nothing is said to a dead channel
    assert new.path == (*BASE_PATH, "main:1", "balance")
    assert (new.outcome, new.hung_up) == (ABANDONED, True)


def test_failed_request_hands_over_and_a_failed_handover_ends() -> None:
    new, out = flow.step(MENU, at("balance", "load"), RequestFailed(what="LoadBalance"))
    assert new.node == "operator" and isinstance(out[-1], RouteCall)
    end, out = flow.step(MENU, new, RequestFailed(what="RouteCall"))
    assert out[-1] == Finish() and end.outcome == ABANDONED


def test_finished_session_ignores_further_events() -> None:
    done = replace(at("goodbye"), outcome=SELF_SERVED)
    assert flow.step(MENU, done, DigitsEntered(digits="1")) == (done, ())
    late, out = flow.step(MENU, done, CallerHungUp())
    assert out == () and late.hung_up


def test_unexpected_event_is_a_flow_bug() -> None:
    with pytest.raises(FlowError, match="node 'main'"):
        flow.step(MENU, MAIN_STATE, BalanceLoaded(balance=Balance(balance_kop=0, debt_kop=0)))


def test_going_round_in_circles_ends_at_an_operator() -> None:
    state = at("after-billing", "choice")
    for _ in range(60):
        if state.node == "operator":
            break
        key = "1" if state.node == "after-billing" else "2"  # main -> last payment -> after
        state, _ = flow.step(MENU, state, DigitsEntered(digits=key))
        if state.stage == "load":
            state, _ = flow.step(MENU, state, LastPaymentLoaded(payment=None))
    assert state.node == "operator" and state.steps <= MENU.max_steps + 1


def test_path_string_is_bounded() -> None:
    path = tuple(f"node-{n}" for n in range(100))
    text = flow.path_string(path)
    assert len(text) == flow.PATH_LIMIT and text.startswith("...") and text.endswith("node-99")
