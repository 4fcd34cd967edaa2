"""Outbound campaigns over HTTP: the supervisor's /campaigns page and API, the operator's campaign call.

Supervisors and admins create campaigns (a filtered list or a file), control them and watch progress;
an operator sees the campaign side of the call on their phone and records its disposition. Handlers parse,
check the role and call the store or the dialer service.
"""

from __future__ import annotations

import csv
import io
import tempfile
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from crm_store import campaign_calls as calls
from crm_store import campaign_reports as reports
from crm_store import campaigns
from crm_store.phones import normalize_phone
from crm_store.records import UserRecord
from crm_store.spreadsheet import safe_cell
from dialer.errors import PolicyError
from dialer.service import PreviewError
from dialer.settings import policy_of
from workstation.applications import ApplicationService, Filing
from workstation.errors import ForbiddenError, WorkstationError
from workstation.presence import interface_for

from . import keys
from .auth import require_role, user_of
from .errors import bad_request
from .filing import customer_mail
from .pages import page_context

routes = web.RouteTableDef()
SUPERVISORS = ("supervisor", "admin")
MAX_UPLOAD = 20 * 1024 * 1024
DISPOSITIONS = (
    "reached",
    "promise_to_pay",
    "paid_already",
    "dispute",
    "refused",
    "wrong_number",
    "call_back",
    "deceased",
)
CREATE_FIELDS: dict[str, type] = {
    "name": str,
    "queue": str,
    "pacing": str,
    "creditor": str,
    "caller_id": str,
    "window_start": str,
    "window_end": str,
    "dayoff_start": str,
    "dayoff_end": str,
    "rule_set": str,
    "max_attempts": int,
    "retry_minutes": int,
    "abandon_cap_pct": int,
    "dial_level": int,
    "preview_seconds": int,
    "preview_on_timeout": str,
}
DEFAULTS: dict[str, Any] = {
    "pacing": "progressive",
    "window_start": "08:00",
    "window_end": "22:00",
    "dayoff_start": "09:00",
    "dayoff_end": "20:00",
    "rule_set": "ru_230fz",
    "max_attempts": 10,
    "retry_minutes": 120,
    "abandon_cap_pct": 3,
    "dial_level": 100,
    "preview_seconds": 30,
    "preview_on_timeout": "dial",
    "creditor": "",
    "caller_id": "",
}


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise bad_request("the body is not JSON") from None
    if not isinstance(body, dict):
        raise bad_request("the body must be a JSON object")
    return body


