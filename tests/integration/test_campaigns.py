"""Given the real server, the PBX simulator over TCP and the app's injectable clock, when a supervisor runs a
progressive campaign, then the dialer originates through AMI, answered calls reach the operator's screen with
the debtor popped, attempts are stored with their true outcomes and dispositions, a wrong number is never
dialled again, and nothing is dialled outside the calling window."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import socketio
from sqlalchemy import select

from crm_store.models import CallAttempt, CampaignTarget
from tests.campaign_setup import DAY, DEBTORS, NIGHT, Clock, add_debtors, server_with_clock
from tests.serving import Running, wait_for

from .client import Operator

pytestmark = pytest.mark.integration


@pytest.fixture
async def dialer_server(tmp_path: Path) -> AsyncIterator[tuple[Running, Clock]]:
    async for pair in server_with_clock(tmp_path):
        yield pair


async def _debtors(server: Running, answer_delay: float = 0.2) -> None:
    await add_debtors(server, answer_delay)


async def _signed_in(server: Running, username: str) -> Operator:
    user = Operator(server.url)
    assert (await user.login(username, server.passwords[username])).status == 302
    return user


async def _attempts(server: Running) -> list[Any]:
    async with server.db.read_session() as s:
        return list(await s.scalars(select(CallAttempt).order_by(CallAttempt.id)))


async def _campaign(sup: Operator, name: str) -> dict[str, Any]:
    created = await sup.api(
        "POST",
        "/api/campaigns",
        {
            "name": name,
            "queue": "support",
            "pacing": "progressive",
            "creditor": "ЭнергоСбыт",
            "caller_id": "74950000000",
            "filters": {"min_debt_rub": 8_000_000},
        },
        expect=201,
    )
    assert created["list"]["added"] == len(DEBTORS)
    return created


async def test_a_progressive_campaign_reaches_the_operator_and_keeps_true_outcomes(dialer_server) -> None:
    server, clock = dialer_server
    await _debtors(server)
    sup = await _signed_in(server, "sup")
    op = await _signed_in(server, "op1")
    try:
        await op.connect_socket()
        await op.api("POST", "/api/presence/sign-in", {"queues": ["support"]})
        heard: list[Any] = []
        watcher = socketio.AsyncClient(reconnection=False)
        watcher.on("campaign", heard.append, namespace="/supervisor")
        cookies = "; ".join(f"{c.key}={c.value}" for c in sup.http.cookie_jar)
        await watcher.connect(
            server.url, headers={"Cookie": cookies}, namespaces=["/supervisor"], transports=["websocket"]
        )
        campaign = await _campaign(sup, "Ноябрь, крупные долги")
        await sup.api("POST", f"/api/campaigns/{campaign['id']}/start")

        # The first debtor (the largest debt) answers: the operator's screen pops them.
        pop = await op.next_event("pop", lambda p: p["customer_number"] == "+79160000101", timeout=20)
        assert [m["customer"]["full_name"] for m in pop["matches"]] == ["Должник Первый"]
        assert pop["matches"][0]["accounts"][0]["debt_kop"] == 9_000_000_00
        side = await op.api("GET", f"/api/campaign-calls/{pop['call_id']}")
        assert side["campaign"]["creditor"] == "ЭнергоСбыт" and side["attempt"]["e164"] == "+79160000101"
        attempt_id = side["attempt"]["id"]
        await op.api(
            "POST",
            f"/api/campaign-attempts/{attempt_id}/disposition",
            {"disposition": "promise_to_pay", "amount_rub": 1500.5, "promised_on": "2026-11-12"},
        )
        other = await _signed_in(server, "op2")  # another operator sees nothing of this call
        await other.api("GET", f"/api/campaign-calls/{pop['call_id']}", expect=403)
        await other.api("POST", f"/api/campaign-attempts/{attempt_id}/disposition", {"disposition": "refused"}, 403)
        await other.api("GET", f"/api/campaign-attempts/{attempt_id}/recording", expect=403)
        await other.close()
        await op.api("POST", f"/api/calls/{pop['call_id']}/hangup")
        await op.api("POST", "/api/presence/ready")

        # The rest are dialled in turn: busy, then the third answers and is a wrong number.
        pop3 = await op.next_event("pop", lambda p: p["customer_number"] == "+79160000103", timeout=30)
        third = (await op.api("GET", f"/api/campaign-calls/{pop3['call_id']}"))["attempt"]
        await op.api("POST", f"/api/campaign-attempts/{third['id']}/disposition", {"disposition": "wrong_number"})
        await op.api("POST", f"/api/calls/{pop3['call_id']}/hangup")
        await op.api("POST", "/api/presence/ready")

        async def settled() -> list[Any] | None:
            rows = await _attempts(server)
            return rows if len(rows) >= 3 and all(r.outcome for r in rows) else None

        rows = await wait_for(settled, timeout=30)
        by_number = {r.e164: r for r in rows}
        assert by_number["+79160000101"].outcome == "answered"
        assert by_number["+79160000101"].disposition == "promise_to_pay"
        assert by_number["+79160000101"].promise_amount_kop == 1500_50
        assert by_number["+79160000101"].recording == f"{by_number['+79160000101'].call_id}.wav"
        assert by_number["+79160000101"].agent_interface == "PJSIP/1001"
        assert by_number["+79160000102"].outcome == "busy"
        assert by_number["+79160000103"].disposition == "wrong_number"

        progress = (await sup.api("GET", f"/api/campaigns/{campaign['id']}"))["progress"]
        assert (progress["total"], progress["reached"], progress["promises"]) == (3, 2, 1)
        detail = await sup.api("GET", f"/api/campaigns/{campaign['id']}")
        assert (
            sum(h["dialled"] for h in detail["per_hour"]) == 3 and sum(h["promises"] for h in detail["per_hour"]) == 1
        )
        async with sup.http.get(f"/api/campaigns/{campaign['id']}/not-reached.xlsx") as response:
            assert response.status == 200 and (await response.read())[:2] == b"PK"  # an .xlsx is a zip
        assert {"campaign_id": campaign["id"]} in heard  # the supervisors' screens were told, not only polling
        await watcher.disconnect()
        figures = await sup.api("GET", "/api/campaigns/figures")
        assert [(f["name"], f["total"], f["cap_pct"]) for f in figures] == [("Ноябрь, крупные долги", 3, 3.0)]

        # The wrong number is never dialled again: the next attempt for that debtor goes to the home number
        # (the next day: they talked today, and 230-FZ allows one conversation a day).
        clock.set(DAY + timedelta(days=1))
        async with server.db.write_session() as s, s.begin():
            target = await s.scalar(select(CampaignTarget).where(CampaignTarget.phone == "+79160000103"))
            assert target is not None and target.status == "pending"
            target.next_attempt_at = None  # the retry delay has passed
        home = await wait_for(lambda: _home_attempt(server), timeout=20)
        assert home.e164 == "+74950000103"
        assert [r.e164 for r in await _attempts(server)].count("+79160000103") == 1
    finally:
        await op.close()
        await sup.close()


async def _home_attempt(server: Running) -> Any:
    return next((r for r in await _attempts(server) if r.e164 == "+74950000103" and r.outcome), None)


async def test_nothing_is_dialled_outside_the_calling_window(dialer_server) -> None:
    server, clock = dialer_server
    clock.set(NIGHT)
    await _debtors(server)
    sup = await _signed_in(server, "sup")
    op = await _signed_in(server, "op1")
    try:
        await op.api("POST", "/api/presence/sign-in", {"queues": ["support"]})
        campaign = await _campaign(sup, "Ночная проверка")
        await sup.api("POST", f"/api/campaigns/{campaign['id']}/start")

        async def deferred() -> list[Any] | None:
            async with server.db.read_session() as s:
                rows = list(await s.scalars(select(CampaignTarget)))
            return rows if rows and all(r.next_attempt_at is not None for r in rows) else None

        rows = await wait_for(deferred, timeout=10)
        opens = datetime(2026, 11, 6, 5, 0, tzinfo=UTC)  # Friday 08:00 in Moscow
        assert {r.next_attempt_at for r in rows} == {opens}
        assert await _attempts(server) == []
        assert clock() - NIGHT < timedelta(minutes=1)
    finally:
        await op.close()
        await sup.close()


async def test_an_answered_call_with_no_free_operator_hears_the_message_and_counts_as_abandoned(
    dialer_server,
) -> None:
    server, _ = dialer_server
    await _debtors(server, answer_delay=1.0)  # time for the operator to go on a break
    sup = await _signed_in(server, "sup")
    op = await _signed_in(server, "op1")
    try:
        await op.api("POST", "/api/presence/sign-in", {"queues": ["support"]})
        campaign = await _campaign(sup, "Без свободных операторов")
        await sup.api("POST", f"/api/campaigns/{campaign['id']}/start")
        await wait_for(lambda: _attempts(server), timeout=10)  # the first debtor's phone rings
        await op.api("POST", "/api/presence/pause", {"reason": "break"})

        async def abandoned() -> Any:
            return next((r for r in await _attempts(server) if r.outcome == "abandoned"), None)

        row = await wait_for(abandoned, timeout=10)
        assert row.e164 == "+79160000101" and row.agent_interface is None
        outbox = await sup.api("GET", "/api/campaigns/outbox")
        assert [(m["kind"], m["e164"]) for m in outbox] == [("voice", "+79160000101")]
        assert "ЭнергоСбыт" in outbox[0]["text"]
        progress = (await sup.api("GET", f"/api/campaigns/{campaign['id']}"))["progress"]
        assert (progress["answered"], progress["abandoned"], progress["reached"]) == (1, 1, 0)
        assert len(await _attempts(server)) == 1  # nobody else is dialled while no operator is free

        # SMS reminders count against the same limits as the recorded message: 2 a day.
        first = await sup.api("POST", f"/api/campaigns/{campaign['id']}/reminders")
        assert (first["sent"], first["refused"]) == (3, 0)
        second = await sup.api("POST", f"/api/campaigns/{campaign['id']}/reminders")
        assert (second["sent"], second["refused"]) == (2, 1)  # the first debtor heard the message too
        kinds = [m["kind"] for m in await sup.api("GET", "/api/campaigns/outbox")]
        assert (kinds.count("voice"), kinds.count("sms")) == (1, 5)
    finally:
        await op.close()
        await sup.close()


async def test_a_preview_card_is_dialled_from_the_operators_phone_and_popped(dialer_server) -> None:
    server, _ = dialer_server
    await _debtors(server)
    sup = await _signed_in(server, "sup")
    op = await _signed_in(server, "op1")
    try:
        await op.connect_socket()
        await op.api("POST", "/api/presence/sign-in", {"queues": ["support"]})
        created = await sup.api(
            "POST",
            "/api/campaigns",
            {"name": "Предпросмотр", "queue": "support", "pacing": "preview", "filters": {"min_debt_rub": 8_000_000}},
            expect=201,
        )
        await sup.api("POST", f"/api/campaigns/{created['id']}/start")
        mine = await op.api("GET", "/api/campaigns/preview")
        assert [c["name"] for c in mine["campaigns"]] == ["Предпросмотр"] and mine["card"] is None
        card = await op.api("POST", f"/api/campaigns/{created['id']}/preview/next")
        assert (card["full_name"], card["number"]) == ("Должник Первый", "+79160000101")
        assert (await op.api("GET", "/api/campaigns/preview"))["card"]["target_id"] == card["target_id"]
        assert await _attempts(server) == []  # nothing is dialled before the operator says so
        await op.api("POST", f"/api/campaigns/preview/{card['target_id']}/skip")
        second = await op.api("POST", f"/api/campaigns/{created['id']}/preview/next")
        assert second["full_name"] == "Должник Второй"  # the skipped debtor is not offered again at once
        await op.api("POST", f"/api/campaigns/preview/{second['target_id']}/skip")
        server.simulator.set_outbound_outcome("79160000103", "answered")
        third = await op.api("POST", f"/api/campaigns/{created['id']}/preview/next")
        await op.api("POST", f"/api/campaigns/preview/{third['target_id']}/dial")
        pop = await op.next_event("pop", lambda p: p["customer_number"] == "+79160000103", timeout=20)
        side = await op.api("GET", f"/api/campaign-calls/{pop['call_id']}")
        assert side["attempt"]["e164"] == "+79160000103"
        disputed = await op.api(
            "POST",
            f"/api/campaign-attempts/{side['attempt']['id']}/disposition",
            {"disposition": "dispute", "notes": "Говорит, что платил в октябре"},
        )
        assert disputed["application"]["customer_id"] == third["customer_id"]
        assert "Говорит, что платил в октябре" in disputed["application"]["text"]
        await op.api("POST", f"/api/calls/{pop['call_id']}/hangup")
        row = await wait_for(lambda: _settled_one(server), timeout=15)
        assert (row.outcome, row.agent_interface) == ("answered", "PJSIP/1001")
        assert row.recording == f"{row.call_id}.wav"
        async with server.db.read_session() as s:
            target = await s.get(CampaignTarget, third["target_id"])
        assert target is not None and (target.closed, target.status) == ("dispute", "done")  # never called again
    finally:
        await op.close()
        await sup.close()


async def _settled_one(server: Running) -> Any:
    rows = await _attempts(server)
    return rows[0] if len(rows) == 1 and rows[0].outcome else None
