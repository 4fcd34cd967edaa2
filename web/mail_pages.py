"""The mail desk page for supervisors and admins: the outbox (receipts sent or waiting for a relay) and the
messages taken in, with the ones that need a person (sender not on file, unreadable) marked."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from crm_store import mail
from crm_store.vocabulary import Role

from . import keys
from .auth import require_role
from .pages import page_context

routes = web.RouteTableDef()


@routes.get("/mail")
async def mail_page(request: web.Request) -> web.Response:
    require_role(request, Role.SUPERVISOR.value, Role.ADMIN.value)
    db = request.app[keys.DB]
    channel = request.app[keys.MAIL]
    context = page_context(
        request,
        configured=channel is not None,
        address=channel.config.address if channel else "",
        relay=channel.config.relay is not None if channel else False,
        outbox=await mail.outbox(db),
        messages=await mail.recent_messages(db),
    )
    return aiohttp_jinja2.render_template("mail.html", request, context)
