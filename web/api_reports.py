"""Reports for supervisors and admins: the /reports page, each report as JSON, and its CSV and Excel export.

    GET /reports                                     the page (tables and charts, web/static/reports.js)
    GET /api/reports/<name>?from=&to=[&step=][&page=] a report as JSON (`columns`, `rows`, and its extras)
    GET /api/reports/<name>.csv | .xlsx              the same rows as a file (every row, not one page)

`from` and `to` are local days of the contact center (routing rules' time zone), both included; today by
default. The figures are computed in the store (crm_store/reports*.py); the IVR's are grouped by path in the
store and folded by ivr.stats, as the /api/ivr/stats endpoint folds the sessions. Also here: the subscriber
that stores the operators' states for the reports.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web

from crm_store import reports as rp
from crm_store import reports_export as export
from crm_store.reports_ivr import PathGroup, ivr_paths
from crm_store.reports_operators import operator_report
from crm_store.reports_work import application_report, campaign_report
from ivr import ivr_stats
from ivr.values import ABANDONED, SELF_SERVED, TRANSFERRED, IvrSessionRecord
from routing import RoutingDecision
from workstation.agent_state_log import AgentStateLog

from . import keys
from .auth import require_role
from .errors import bad_request
from .pages import page_context

routes = web.RouteTableDef()
SUPERVISORS = ("supervisor", "admin")
MAX_DAYS = 400  # a year and a bit: the longest period one request may ask for
REPORTS = ("queues", "operators", "abandoned", "ivr", "applications", "campaigns")


@routes.get("/reports")
async def reports_page(request: web.Request) -> web.Response:
    require_role(request, *SUPERVISORS)
    return aiohttp_jinja2.render_template(
        "reports.html", request, page_context(request, reports=REPORTS, steps=[s.value for s in rp.Step])
    )


def _day(request: web.Request, name: str, default: date) -> date:
    raw = request.query.get(name, "")
    if not raw:
        return default
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise bad_request(f"{name} is a date (YYYY-MM-DD)", "invalid_period") from None


def period_of(request: web.Request) -> rp.Period:
    tz = request.app[keys.RULES].timezone
    today = request.app[keys.CLOCK]().astimezone(tz).date()
    first = _day(request, "from", today)
    last = _day(request, "to", first if "from" in request.query else today)
    if last < first:
        raise bad_request("the period ends before it starts", "invalid_period")
    if (last - first) > timedelta(days=MAX_DAYS):
        raise bad_request(f"a period is at most {MAX_DAYS} days", "period_too_long", days=MAX_DAYS)
    return rp.Period.of_days(first, last, tz)


def _step(request: web.Request) -> rp.Step:
    try:
        return rp.Step(request.query.get("step", rp.Step.HOUR.value))
    except ValueError:
        raise bad_request("step is 15min, hour or day", "invalid_step") from None


def _page(request: web.Request) -> int:
    raw = request.query.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= 1_000_000:
        raise bad_request("page is a number from 1", "invalid_page")
    return int(raw)


def sessions_of(groups: list[PathGroup], period: rp.Period) -> Iterator[IvrSessionRecord]:
    """Each group as its sessions for ivr.stats (one record, repeated): its outcome as `load_sessions` tells it —
    handed to a queue, else self-served, else abandoned."""
    for g in groups:
        outcome = TRANSFERRED if g.queue else SELF_SERVED if g.self_served else ABANDONED
        decision = RoutingDecision(queue=g.queue, priority=0, reason="", rule_id="") if g.queue else None
        record = IvrSessionRecord(call_id="", started_at=period.start, path=g.path, outcome=outcome, decision=decision)
        yield from itertools.repeat(record, g.sessions)


class IvrReport:
    """ivr.stats' figures as a table: per menu node, the sessions that reached it and those that left there."""

    COLUMNS = (("node", "text"), ("visits", "int"), ("drop_outs", "int"))

    def __init__(self, stats: Any) -> None:
        self.stats = stats

    def table(self) -> rp.Table:
        nodes = sorted(set(self.stats.visits) | set(self.stats.drop_outs))
        rows = [(n, self.stats.visits.get(n, 0), self.stats.drop_outs.get(n, 0)) for n in nodes]
        rows.sort(key=lambda r: (-r[2], -r[1], r[0]))
        return rp.Table(columns=tuple(c for c, _ in self.COLUMNS), kinds=tuple(k for _, k in self.COLUMNS), rows=rows)

    def to_json(self) -> dict[str, Any]:
        return {**self.table().to_json(), "summary": self.stats.to_json()}


