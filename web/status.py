"""Health: a page and a JSON endpoint that say whether the workstation and its store are up."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import func, select

from crm_store.models import Customer, Interaction

from . import keys

routes = web.RouteTableDef()


async def _status(request: web.Request) -> dict[str, object]:
    db = request.app[keys.DB]
    async with db.read_session() as s:
        customers = await s.scalar(select(func.count()).select_from(Customer))
        cards = await s.scalar(select(func.count()).select_from(Interaction))
    return {"status": "up", "customers": customers, "call_cards": cards}


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return web.json_response(await _status(request))


@routes.get("/status")
@aiohttp_jinja2.template("status.html")
async def status_page(request: web.Request) -> dict[str, object]:
    return await _status(request)
