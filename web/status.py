"""Health: `/healthz` for load balancers and monitors (anonymous: it says "up" and nothing else) and the
`/status` page with the store's counts (signed-in users only: the size of the customer base is business
information)."""

from __future__ import annotations

import logging

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import func, select

from crm_store.models import Customer, Interaction

from . import keys

log = logging.getLogger(__name__)

routes = web.RouteTableDef()


async def _status(request: web.Request) -> dict[str, object]:
    db = request.app[keys.DB]
    async with db.read_session() as s:
        customers = await s.scalar(select(func.count()).select_from(Customer))
        cards = await s.scalar(select(func.count()).select_from(Interaction))
    return {"status": "up", "customers": customers, "call_cards": cards}


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    try:
        async with request.app[keys.DB].read_session() as s:
            await s.execute(select(1))
    except Exception:
        log.exception("health check: the database does not answer")
        return web.json_response({"status": "down"}, status=503)
    return web.json_response({"status": "up"})


@routes.get("/status")
@aiohttp_jinja2.template("status.html")
async def status_page(request: web.Request) -> dict[str, object]:
    return await _status(request)
