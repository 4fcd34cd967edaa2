"""The supervisor's page (/supervisor) and its actions over HTTP: pause, unpause, log out and move an operator,
listen (whisper, barge) to a call, take over a waiting call and change its priority.

Each handler: supervisors and admins only (403 for operators), the body's values as sent (never trimmed into
shape: a value with a control character is refused, not cleaned), one use-case of workstation.supervision.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from workstation.supervision import SupervisionService

from . import keys
from .api_fields import body
from .auth import require_role
from .errors import bad_request
from .pages import page_context

routes = web.RouteTableDef()
SUPERVISORS = ("supervisor", "admin")


async def supervision_ctx(app: web.Application) -> AsyncIterator[None]:
    """The supervisor's actions, on the workstation's presence and calls; it follows the spies (ChanSpy) on the
    event stream. In simulator mode a supervisor's desk phone becomes one of the simulator's endpoints."""
    workstation = app[keys.WORKSTATION]
    simulator = app[keys.SIMULATOR]
    settings = app[keys.SETTINGS]
    answer_delay = settings.sim_answer_delay

    def prepare_phone(interface: str) -> None:
        if simulator is not None:
            simulator.ensure_phone(interface, auto_answer=answer_delay)

    service = SupervisionService(
        db=app[keys.DB],
        presence=workstation.presence_service,
        calls=workstation.calls,
        notifier=app[keys.NOTIFIER],
        execute=app[keys.CONTROL].execute,
        queues=app[keys.RULES].queues,
        phones_context=settings.pbx_phones_context,
        spy_modes=settings.supervisor_spy_modes,
        prepare_phone=prepare_phone,
    )
    app[keys.SUPERVISION] = service
    subscription = app[keys.STREAM].subscribe("supervision", service.handle)
    try:
        yield
    finally:
        await subscription.close()


def _service(request: web.Request) -> SupervisionService:
    return request.app[keys.SUPERVISION]


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise bad_request(f"{name} is required", "field_required", field=name)
    return value


@routes.get("/supervisor")
async def supervisor_page(request: web.Request) -> web.Response:
    user = require_role(request, *SUPERVISORS)
    return aiohttp_jinja2.render_template(
        "supervisor.html", request, page_context(request, default_phone=user.extension or "")
    )


@routes.get("/api/supervision")
async def board(request: web.Request) -> web.Response:
    """Operators (state, queues, call, what may be done), waiting calls per queue, the choices for the forms."""
    require_role(request, *SUPERVISORS)
    return web.json_response({**_service(request).board(), "sim": request.app[keys.SIMULATOR] is not None})


@routes.post("/api/supervision/agents/pause")
async def pause(request: web.Request) -> web.Response:
    by = require_role(request, *SUPERVISORS)
    data = await body(request)
    p = await _service(request).pause(by, _text(data, "interface"), _text(data, "reason"))
    return web.json_response(p.to_json())


@routes.post("/api/supervision/agents/unpause")
async def unpause(request: web.Request) -> web.Response:
    by = require_role(request, *SUPERVISORS)
    data = await body(request)
    return web.json_response((await _service(request).unpause(by, _text(data, "interface"))).to_json())


@routes.post("/api/supervision/agents/log-out")
async def log_out(request: web.Request) -> web.Response:
    by = require_role(request, *SUPERVISORS)
    data = await body(request)
    return web.json_response((await _service(request).log_out(by, _text(data, "interface"))).to_json())


@routes.post("/api/supervision/agents/move")
async def move(request: web.Request) -> web.Response:
    by = require_role(request, *SUPERVISORS)
    data = await body(request)
    await _service(request).move(by, _text(data, "interface"), _text(data, "from"), _text(data, "to"))
    return web.json_response({"ok": True})


@routes.post("/api/supervision/agents/spy")
async def spy(request: web.Request) -> web.Response:
    """Listen (mode listen), whisper or barge: the supervisor's phone rings and, answered, joins the call."""
    by = require_role(request, *SUPERVISORS)
    data = await body(request)
    call_id = await _service(request).spy(by, _text(data, "interface"), _text(data, "mode"), data.get("phone"))
    return web.json_response({"ok": True, "spy_call_id": call_id})


@routes.post("/api/supervision/calls/{call_id}/take-over")
async def take_over(request: web.Request) -> web.Response:
    by = require_role(request, *SUPERVISORS)
    data = await body(request)
    await _service(request).take_over(by, request.match_info["call_id"], data.get("phone"))
    return web.json_response({"ok": True})


@routes.post("/api/supervision/calls/{call_id}/priority")
async def priority(request: web.Request) -> web.Response:
    by = require_role(request, *SUPERVISORS)
    data = await body(request)
    await _service(request).change_priority(by, request.match_info["call_id"], data.get("priority"))
    return web.json_response({"ok": True})


@routes.post("/api/supervision/sim/answer")
async def sim_answer(request: web.Request) -> web.Response:
    """Simulator mode: pick up the supervisor's ringing desk phone (a real phone is picked up by hand)."""
    by = require_role(request, *SUPERVISORS)
    simulator = request.app[keys.SIMULATOR]
    if simulator is None:
        raise web.HTTPNotFound(
            text='{"error": "only with the built-in PBX simulator"}', content_type="application/json"
        )
    data = await body(request)
    phone = await _service(request).phone_of(by, data.get("phone"))
    if not simulator.answer(phone):
        raise bad_request("your phone is not ringing", "phone_not_ringing")
    return web.json_response({"ok": True})
