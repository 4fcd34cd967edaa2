"""Given the real server: supervisors read every report as JSON and download it as CSV and Excel; operators are
refused; an operator's sign-in and pause on the PBX reach the operators' report through the event stream."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from crm_store import interactions
from tests.serving import wait_for

from .client import Operator

pytestmark = pytest.mark.integration


async def _login(server, username: str) -> Operator:  # type: ignore[no-untyped-def]
    op = Operator(server.url)
    assert (await op.login(username, server.passwords[username])).status == 302
    return op


AT = datetime.now(UTC) - timedelta(minutes=1)
DAY = AT.astimezone(ZoneInfo("Europe/Moscow")).date()  # the center's day of the cards (the demo rules' zone)
PERIOD = f"from={DAY}&to={DAY}"


async def _abandoned(server, call_id: str, number: str, wait: int) -> None:  # type: ignore[no-untyped-def]
    at = AT
    await interactions.open_call_card(server.db, call_id=call_id, offered_at=at, queue="support", caller_number=number)
    await interactions.update_call_card(
        server.db, call_id, {"state": "ended", "outcome": "abandoned", "wait_seconds": wait}
    )


async def test_supervisor_reads_and_downloads_reports_and_an_operator_is_refused(server) -> None:
    await _abandoned(server, "r1", "=cmd|' /C calc'!A0", 42)
    await _abandoned(server, "r2", "+79160000002", 3)
    sup, op = await _login(server, "sup"), await _login(server, "op1")
    try:
        for path in ("/api/reports/queues", "/api/reports/abandoned.csv", "/api/reports/operators.xlsx"):
            async with op.http.get(path) as response:
                assert response.status == 403, path
        async with op.http.get("/reports") as response:
            assert response.status == 403

        queues = await sup.api("GET", f"/api/reports/queues?step=15min&{PERIOD}")
        support = [r for r in queues["rows"] if r[1] == "support"]
        assert [(r[2], r[4], r[5]) for r in support] == [(2, 2, 1)]  # offered, abandoned, of them short
        assert queues["chart"]["abandoned"] == [2]
        abandoned = await sup.api("GET", f"/api/reports/abandoned?{PERIOD}")
        assert abandoned["total"] == 2 and abandoned["rows"][0][2] in ("=cmd|' /C calc'!A0", "+79160000002")
        for name in ("operators", "ivr", "applications", "campaigns"):
            data = await sup.api("GET", f"/api/reports/{name}")
            assert data["report"] == name and "columns" in data
        bad = await sup.api("GET", "/api/reports/queues?from=2026-12-02&to=2026-12-01", expect=400)
        assert bad["code"] == "invalid_period"
        await sup.api("GET", "/api/reports/queues?step=week", expect=400)

        async with sup.http.get(f"/api/reports/abandoned.csv?{PERIOD}") as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/csv")
            assert "attachment" in response.headers["Content-Disposition"]
            text = (await response.read()).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))
        assert rows[0][:4] == ["Поступил", "Очередь", "Номер", "Ожидание, с"]
        assert sorted(r[2] for r in rows[1:]) == ["'+79160000002", "'=cmd|' /C calc'!A0"]
        assert {r[1] for r in rows[1:]} == {"Общие вопросы"}  # the queue's name for people

        async with sup.http.get(f"/api/reports/abandoned.xlsx?{PERIOD}") as response:
            assert response.status == 200
            book = load_workbook(io.BytesIO(await response.read()))
        values = list(book.active.iter_rows(values_only=True))
        assert values[0][2] == "Номер" and sorted(v[2] for v in values[1:]) == ["'+79160000002", "'=cmd|' /C calc'!A0"]
        assert sorted(v[3] for v in values[1:]) == [3, 42]

        for name in ("queues", "operators", "ivr", "applications", "campaigns"):  # every report downloads
            for fmt in ("csv", "xlsx"):
                async with sup.http.get(f"/api/reports/{name}.{fmt}?{PERIOD}") as response:
                    assert response.status == 200, (name, fmt)
                    body = await response.read()
                header = (
                    body.decode("utf-8-sig").splitlines()[0].split(";")
                    if fmt == "csv"
                    else list(next(load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True)))
                )
                assert header and not any(h.startswith("reports.") for h in header), (name, fmt, header)
    finally:
        await sup.http.close()
        await op.http.close()


async def test_an_operators_sign_in_and_pause_reach_the_operators_report(server) -> None:
    op, sup = await _login(server, "op1"), await _login(server, "sup")
    try:
        await op.api("POST", "/api/presence/sign-in", {"queues": ["support"]})
        await op.api("POST", "/api/presence/pause", {"reason": "lunch"})

        async def paused_in_report():  # type: ignore[no-untyped-def]
            data = await sup.api("GET", "/api/reports/operators")
            return data if "lunch" in data["reasons"] else None

        data = await wait_for(paused_in_report)
        columns = [c["code"] for c in data["columns"]]
        (row,) = [r for r in data["rows"] if r[0] == "PJSIP/1001"]
        assert row[columns.index("name")] == "OP1"
        assert row[columns.index("pause:lunch")] >= 0
    finally:
        await sup.http.close()
        await op.http.close()