def _settings(body: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, kind in CREATE_FIELDS.items():
        if name not in body:
            continue
        value = body[name]
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise bad_request(f"{name} must be a whole number", "campaign_invalid", field=name)
        if kind is str and not isinstance(value, str):
            raise bad_request(f"{name} must be text", "campaign_invalid", field=name)
        out[name] = value.strip()[:200] if isinstance(value, str) else value
    for name in ("starts_on", "ends_on"):
        if body.get(name):
            try:
                out[name] = date.fromisoformat(str(body[name]))
            except ValueError:
                raise bad_request(f"{name} is a date", "campaign_invalid", field=name) from None
    if out.get("caller_id") and not str(out["caller_id"]).isdigit():
        raise bad_request("the caller ID is digits", "campaign_invalid", field="caller_id")
    if not partial:
        out = {**DEFAULTS, **out}
        if not out.get("name"):
            raise bad_request("a campaign needs a name", "campaign_invalid", field="name")
    return out


def _check(request: web.Request, record: campaigns.CampaignRecord) -> None:
    if record.queue not in request.app[keys.RULES].queues:
        raise bad_request(f"no queue {record.queue!r}", "campaign_invalid", field="queue")
    if record.pacing not in ("preview", "progressive", "predictive"):
        raise bad_request("pacing is preview, progressive or predictive", "campaign_invalid", field="pacing")
    if record.preview_on_timeout not in ("dial", "skip"):
        raise bad_request("preview_on_timeout is dial or skip", "campaign_invalid", field="preview_on_timeout")
    try:
        policy_of(record)
    except PolicyError as exc:
        raise bad_request(str(exc), "campaign_invalid", field="rules") from None


def _filters(body: dict[str, Any]) -> campaigns.ListFilter:
    raw = body.get("filters") or {}
    if not isinstance(raw, dict):
        raise bad_request("filters is an object", "campaign_invalid", field="filters")
    try:
        return campaigns.ListFilter(
            min_debt_kop=max(1, round(float(raw.get("min_debt_rub") or 0) * 100)),
            min_days_overdue=max(0, int(raw.get("min_days_overdue") or 0)),
            segment=str(raw["segment"]) if raw.get("segment") in ("individual", "organisation", "vip") else None,
            region=str(raw["region"])[:64] if raw.get("region") else None,
            no_pending_promise=bool(raw.get("no_pending_promise", True)),
        )
    except (TypeError, ValueError):
        raise bad_request("the filters are numbers and names", "campaign_invalid", field="filters") from None


# ------------------------------------------------------------------ the supervisor


@routes.get("/campaigns")
async def campaigns_page(request: web.Request) -> web.Response:
    require_role(request, *SUPERVISORS)
    queues = request.app[keys.RULES].queues
    return aiohttp_jinja2.render_template("campaigns.html", request, page_context(request, queues=queues))


async def campaign_figures(app: web.Application) -> list[dict[str, Any]]:
    """Per running or paused campaign: name, dialled, total, reached, abandon_pct, cap_pct (the wallboard's)."""
    live = app[keys.DIALER].figures()
    out = []
    for c in await campaigns.list_campaigns(app[keys.DB]):
        if c.status not in ("running", "paused"):
            continue
        p = await reports.progress(app[keys.DB], c.id)
        figures = live.get(c.id, {})
        out.append(
            {
                "id": c.id,
                "name": c.name,
                "status": c.status,
                "dialled": p.dialled,
                "total": p.total,
                "reached": p.reached,
                "abandon_pct": figures.get("abandon_pct", 0.0),
                "cap_pct": float(c.abandon_cap_pct),
            }
        )
    return out


@routes.get("/api/campaigns/figures")
async def figures(request: web.Request) -> web.Response:
    require_role(request, *SUPERVISORS)
    return web.json_response(await campaign_figures(request.app))


@routes.get("/api/campaigns")
async def list_all(request: web.Request) -> web.Response:
    require_role(request, *SUPERVISORS)
    db = request.app[keys.DB]
    live = request.app[keys.DIALER].figures()
    out = []
    for c in await campaigns.list_campaigns(db):
        out.append({**c.to_json(), "progress": (await reports.progress(db, c.id)).to_json(), "live": live.get(c.id)})
    return web.json_response(out)


@routes.post("/api/campaigns")
async def create(request: web.Request) -> web.Response:
    user = require_role(request, *SUPERVISORS)
    body = await _body(request)
    values = _settings(body, partial=False)
    if "queue" not in values:
        raise bad_request("a campaign needs a queue", "campaign_invalid", field="queue")
    fields = {k: values[k] for k in CREATE_FIELDS if k in values}
    probe = campaigns.CampaignRecord(id=0, status="draft", number_order=(), starts_on=None, ends_on=None, **fields)
    _check(request, probe)
    db = request.app[keys.DB]
    record = await campaigns.create_campaign(db, by_user_id=user.id, **values)
    built = None
    if body.get("filters") is not None:
        built = await campaigns.build_list(db, record.id, _filters(body), request.app[keys.CLOCK]().date())
    return web.json_response({**record.to_json(), "list": built.to_json() if built else None}, status=201)


@routes.post("/api/campaigns/{id:\\d+}/list")
async def upload_list(request: web.Request) -> web.Response:
    """A CSV or Excel file with a column of account numbers; broken rows are reported, the rest added."""
    require_role(request, *SUPERVISORS)
    campaign_id = int(request.match_info["id"])
    if not request.content_type.startswith("multipart/"):
        raise bad_request("send the file as multipart form data", "campaign_file")
    await campaigns.get_campaign(request.app[keys.DB], campaign_id)  # 404 before reading a file for nothing
    reader = await request.multipart()
    part = await reader.next()
    if part is None or not hasattr(part, "filename") or not part.filename:
        raise bad_request("send the file as multipart form data", "campaign_file")
    suffix = ".xlsx" if part.filename.lower().endswith(".xlsx") else ".csv"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"list{suffix}"
        size = 0
        with path.open("wb") as out:
            while chunk := await part.read_chunk():  # type: ignore[union-attr]
                size += len(chunk)
                if size > MAX_UPLOAD:
                    raise bad_request("the file is larger than 20 MB", "campaign_file")
                out.write(chunk)
        built = await campaigns.import_list(request.app[keys.DB], campaign_id, path, file_name=part.filename)
    return web.json_response(built.to_json())


@routes.post("/api/campaigns/{id:\\d+}/{control:start|pause|resume|stop}")
async def control(request: web.Request) -> web.Response:
    require_role(request, *SUPERVISORS)
    record = await campaigns.move(request.app[keys.DB], int(request.match_info["id"]), request.match_info["control"])
    await request.app[keys.DIALER].reload()
    return web.json_response(record.to_json())


@routes.post("/api/campaigns/{id:\\d+}/settings")
async def change(request: web.Request) -> web.Response:
    require_role(request, *SUPERVISORS)
    db = request.app[keys.DB]
    campaign_id = int(request.match_info["id"])
    changes = _settings(await _body(request), partial=True)
    current = await campaigns.get_campaign(db, campaign_id)
    _check(request, replace(current, **{k: v for k, v in changes.items() if k in campaigns.LIVE_SETTINGS}))
    record = await campaigns.change_settings(db, campaign_id, changes)
    await request.app[keys.DIALER].reload()
    return web.json_response(record.to_json())


@routes.get("/api/campaigns/{id:\\d+}")
async def one(request: web.Request) -> web.Response:
    require_role(request, *SUPERVISORS)
    db = request.app[keys.DB]
    campaign_id = int(request.match_info["id"])
    record = await campaigns.get_campaign(db, campaign_id)
    return web.json_response(
        {
            **record.to_json(),
            "progress": (await reports.progress(db, campaign_id)).to_json(),
            "live": request.app[keys.DIALER].figures().get(campaign_id),
            "not_reached": [n.to_json() for n in await reports.not_reached(db, campaign_id, limit=200)],
            "per_hour": [
                h.to_json()
                for h in await reports.per_hour(db, campaign_id, request.app[keys.CLOCK]() - timedelta(hours=24))
            ],
            "attempts": [a.to_json() for a in await reports.attempts_of(db, campaign_id, limit=100)],
        }
    )


NOT_REACHED_HEADER = ("ФИО", "Лицевой счёт", "Телефон", "Долг, руб.", "Попыток", "Последний результат")


@routes.get("/api/campaigns/{id:\\d+}/not-reached.{ext:csv|xlsx}")
async def not_reached_export(request: web.Request) -> web.Response:
    """The debtors not reached yet as a CSV or an Excel file (every cell through safe_cell)."""
    require_role(request, *SUPERVISORS)
    rows = await reports.not_reached(request.app[keys.DB], int(request.match_info["id"]), limit=100_000)
    table = [
        [safe_cell(v) for v in (r.full_name, r.account, r.phone, r.debt_kop / 100, r.attempts, r.last_result or "")]
        for r in rows
    ]
    if request.match_info["ext"] == "xlsx":
        from openpyxl import Workbook  # imported here: only an Excel export pays its start-up cost

        book = Workbook(write_only=True)
        sheet = book.create_sheet("Не дозвонились")
        sheet.append(list(NOT_REACHED_HEADER))
        for line in table:
            sheet.append(line)
        out = io.BytesIO()
        book.save(out)
        body, kind = out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        text = io.StringIO()
        writer = csv.writer(text, delimiter=";")
        writer.writerow(NOT_REACHED_HEADER)
        writer.writerows(table)
        body, kind = text.getvalue().encode("utf-8-sig"), "text/csv"
    name = f"not-reached.{request.match_info['ext']}"
    return web.Response(body=body, content_type=kind, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@routes.post("/api/campaigns/{id:\\d+}/reminders")
async def send_reminders(request: web.Request) -> web.Response:
    """SMS reminders to the debtors not reached yet, each within the window and the reminder limits."""
    require_role(request, *SUPERVISORS)
    sent, refused = await request.app[keys.DIALER].send_reminders(int(request.match_info["id"]))
    return web.json_response({"sent": sent, "refused": refused})


@routes.get("/api/do-not-call")
async def dnc_list(request: web.Request) -> web.Response:
    require_role(request, *SUPERVISORS)
    return web.json_response([e.to_json() for e in await calls.list_do_not_call(request.app[keys.DB])])


@routes.post("/api/do-not-call")
async def dnc_add(request: web.Request) -> web.Response:
    require_role(request, *SUPERVISORS)
    body = await _body(request)
    e164 = normalize_phone(str(body.get("number") or ""))
    if e164 is None:
        raise bad_request("not a phone number", "not_a_phone_number")
    await calls.add_do_not_call(request.app[keys.DB], e164, str(body.get("reason") or ""))
    return web.json_response({"e164": e164}, status=201)


@routes.delete("/api/do-not-call/{e164}")
async def dnc_remove(request: web.Request) -> web.Response:
    require_role(request, *SUPERVISORS)
    removed = await calls.remove_do_not_call(request.app[keys.DB], request.match_info["e164"])
    return web.json_response({"removed": removed})


@routes.get("/api/campaigns/outbox")
async def reminder_outbox(request: web.Request) -> web.Response:
    require_role(request, *SUPERVISORS)
    return web.json_response([m.to_json() for m in await calls.outbox(request.app[keys.DB])])


# ------------------------------------------------------------------ the operator


def _may_see(request: web.Request, user: UserRecord, attempt: calls.AttemptRecord) -> None:
    if user.role in SUPERVISORS or attempt.agent_id == user.id:
        return
    workstation = request.app[keys.WORKSTATION]
    live = workstation.call_service.call_of(user)
    if live is not None and live.call_id == attempt.call_id:
        return
    taker = workstation.directory.by_interface(attempt.agent_interface)
    if taker is not None and taker.id == user.id:
        return
    raise ForbiddenError("this campaign call was not yours", code="campaign_call_not_yours")


@routes.get("/api/campaign-calls/{call_id}")
async def campaign_call(request: web.Request) -> web.Response:
    """The campaign side of a call: the attempt, the debtor's promises and earlier attempts."""
    user = user_of(request)
    db = request.app[keys.DB]
    attempt = await calls.attempt_of_call(db, request.match_info["call_id"])
    if attempt is None:
        return web.json_response({"attempt": None})
    _may_see(request, user, attempt)
    campaign = await campaigns.get_campaign(db, attempt.campaign_id or 0)
    customer = attempt.customer_id or 0
    return web.json_response(
        {
            "attempt": attempt.to_json(),
            "campaign": {"id": campaign.id, "name": campaign.name, "creditor": campaign.creditor},
            "promises": [p.to_json() for p in await calls.promises_of(db, customer)],
            "dispositions": list(DISPOSITIONS),
        }
    )


@routes.post("/api/campaign-attempts/{id:\\d+}/disposition")
async def disposition(request: web.Request) -> web.Response:
    user = user_of(request)
    db = request.app[keys.DB]
    attempt = await calls.get_attempt(db, int(request.match_info["id"]))
    _may_see(request, user, attempt)
    body = await _body(request)
    kind = body.get("disposition")
    if kind not in DISPOSITIONS:
        raise bad_request("unknown disposition", "disposition_invalid")
    amount = promised_on = callback_at = None
    if kind == "promise_to_pay":
        try:
            amount = round(float(str(body.get("amount_rub"))) * 100)
            promised_on = date.fromisoformat(str(body.get("promised_on")))
        except (TypeError, ValueError):
            raise bad_request("a promise needs an amount and a date", "promise_invalid") from None
        if amount <= 0 or promised_on < request.app[keys.CLOCK]().date():
            raise bad_request("a promise needs a positive amount and a date not in the past", "promise_invalid")
    if kind == "call_back":
        try:
            callback_at = datetime.fromisoformat(str(body.get("callback_at")))
        except ValueError:
            raise bad_request("a call back needs a time", "callback_invalid") from None
        if callback_at.tzinfo is None or callback_at <= request.app[keys.CLOCK]():
            raise bad_request("a call back needs a time in the future", "callback_invalid")
    application = None
    if kind == "dispute":  # the debtor disputes the debt: an application for the department to check it
        application = await _file_dispute(request, user, attempt, str(body.get("notes") or ""))
    saved = await request.app[keys.DIALER].dispose(
        attempt.id,
        disposition=kind,
        by_user_id=user.id,
        amount_kop=amount,
        promised_on=promised_on,
        callback_at=callback_at,
    )
    return web.json_response({**saved.to_json(), "application": application})


DISPUTE_TYPES = ("recalculation", "complaint")  # the first the application types know is filed


async def _file_dispute(
    request: web.Request, user: UserRecord, attempt: calls.AttemptRecord, notes: str
) -> dict[str, Any] | None:
    types = request.app[keys.APPLICATION_TYPES]
    kind = next((t for t in DISPUTE_TYPES if types.get(t) is not None), None)
    if kind is None or attempt.customer_id is None:
        return None
    campaign = await campaigns.get_campaign(request.app[keys.DB], attempt.campaign_id or 0)
    text = f"Должник оспаривает задолженность (звонок кампании «{campaign.name}»). {notes}".strip()[:2000]
    service = ApplicationService(
        db=request.app[keys.DB],
        rules=request.app[keys.RULES],
        clock=request.app[keys.CLOCK],
        types=types,
        mail=customer_mail(request.app),  # the debtor gets the receipt like any customer
    )
    filed = await service.file(user, Filing(type=kind, text=text, customer_id=attempt.customer_id))
    return filed.to_json()


@routes.get("/api/campaign-attempts/{id:\\d+}/recording")
async def recording(request: web.Request) -> web.StreamResponse:
    """The attempt's recording, to the supervisors and to the operator who took the call."""
    user = user_of(request)
    attempt = await calls.get_attempt(request.app[keys.DB], int(request.match_info["id"]))
    _may_see(request, user, attempt)
    folder = request.app[keys.SETTINGS].recordings_dir
    if not attempt.recording:
        raise web.HTTPNotFound()
    path = folder / Path(attempt.recording).name
    if not path.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(path, headers={"Content-Type": "audio/wav", "Cache-Control": "private, no-store"})


# ------------------------------------------------------------------ preview pacing


def _with_time_left(request: web.Request, card: dict[str, Any] | None) -> dict[str, Any] | None:
    """The seconds left by the server's clock: the browser's own clock may differ from it."""
    if card is None:
        return None
    left = (datetime.fromisoformat(card["deadline"]) - request.app[keys.CLOCK]()).total_seconds()
    return {**card, "seconds_left": max(0, int(left))}


def _preview_error(exc: PreviewError) -> WorkstationError:
    return WorkstationError(str(exc), code=exc.code)


@routes.get("/api/campaigns/preview")
async def preview_state(request: web.Request) -> web.Response:
    """The running preview campaigns of my queues, and the card on my screen (after a reload too)."""
    user = user_of(request)
    dialer = request.app[keys.DIALER]
    return web.json_response(
        {
            "campaigns": dialer.preview_campaigns(list(user.queues)),
            "card": _with_time_left(request, dialer.preview_of(user.id)),
        }
    )


@routes.post("/api/campaigns/{id:\\d+}/preview/next")
async def preview_next(request: web.Request) -> web.Response:
    user = user_of(request)
    if not user.extension:
        raise WorkstationError("sign in with a phone to dial", code="no_phone")
    campaign_id = int(request.match_info["id"])
    dialer = request.app[keys.DIALER]
    if campaign_id not in {c["id"] for c in dialer.preview_campaigns(list(user.queues))}:
        raise WorkstationError("not a preview campaign of your queues", code="preview_none")
    try:
        card = await dialer.preview_next(user.id, campaign_id, interface_for(user.extension))
    except PreviewError as exc:
        raise _preview_error(exc) from None
    return web.json_response(_with_time_left(request, card))


@routes.post("/api/campaigns/preview/{debtor:\\d+}/{press:dial|skip}")
async def preview_press(request: web.Request) -> web.Response:
    user = user_of(request)
    try:
        await request.app[keys.DIALER].preview_press(
            user.id, int(request.match_info["debtor"]), dial=request.match_info["press"] == "dial"
        )
    except PreviewError as exc:
        raise _preview_error(exc) from None
    return web.json_response({"ok": True})
