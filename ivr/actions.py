"""What each menu action does: `enter_*` when the caller reaches a node, `on_*` for the events there.

Pure functions of (menu, node, state[, event]) -> (state, commands); flow.step dispatches to them.
An `on_*` handler returns None for an event it cannot take (step turns that into FlowError).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from crm_store.phones import normalize_phone

from .commands import (
    AccountLookedUp,
    ApplicationFiled,
    ApplicationLoaded,
    BalanceLoaded,
    CallbackRequested,
    CallRouted,
    Command,
    DigitsEntered,
    Event,
    FileApplication,
    GetDigits,
    LastPaymentLoaded,
    LastReadingLoaded,
    LoadApplication,
    LoadBalance,
    LoadLastPayment,
    LoadLastReading,
    LookUpAccount,
    LookUpPhone,
    NoDigits,
    PhoneLookedUp,
    Play,
    Progress,
    ReadingStored,
    RequestCallback,
    RouteCall,
    SayDate,
    SayDigits,
    SayNumber,
    SetVariable,
    StoreReading,
)
from .menu import APPLICATION_STATUSES, NUMBER_PROMPT, Menu, Node
from .readings import LOWER, reading_problem
from .state import (
    VAR_PRIORITY,
    VAR_QUEUE,
    IvrState,
    Result,
    finish,
    mark_served,
    with_account,
)

# ------------------------------------------------------------------ shared moves


def goto(menu: Menu, state: IvrState, node_id: str, before: tuple[Command, ...] = ()) -> Result:
    steps = state.steps + 1
    if steps > menu.max_steps and node_id != menu.fallback:
        node_id = menu.fallback  # a caller going round in circles gets a person
    node = menu.nodes[node_id]
    state = replace(
        state,
        node=node_id,
        stage="",
        attempts=0,
        steps=steps,
        path=(*state.path, node_id),
        reading=None,
    )
    new_state, commands = ENTER[node.action](menu, node, state)
    return new_state, (*before, Progress(path_length=len(state.path)), *commands)


def _retry(menu: Menu, node: Node, state: IvrState, prompt: str, again: Callable[[IvrState], Result]) -> Result:
    attempts = state.attempts + 1
    if attempts > node.retries:
        return goto(menu, state, node.fail or menu.fallback, (Play(prompt=prompt),))
    new_state, commands = again(replace(state, attempts=attempts))
    return new_state, (Play(prompt=prompt), *commands)


def _ask(state: IvrState, stage: str, prompt: str, node: Node, max_digits: int) -> Result:
    ask = GetDigits(prompt=prompt, timeout_ms=node.timeout_ms, max_digits=max_digits)
    return replace(state, stage=stage), (ask,)


def _money(kop: int) -> tuple[Command, ...]:
    roubles, kopecks = divmod(abs(kop), 100)
    out: list[Command] = [Play(prompt="minus")] if kop < 0 else []
    out += [SayNumber(number=roubles), Play(prompt="rubles")]
    if kopecks:
        out += [SayNumber(number=kopecks), Play(prompt="kopecks")]
    return tuple(out)


def _digits(event: Event) -> str | None:
    """The digits typed, or None when what came back is not a number (e.g. `*`)."""
    if isinstance(event, DigitsEntered) and event.digits.isdigit():
        return event.digits
    return None


# ------------------------------------------------------------------ actions

Handler = Callable[[Menu, Node, IvrState, Event], "Result | None"]


def enter_menu(menu: Menu, node: Node, state: IvrState) -> Result:
    return _ask(state, "choice", node.prompt or "", node, 1)


def on_menu(menu: Menu, node: Node, state: IvrState, event: Event) -> Result | None:
    def again(s: IvrState) -> Result:
        return enter_menu(menu, node, s)

    if isinstance(event, NoDigits):
        return _retry(menu, node, state, menu.timeout_prompt, again)
    if isinstance(event, DigitsEntered):
        key = event.digits[:1]
        if key and key in node.choices:
            chosen = replace(state, path=(*state.path[:-1], f"{node.id}:{key}"))
            return goto(menu, chosen, node.choices[key])
        return _retry(menu, node, state, menu.invalid_prompt, again)
    return None


def enter_play(menu: Menu, node: Node, state: IvrState) -> Result:
    return goto(menu, state, node.next or menu.fallback, (Play(prompt=node.prompt or ""),))


def enter_identify(menu: Menu, node: Node, state: IvrState) -> Result:
    if state.account is not None:
        return goto(menu, state, node.next or menu.fallback)
    if state.caller is None:  # anonymous or not a valid number
        return goto(menu, state, node.not_found or menu.fallback)
    return replace(state, stage="lookup"), (LookUpPhone(e164=state.caller),)


def on_identify(menu: Menu, node: Node, state: IvrState, event: Event) -> Result | None:
    if not isinstance(event, PhoneLookedUp):
        return None
    accounts = tuple(event.accounts)
    if len(accounts) == 1:
        return goto(menu, with_account(state, accounts[0], "phone"), node.next or menu.fallback)
    if accounts and len({a.customer_id for a in accounts}) == 1:
        # one customer with several accounts: we know who calls, not which account
        first = accounts[0]
        state = replace(
            state,
            customer_id=first.customer_id,
            segment=first.segment,
            vip=first.vip,
            identified_by="phone",
        )
    target = (node.several if accounts and node.several else None) or node.not_found
    return goto(menu, state, target or menu.fallback)


def enter_ask_account(menu: Menu, node: Node, state: IvrState) -> Result:
    return _ask(state, "digits", node.prompt or "", node, node.max_digits)


def on_ask_account(menu: Menu, node: Node, state: IvrState, event: Event) -> Result | None:
    def again(s: IvrState) -> Result:
        return enter_ask_account(menu, node, s)

    if isinstance(event, NoDigits):
        return _retry(menu, node, state, menu.timeout_prompt, again)
    if isinstance(event, DigitsEntered):
        digits = _digits(event)
        if digits is None or len(digits) < node.min_digits:
            return _retry(menu, node, state, menu.invalid_prompt, again)
        return replace(state, stage="lookup"), (LookUpAccount(number=digits),)
    if isinstance(event, AccountLookedUp):
        if event.account is None:
            return _retry(menu, node, state, "account-not-found", again)
        return goto(menu, with_account(state, event.account, "account"), node.next or menu.fallback)
    return None


def _needs_account(menu: Menu, node: Node, state: IvrState, load: Command) -> Result:
    if state.account is None:
        return goto(menu, state, node.no_account or menu.fallback)
    return replace(state, stage="load"), (load,)


def enter_balance(menu: Menu, node: Node, state: IvrState) -> Result:
    account_id = state.account.account_id if state.account else 0
    return _needs_account(menu, node, state, LoadBalance(account_id=account_id))


def on_balance(menu: Menu, node: Node, state: IvrState, event: Event) -> Result | None:
    if not isinstance(event, BalanceLoaded) or state.account is None:
        return None
    balance = event.balance
    said: tuple[Command, ...] = (Play(prompt="balance-is"), *_money(balance.balance_kop))
    if balance.debt_kop > 0:
        said += (Play(prompt="debt-is"), *_money(balance.debt_kop))
    else:
        said += (Play(prompt="no-debt"),)
    account = replace(state.account, balance_kop=balance.balance_kop, debt_kop=balance.debt_kop)
    state = mark_served(replace(state, account=account), "balance")
    return goto(menu, state, node.next or menu.fallback, said)


def enter_last_payment(menu: Menu, node: Node, state: IvrState) -> Result:
    account_id = state.account.account_id if state.account else 0
    return _needs_account(menu, node, state, LoadLastPayment(account_id=account_id))


def on_last_payment(menu: Menu, node: Node, state: IvrState, event: Event) -> Result | None:
    if not isinstance(event, LastPaymentLoaded):
        return None
    payment = event.payment
    if payment is None:
        said: tuple[Command, ...] = (Play(prompt="no-payments"),)
    else:
        said = (
            Play(prompt="last-payment-is"),
            *_money(payment.amount_kop),
            Play(prompt="paid-on"),
            SayDate(day=payment.paid_on),
        )
    return goto(menu, mark_served(state, "last_payment"), node.next or menu.fallback, said)


def enter_reading(menu: Menu, node: Node, state: IvrState) -> Result:
    account_id = state.account.account_id if state.account else 0
    return _needs_account(menu, node, state, LoadLastReading(account_id=account_id, meter=node.meter))


def _ask_reading(node: Node, state: IvrState) -> Result:
    return _ask(replace(state, reading=None), "digits", node.prompt or "", node, node.max_digits)


def on_reading(menu: Menu, node: Node, state: IvrState, event: Event) -> Result | None:
    def again(s: IvrState) -> Result:
        return _ask_reading(node, s)

    if isinstance(event, LastReadingLoaded):
        reading = event.reading
        state = replace(state, previous_reading=reading.value if reading else None)
        said: tuple[Command, ...] = ()
        if reading is not None:
            said = (Play(prompt="last-reading-is"), SayNumber(number=reading.value))
        new_state, commands = _ask_reading(node, state)
        return new_state, said + commands
    if state.stage == "digits" and isinstance(event, NoDigits | DigitsEntered):
        digits = _digits(event)
        if digits is None:
            prompt = menu.timeout_prompt if isinstance(event, NoDigits) else menu.invalid_prompt
            return _retry(menu, node, state, prompt, again)
        value = int(digits)
        problem = reading_problem(value, state.previous_reading, node.max_increase)
        if problem is not None:
            prompt = "reading-lower" if problem == LOWER else "reading-too-high"
            return _retry(menu, node, state, prompt, again)
        confirm = GetDigits(prompt="confirm-reading", timeout_ms=node.timeout_ms, max_digits=1)
        return replace(state, stage="confirm", reading=value), (
            Play(prompt="you-entered"),
            SayNumber(number=value),
            confirm,
        )
    if state.stage == "confirm" and isinstance(event, NoDigits | DigitsEntered):
        entered = state.reading
        account = state.account
        if entered is None or account is None:
            return None
        key = event.digits[:1] if isinstance(event, DigitsEntered) else ""
        if key == "1":
            store = StoreReading(
                account_id=account.account_id,
                meter=node.meter,
                value=entered,
                max_increase=node.max_increase,
            )
            return replace(state, stage="store"), (store,)
        if key == "2":
            return _retry(menu, node, state, "reading-cancelled", again)
        prompt = menu.timeout_prompt if isinstance(event, NoDigits) else menu.invalid_prompt

        def reconfirm(s: IvrState) -> Result:
            return (
                s,
                (
                    SayNumber(number=entered),
                    GetDigits(prompt="confirm-reading", timeout_ms=node.timeout_ms, max_digits=1),
                ),
            )

        return _retry(menu, node, state, prompt, reconfirm)
    if isinstance(event, ReadingStored) and state.stage == "store":
        verdict = event.verdict
        if verdict.accepted:
            state = mark_served(state, f"reading:{state.reading}")
            stored = (Progress(path_length=len(state.path)), Play(prompt="reading-accepted"))
            return goto(menu, state, node.next or menu.fallback, stored)
        # someone stored a reading meanwhile and this one no longer fits: say why, ask again
        state = replace(state, previous_reading=verdict.previous)
        prompt = "reading-lower" if verdict.problem == LOWER else "reading-too-high"
        return _retry(menu, node, state, prompt, again)
    return None


def enter_application(menu: Menu, node: Node, state: IvrState) -> Result:
    return _ask(state, "digits", node.prompt or "", node, node.max_digits)


def on_application(menu: Menu, node: Node, state: IvrState, event: Event) -> Result | None:
    def again(s: IvrState) -> Result:
        return enter_application(menu, node, s)

    if isinstance(event, NoDigits):
        return _retry(menu, node, state, menu.timeout_prompt, again)
    if isinstance(event, DigitsEntered):
        digits = _digits(event)
        if digits is None:
            return _retry(menu, node, state, menu.invalid_prompt, again)
        return replace(state, stage="lookup"), (LoadApplication(number=digits),)
    if isinstance(event, ApplicationLoaded):
        app = event.application
        if app is None:
            return _retry(menu, node, state, "application-not-found", again)
        known = app.status in APPLICATION_STATUSES
        said: tuple[Command, ...] = (
            Play(prompt="application-status-is"),
            Play(prompt=f"status-{app.status}" if known else "status-unknown"),
        )
        if app.due_on is not None and app.status not in ("resolved", "rejected"):
            said += (Play(prompt="due-date"), SayDate(day=app.due_on))
        state = mark_served(state, f"application:{app.number}:{app.status}")
        return goto(menu, state, node.next or menu.fallback, said)
    return None


def _request_callback(node: Node, state: IvrState, phone: str) -> Result:
    account = state.account
    request = RequestCallback(
        phone=phone,
        customer_id=state.customer_id,
        account_id=account.account_id if account else None,
        topic=node.topic,
    )
    return replace(state, stage="create", callback_phone=phone), (request,)


def enter_callback(menu: Menu, node: Node, state: IvrState) -> Result:
    if state.caller is not None:
        return _request_callback(node, state, state.caller)
    return _ask(state, "phone", node.prompt or "enter-phone", node, 11)


def on_callback(menu: Menu, node: Node, state: IvrState, event: Event) -> Result | None:
    def again(s: IvrState) -> Result:
        return _ask(s, "phone", node.prompt or "enter-phone", node, 11)

    if isinstance(event, NoDigits):
        return _retry(menu, node, state, menu.timeout_prompt, again)
    if isinstance(event, DigitsEntered):
        phone = normalize_phone(event.digits)
        if phone is None:
            return _retry(menu, node, state, "invalid-phone", again)
        return _request_callback(node, state, phone)
    if isinstance(event, CallbackRequested):
        state = mark_served(state, "callback")
        booked = (Progress(path_length=len(state.path)), Play(prompt="callback-registered"))
        if node.application_type:  # the request is also an application, whose number the caller hears
            new_state, commands = _file(node, state, state.callback_phone)
            return new_state, (*booked, *commands)
        return goto(menu, state, node.next or menu.fallback, booked)
    if isinstance(event, ApplicationFiled) and state.stage == "file":
        return _filed(menu, node, state, event, ())
    return None


def _file(node: Node, state: IvrState, phone: str | None) -> Result:
    account = state.account
    request = FileApplication(
        type=node.application_type,
        customer_id=state.customer_id,
        account_id=account.account_id if account else None,
        phone=phone,
        text=node.topic,
    )
    return replace(state, stage="file"), (request,)


def _filed(menu: Menu, node: Node, state: IvrState, event: ApplicationFiled, said: tuple[Command, ...]) -> Result:
    number = event.application.number
    state = mark_served(state, f"filed:{node.application_type}:{number}")
    told = (
        Progress(path_length=len(state.path)),
        *said,
        Play(prompt=NUMBER_PROMPT),
        SayDigits(digits=number),
    )
    return goto(menu, state, node.next or menu.fallback, told)


def enter_file_application(menu: Menu, node: Node, state: IvrState) -> Result:
    if state.account is None:
        return goto(menu, state, node.no_account or menu.fallback)
    return _file(node, state, state.caller)


def on_file_application(menu: Menu, node: Node, state: IvrState, event: Event) -> Result | None:
    if not isinstance(event, ApplicationFiled) or state.stage != "file":
        return None
    return _filed(menu, node, state, event, (Play(prompt=node.prompt or "application-filed"),))


def enter_transfer(menu: Menu, node: Node, state: IvrState) -> Result:
    route = RouteCall(
        choice=node.choice,
        segment=state.segment,
        vip=state.vip,
        debt_kop=state.account.debt_kop if state.account else 0,
        language=state.language,
    )
    return replace(state, stage="route"), (route,)


def on_transfer(menu: Menu, node: Node, state: IvrState, event: Event) -> Result | None:
    if not isinstance(event, CallRouted):
        return None
    decision = event.decision
    state = replace(state, decision=decision)
    return finish(
        state,
        after=(
            SetVariable(name=VAR_QUEUE, value=decision.queue),
            SetVariable(name=VAR_PRIORITY, value=str(decision.priority)),
            Play(prompt=node.prompt or "transferring"),
        ),
    )


def enter_hangup(menu: Menu, node: Node, state: IvrState) -> Result:
    return finish(state, before=(Play(prompt=node.prompt or "goodbye"),), hangup=True)


def _no_events(menu: Menu, node: Node, state: IvrState, event: Event) -> Result | None:
    return None


ENTER: dict[str, Callable[[Menu, Node, IvrState], Result]] = {
    "menu": enter_menu,
    "play": enter_play,
    "identify_by_number": enter_identify,
    "ask_account": enter_ask_account,
    "say_balance": enter_balance,
    "say_last_payment": enter_last_payment,
    "submit_meter_reading": enter_reading,
    "application_status": enter_application,
    "callback_request": enter_callback,
    "file_application": enter_file_application,
    "transfer": enter_transfer,
    "hangup": enter_hangup,
}
HANDLERS: dict[str, Handler] = {
    "menu": on_menu,
    "play": _no_events,
    "identify_by_number": on_identify,
    "ask_account": on_ask_account,
    "say_balance": on_balance,
    "say_last_payment": on_last_payment,
    "submit_meter_reading": on_reading,
    "application_status": on_application,
    "callback_request": on_callback,
    "file_application": on_file_application,
    "transfer": on_transfer,
    "hangup": _no_events,
}
