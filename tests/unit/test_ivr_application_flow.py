"""Filing applications in the IVR as tables of (state, event) -> (state, commands), and the menu keys that
configure it: no sockets, no loop, no mocks."""

from __future__ import annotations

import copy
import tomllib
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import pytest

from ivr import flow
from ivr.commands import (
    ApplicationFiled,
    CallbackRequested,
    DigitsEntered,
    FileApplication,
    GetDigits,
    Play,
    Progress,
    RequestCallback,
    SayDigits,
)
from ivr.errors import MenuError
from ivr.flow import IvrState
from ivr.menu import default_menu, parse_menu
from ivr.values import AccountInfo, CallbackInfo, FiledApplication
from routing import default_rules

MENU = default_menu()
ACCOUNT = AccountInfo(account_id=1, number="100200300", customer_id=10, debt_kop=0)


def at(node: str, stage: str = "") -> IvrState:
    """A caller identified by phone, standing at `node`."""
    return IvrState(
        node=node,
        stage=stage,
        caller="+79001234567",
        account=ACCOUNT,
        customer_id=10,
        segment="individual",
        identified_by="phone",
        steps=3,
        path=("welcome", "identify", node),
    )


MAIN_STATE = at("main", "choice")
AFTER_SERVICE = GetDigits(prompt="after-service", timeout_ms=5000, max_digits=1)
DISPUTE = FileApplication(
    type="meter_dispute",
    customer_id=10,
    account_id=1,
    phone="+79001234567",
    text="Не согласен с показаниями / начислением (заявка из голосового меню)",
)
FILED = ApplicationFiled(application=FiledApplication(application_id=7, number="260000007"))


def test_main_menu_7_files_a_dispute_for_the_callers_account() -> None:
    state, commands = flow.step(MENU, MAIN_STATE, DigitsEntered(digits="7"))
    assert commands == (Progress(path_length=4), DISPUTE)
    assert (state.node, state.stage) == ("dispute", "file")


def test_a_filed_dispute_is_confirmed_and_its_number_said_digit_by_digit() -> None:
    state, commands = flow.step(MENU, at("dispute", "file"), FILED)
    assert commands == (
        Progress(path_length=4),
        Play(prompt="dispute-filed"),
        Play(prompt="application-number-is"),
        SayDigits(digits="260000007"),
        Progress(path_length=5),
        AFTER_SERVICE,
    )
    assert state.path[-2:] == ("+filed:meter_dispute:260000007", "after-service")


def test_a_dispute_without_an_account_asks_for_it_first() -> None:
    unknown = IvrState(node="main", stage="choice", path=("welcome", "identify", "main"), steps=3)
    state, commands = flow.step(MENU, unknown, DigitsEntered(digits="7"))
    assert state.node == "ask-account" and isinstance(commands[-1], GetDigits)
    assert not any(isinstance(c, FileApplication) for c in commands)


def test_a_booked_callback_is_filed_too_and_the_number_follows_the_confirmation() -> None:
    state, commands = flow.step(MENU, MAIN_STATE, DigitsEntered(digits="5"))
    assert commands[-1] == RequestCallback(
        phone="+79001234567", customer_id=10, account_id=1, topic="IVR call-back request"
    )
    booked = CallbackRequested(callback=CallbackInfo(task_id=1, due_at=datetime(2026, 11, 23, 12, tzinfo=UTC)))
    state, commands = flow.step(MENU, state, booked)
    assert commands[1:] == (
        Play(prompt="callback-registered"),
        FileApplication(
            type="callback_request",
            customer_id=10,
            account_id=1,
            phone="+79001234567",
            text="IVR call-back request",
        ),
    )
    state, commands = flow.step(MENU, state, FILED)
    assert commands[1:3] == (Play(prompt="application-number-is"), SayDigits(digits="260000007"))
    assert state.finished and "+filed:callback_request:260000007" in state.path


DEFAULT: dict[str, Any] = tomllib.loads(
    resources.files("ivr").joinpath("default_menu.toml").read_text(encoding="utf-8")
)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["nodes"]["dispute"].pop("application_type"), "needs ['application_type']"),
        (lambda d: d["prompts"]["ru"].pop("application-number-is"), "'application-number-is' has no text"),
        (lambda d: d["nodes"]["dispute"].update(max_digits=3), "unknown key(s) ['max_digits']"),
    ],
)
def test_a_broken_application_node_is_refused_naming_it(change: Any, message: str) -> None:
    data = copy.deepcopy(DEFAULT)
    change(data)
    with pytest.raises(MenuError) as raised:
        parse_menu(data, source="menu.toml")
    assert message in str(raised.value)


def test_the_shipped_menu_files_only_types_the_shipped_rules_know() -> None:
    types = {n.application_type for n in MENU.nodes.values() if n.application_type}
    assert types == {"meter_dispute", "callback_request"}
    assert types <= set(default_rules().application_types)
