"""Debtors, a movable clock and a running server for the campaign tests (integration and browser)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from crm_store.models import Account, Customer, Phone
from tests.serving import Running, prepare_database, settings_for_test, start

# Thursday 2026-11-05 10:00 in Moscow (inside the window); 23:00 the same day is outside it.
DAY = datetime(2026, 11, 5, 7, 0, tzinfo=UTC)
NIGHT = datetime(2026, 11, 5, 20, 0, tzinfo=UTC)
DEBTORS = (
    # name, mobile, home, what the simulator does when the mobile is dialled
    ("Должник Первый", "79160000101", None, "answered"),
    ("Должник Второй", "79160000102", None, "busy"),
    ("Должник Третий", "79160000103", "74950000103", "answered"),
)


class Clock:
    """The app's clock: a chosen moment that moves on with real time (events carry durations)."""

    def __init__(self, at: datetime) -> None:
        self.set(at)

    def set(self, at: datetime) -> None:
        self.offset = at - datetime.now(UTC)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


async def running_server(tmp_path: Path, clock: Clock, **overrides: object) -> Running:
    url = await prepare_database(tmp_path / "ccdesk.db", customers=30)
    settings = settings_for_test(tmp_path, url, sim_answer_delay=0.3, dialer_tick_seconds=0.2, **overrides)
    return await start(settings, clock=clock)


async def add_debtors(server: Running, answer_delay: float = 0.2) -> None:
    """The three debtors of DEBTORS (largest debt first), each with a debt over 8 million roubles."""
    async with server.db.write_session() as s, s.begin():
        for i, (name, mobile, home, _) in enumerate(DEBTORS):
            customer = Customer(full_name=name, name_key=name.lower())
            s.add(customer)
            await s.flush()
            s.add(Phone(customer_id=customer.id, e164=f"+{mobile}", kind="mobile", raw=mobile, is_primary=True))
            if home:
                s.add(Phone(customer_id=customer.id, e164=f"+{home}", kind="home", raw=home))
            s.add(
                Account(
                    customer_id=customer.id,
                    number=f"DLR-{i}",
                    region="Москва",
                    debt_kop=9_000_000_00 - i,  # the list is dialled largest debt first
                    debt_since=date(2026, 6, 1),
                )
            )
    pbx = server.simulator.pbx
    pbx.config = replace(pbx.config, outbound_answer_delay=answer_delay)
    for _, mobile, home, outcome in DEBTORS:
        server.simulator.set_outbound_outcome(mobile, outcome)
        if home:
            server.simulator.set_outbound_outcome(home, "busy")


async def server_with_clock(tmp_path: Path) -> AsyncIterator[tuple[Running, Clock]]:
    clock = Clock(DAY)
    running = await running_server(tmp_path, clock)
    yield running, clock
    await running.stop()