async def build(request: web.Request, name: str, *, for_export: bool = False) -> Any:
    """The report `name` for the request's period (for an export: every row, not one page)."""
    db = request.app[keys.DB]
    period = period_of(request)
    now = request.app[keys.CLOCK]()
    if name == "queues":
        # The routing rules' per-queue thresholds, as the wallboard's (web/telephony.py wallboard_ctx): a
        # queue's service level reads the same on both pages.
        levels = request.app[keys.RULES].service_levels
        return await rp.queue_report(db, period, _step(request), service_levels=levels)
    if name == "operators":
        return await operator_report(db, period, now)
    if name == "abandoned":
        if for_export:
            return await rp.abandoned_calls(db, period, page=1, page_size=0)
        return await rp.abandoned_calls(db, period, page=_page(request))
    if name == "ivr":
        groups = await ivr_paths(db, period)
        return IvrReport(ivr_stats(sessions_of(groups, period), start=period.start, end=period.end))
    if name == "applications":
        return await application_report(db, period, now)
    if name == "campaigns":
        return await campaign_report(db, period)
    raise web.HTTPNotFound()


@routes.get(r"/api/reports/{name:[a-z_]+}")
async def report_json(request: web.Request) -> web.Response:
    require_role(request, *SUPERVISORS)
    report = await build(request, request.match_info["name"])
    period = period_of(request)
    return web.json_response(
        {
            "report": request.match_info["name"],
            "from": period.start.astimezone(period.tz).isoformat(),
            "to": period.end.astimezone(period.tz).isoformat(),
            "tz": str(period.tz),
            **report.to_json(),
        }
    )


UNITS = {"seconds": "reports.unit.seconds", "pct": "reports.unit.pct", "money": "reports.unit.money"}


def _titles(request: web.Request, table: rp.Table) -> list[str]:
    """Column titles for a file, with the unit of the numbers written (seconds, percent, roubles)."""
    t = request.app[keys.TRANSLATE]
    titles = []
    for column, kind in zip(table.columns, table.kinds, strict=True):
        if column.startswith("pause:"):
            title = f"{t('reports.col.pause')}: {_label(request, 'pause_reason', column.split(':', 1)[1])}"
        else:
            title = t(f"reports.col.{column}")
        titles.append(f"{title}, {t(UNITS[kind])}" if kind in UNITS else title)
    return titles


def _label(request: web.Request, prefix: str, code: Any) -> Any:
    """A code as people read it: `<prefix>.<code>` or the reports' own `reports.<prefix>.<code>`, else as is."""
    if code is None or code == "":
        return code
    strings = request.app[keys.STRINGS]
    for key in (f"{prefix}.{code}", f"reports.{prefix}.{code}"):
        if key in strings:
            return strings[key]
    return code


def _cell(request: web.Request, kind: str, value: Any) -> Any:
    if kind.startswith("code:"):
        return _label(request, kind.split(":", 1)[1], value)
    if kind == "money" and value is not None:
        return value / 100  # kopecks stored, roubles shown
    if kind == "bool" and value is not None:
        return request.app[keys.TRANSLATE]("reports.yes" if value else "reports.no")
    return value


def _rows(request: web.Request, table: rp.Table) -> list[list[Any]]:
    """Coded cells as people read them (their Russian labels); numbers stay numbers."""
    return [[_cell(request, k, v) for k, v in zip(table.kinds, row, strict=True)] for row in table.rows]


@routes.get(r"/api/reports/{name:[a-z_]+}.{fmt:csv|xlsx}")
async def report_file(request: web.Request) -> web.Response:
    require_role(request, *SUPERVISORS)
    name = request.match_info["name"]
    report = await build(request, name, for_export=True)
    table = report.table()
    period = period_of(request)
    first = period.start.astimezone(period.tz).date()
    last = (period.end.astimezone(period.tz) - timedelta(days=1)).date()
    filename = f"report-{name}-{first}-{last}.{request.match_info['fmt']}"
    title = request.app[keys.TRANSLATE](f"reports.tab.{name}")
    if request.match_info["fmt"] == "csv":
        body, content_type = export.csv_bytes(_titles(request, table), _rows(request, table)), export.CSV_TYPE
    else:
        body, content_type = export.xlsx_bytes(title, _titles(request, table), _rows(request, table)), export.XLSX_TYPE
    return web.Response(
        body=body,
        headers={
            "Content-Type": content_type,
            "Content-Disposition": f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}",
        },
    )


async def agent_state_log_ctx(app: web.Application) -> AsyncIterator[None]:
    """The operators' states (ready, paused with a reason, after-call work) stored as intervals for the
    operators' report: one subscriber of the event stream, subscribed before the PBX link starts so that the
    member snapshot after connecting is seen."""
    log = AgentStateLog(app[keys.DB], app[keys.CLOCK])
    await log.start()
    subscription = app[keys.STREAM].subscribe("agent_state_log", log.handle)
    try:
        yield
    finally:
        await subscription.close()
        await log.close()
