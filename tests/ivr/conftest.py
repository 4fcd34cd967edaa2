"""Fixtures for the IVR tests: the shipped menu and rules, an in-memory backend, a live server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from ivr.memory_backend import MemoryBackend
from ivr.menu import Menu, default_menu
from ivr.server import IvrServer
from ivr.values import AccountInfo, ApplicationInfo, PaymentInfo, ReadingInfo
from routing import RuleSet, default_rules

MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))
KNOWN = "79001234567"  # one account, no debt
DEBTOR_ACCOUNT = "100200301"  # no phone on file, 12 345 roubles of debt
TWO_ACCOUNTS = "79005550000"
BUSINESS = "84951234567"
UNKNOWN = "79009999999"


def sample_backend() -> MemoryBackend:
    return MemoryBackend(
        accounts=[
            AccountInfo(account_id=1, number="100200300", customer_id=10, balance_kop=150_050),
            AccountInfo(
                account_id=2,
                number=DEBTOR_ACCOUNT,
                customer_id=11,
                balance_kop=-1_234_500,
                debt_kop=1_234_500,
            ),
            AccountInfo(account_id=3, number="100200302", customer_id=12),
            AccountInfo(account_id=4, number="100200303", customer_id=12),
            AccountInfo(account_id=5, number="900100100", customer_id=13, segment="organisation"),
        ],
        phones={"+79001234567": [1], "+79005550000": [3, 4], "+74951234567": [5]},
        payments={1: PaymentInfo(paid_on=date(2026, 11, 1), amount_kop=230_000)},
        readings={(1, "electricity"): ReadingInfo(value=12_000, taken_on=date(2026, 10, 25))},
        applications={
            "5001": ApplicationInfo(number="5001", status="in_progress", type="reconnection", due_on=date(2026, 12, 1))
        },
    )


@pytest.fixture
def menu() -> Menu:
    return default_menu()


@pytest.fixture
def rules() -> RuleSet:
    return default_rules()


@pytest.fixture
def backend() -> MemoryBackend:
    return sample_backend()


@pytest.fixture
async def server(menu: Menu, rules: RuleSet, backend: MemoryBackend) -> AsyncIterator[IvrServer]:
    srv = IvrServer(
        menu=menu,
        backend=backend,
        rules=rules,
        port=0,
        clock=lambda: MONDAY_NOON,
        env_timeout=0.5,
        reply_timeout=5.0,
    )
    await srv.start()
    yield srv
    await srv.stop()
