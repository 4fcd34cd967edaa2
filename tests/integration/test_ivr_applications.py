"""Given the real server with its FastAGI IVR and the simulator calling it as Asterisk does, a caller who
disputes a reading gets an application for the metering department, hears its number, and the call card
carries it."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from crm_store.models import Application, ApplicationInteraction
from tests.serving import wait_for

from .client import ended_card

pytestmark = pytest.mark.integration


async def test_a_caller_who_disputes_a_reading_gets_an_application_and_hears_its_number(server) -> None:  # type: ignore[no-untyped-def]
    async with server.db.read_session() as s:
        number, customer_id = (
            await s.execute(
                text(
                    "SELECT p.raw, p.customer_id FROM phones p JOIN accounts a ON a.customer_id = p.customer_id "
                    "WHERE (SELECT count(*) FROM phones q WHERE q.e164 = p.e164) = 1 "
                    "AND (SELECT count(*) FROM accounts b WHERE b.customer_id = p.customer_id "
                    "AND b.status <> 'closed') = 1 ORDER BY p.id LIMIT 1"
                )
            )
        ).one()
    call_id = server.simulator.place_inbound_call(number, via_ivr=True, ivr_digits=["7", "9"])
    card = await wait_for(lambda: ended_card(server, call_id), timeout=20)
    async with server.db.read_session() as s:
        linked = ApplicationInteraction.interaction_id == card.id
        stmt = select(Application).join(ApplicationInteraction).where(linked)
        app = (await s.execute(stmt)).scalar_one()
    assert (app.type, app.customer_id, app.department_queue) == ("meter_dispute", customer_id, "dept_metering")
    assert card.self_served and f"+filed:meter_dispute:{app.number}" in card.ivr_path
    assert app.channel == "ivr"
