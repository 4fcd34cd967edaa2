"""The department's work list (/work) and its JSON API, the supervisors' escalation list, and the wiring of
the application services: the types book, the work service, the pop update and the escalation check."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web

from crm_store import applications_work, users
from crm_store.records import ApplicationRecord
from crm_store.vocabulary import Role
from workstation.applications_work import ApplicationWork, ListQuery, StatusRequest
from workstation.errors import NotFoundError

from . import keys
from .api_fields import body, int_field, path_id, text_field
from .auth import require_role, user_of
from .errors import bad_request
from .filing import customer_mail
from .pages import page_context
from .sio import department_room

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
WORKING = (Role.DEPARTMENT.value, Role.SUPERVISOR.value, Role.ADMIN.value)
ESCALATION_CHECK_S = 60.0
ESCALATIONS_SENT = 50


def _work(request: web.Request) -> ApplicationWork:
    return request.app[keys.APPLICATION_WORK]


@routes.get("/work")
async def work_page(request: web.Request) -> web.Response:
    user = require_role(request, *WORKING)
    rules = request.app[keys.RULES]
    types = request.app[keys.APPLICATION_TYPES]
    return aiohttp_jinja2.render_template(
        "work.html",
        request,
        page_context(
            request,
            department_title=rules.departments.get(user.department or "", user.department or ""),
            departments=rules.departments,
            types=list(types.types.values()),
            supervising=user.role in (Role.SUPERVISOR, Role.ADMIN),
        ),
    )


@routes.get("/api/work")
async def work_list(request: web.Request) -> web.Response:
    q = request.query
    query = ListQuery(
        department=q.get("department") or None,
        status=q.get("status") or None,
        type=q.get("type") or None,
        mine=q.get("mine") == "1",
        overdue=q.get("overdue") == "1",
    )
    return web.json_response(await _work(request).work_list(user_of(request), query))


@routes.get("/api/work/escalations")
async def escalations(request: web.Request) -> web.Response:
    return web.json_response(await _work(request).escalations(user_of(request)))


@routes.get("/api/work/{application_id}")
async def detail(request: web.Request) -> web.Response:
    return web.json_response(await _work(request).detail(user_of(request), path_id(request, "application_id")))


@routes.get("/api/work/{application_id}/attachments/{attachment_id}")
async def attachment(request: web.Request) -> web.Response:
    name, content_type, data = await _work(request).attachment(
        user_of(request), path_id(request, "application_id"), path_id(request, "attachment_id")
    )
    # Always a download, never rendered in the page's origin (an uploaded file is the customer's content).
    return web.Response(
        body=data,
        content_type="application/octet-stream",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "X-Content-Type-Options": "nosniff",
            "X-Original-Content-Type": content_type,
        },
    )


@routes.get("/api/work/{application_id}/assignees")
async def assignees(request: web.Request) -> web.Response:
    user = user_of(request)
    work = _work(request)
    detail = await work.detail(user, path_id(request, "application_id"))
    department = detail["department_queue"]
    people = [
        {"id": u.id, "name": u.full_name or u.username}
        for u in await users.list_users(request.app[keys.DB])
        if u.active and u.role == Role.DEPARTMENT and u.department == department
    ]
    return web.json_response(people)


@routes.post("/api/work/{application_id}/take")
async def take(request: web.Request) -> web.Response:
    record = await _work(request).take(user_of(request), path_id(request, "application_id"))
    return web.json_response(record.to_json())


@routes.post("/api/work/{application_id}/assign")
async def assign(request: web.Request) -> web.Response:
    _work(request).require_worker(user_of(request))  # who is asking, before what is asked
    data = await body(request)
    record = await _work(request).assign(
        user_of(request), path_id(request, "application_id"), int_field(data, "user_id")
    )
    return web.json_response(record.to_json())


@routes.post("/api/work/{application_id}/status")
async def change_status(request: web.Request) -> web.Response:
    _work(request).require_worker(user_of(request))  # who is asking, before what is asked
    data = await body(request)
    follow_up_at = None
    raw_at = text_field(data, "follow_up_at", limit=64)
    if raw_at:
        try:
            follow_up_at = datetime.fromisoformat(raw_at)
        except ValueError:
            raise bad_request("follow_up_at must be a date and time (ISO 8601)", "invalid_due_at") from None
        if follow_up_at.tzinfo is None:
            follow_up_at = follow_up_at.replace(tzinfo=request.app[keys.APPLICATION_TYPES].calendar.timezone)
    req = StatusRequest(
        status=text_field(data, "status", required=True, limit=32) or "",
        comment=text_field(data, "comment", limit=2000) or "",
        follow_up=bool(data.get("follow_up")),
        follow_up_at=follow_up_at,
    )
    record = await _work(request).change_status(user_of(request), path_id(request, "application_id"), req)
    return web.json_response(record.to_json())


@routes.post("/api/work/{application_id}/department")
async def reassign(request: web.Request) -> web.Response:
    _work(request).require_worker(user_of(request))  # who is asking, before what is asked
    data = await body(request)
    record = await _work(request).reassign(
        user_of(request),
        path_id(request, "application_id"),
        text_field(data, "department", required=True, limit=64) or "",
        text_field(data, "comment", limit=2000) or "",
    )
    return web.json_response(record.to_json())


@routes.get("/api/follow-ups")
async def follow_ups(request: web.Request) -> web.Response:
    """The follow-up calls of the operator's queues (everyone's for supervisors): part of the call-back list."""
    user = user_of(request)
    ws = request.app[keys.WORKSTATION]
    queues = None if user.role in (Role.SUPERVISOR, Role.ADMIN) else list(ws.queues_of(user))
    found = await applications_work.follow_ups(request.app[keys.DB], queues)
    return web.json_response(
        [{**f, "due_at": f["due_at"].isoformat()} for f in found],
    )


@routes.post("/api/follow-ups/{task_id}/done")
async def follow_up_done(request: web.Request) -> web.Response:
    user = user_of(request)
    ws = request.app[keys.WORKSTATION]
    queues = None if user.role in (Role.SUPERVISOR, Role.ADMIN) else list(ws.queues_of(user))
    if not await applications_work.finish_follow_up(request.app[keys.DB], path_id(request, "task_id"), queues, user.id):
        raise NotFoundError("no such follow-up call", code="follow_up_not_found")
    return web.json_response({"ok": True})


# ------------------------------------------------------------------ wiring


async def announce_to_screens(app: web.Application, record: ApplicationRecord) -> None:
    """The operators whose screen shows this customer (on a call or in its wrap-up) see the customer's open
    applications change now, not on the next call."""
    if record.customer_id is None or keys.WORKSTATION not in app:
        return
    ws = app[keys.WORKSTATION]
    recipients: set[int] = set()
    for interface in list(ws.presence):
        user = ws.directory.by_interface(interface)
        if user is not None and record.customer_id in ws.serving(user).customer_ids:
            recipients.add(user.id)
    if not recipients:
        return
    open_apps = await applications_work.open_for_customer(app[keys.DB], record.customer_id)
    payload: dict[str, Any] = {
        "customer_id": record.customer_id,
        "open_applications": [a.to_json() for a in open_apps],
        "changed": record.to_json(),
    }
    for user_id in recipients:
        await app[keys.NOTIFIER].to_user(user_id, "applications", payload)


async def applications_ctx(app: web.Application) -> AsyncIterator[None]:
    """The work service, and a kept task that escalates overdue applications to the supervisors."""
    settings = app[keys.SETTINGS]

    async def announce(record: ApplicationRecord, departments: tuple[str, ...]) -> None:
        await announce_to_screens(app, record)
        for department in departments:  # the department's work lists reload
            await app[keys.SIO].emit(
                "work", {"department": department}, room=department_room(department), namespace="/work"
            )

    work = ApplicationWork(
        db=app[keys.DB],
        types=app[keys.APPLICATION_TYPES],
        rules=app[keys.RULES],
        clock=app[keys.CLOCK],
        escalate_after=timedelta(hours=settings.application_escalate_hours),
        announce=announce,
        mail=customer_mail(app),
    )
    app[keys.APPLICATION_WORK] = work
    checker = asyncio.create_task(_escalate_periodically(app, work))
    try:
        yield
    finally:
        checker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await checker


async def escalate_and_tell(app: web.Application, work: ApplicationWork) -> list[dict[str, Any]]:
    """Escalate what crossed the threshold since the last check; the supervisors' screens hear it at once."""
    escalated = await work.escalate_due()
    if escalated:
        log.info("%d applications escalated to supervisors", len(escalated))
        # The count, and the first few: the screens reload their list (the first check after an upgrade may
        # find hundreds of old overdue applications).
        notice = {"count": len(escalated), "applications": escalated[:ESCALATIONS_SENT]}
        await app[keys.NOTIFIER].to_supervisors("escalations", notice)
    return escalated


async def _escalate_periodically(app: web.Application, work: ApplicationWork) -> None:
    while True:
        try:
            await escalate_and_tell(app, work)
        except Exception:  # a database hiccup: try again at the next check
            log.exception("escalation check failed")
        await asyncio.sleep(ESCALATION_CHECK_S)
