"""The app factory: one place that wires configuration, the store, telephony and the web together.

The four books (routing rules, IVR menu, offers, talk scripts) are loaded here, so a broken file stops the
start with its name and line. Every long-lived resource is then one cleanup_ctx, registered in dependency
order — database → notifier → simulator (sim mode) → AMI client + call control → event stream →
workstation → queue load → IVR server → PBX link — so each finds what it uses already started, and
tear-down runs the other way round. Every background task is cancelled and awaited on shutdown.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from crm_store.db import open_database
from crm_store.knowledge import ensure_default_articles
from crm_store.migrate import require_current_schema
from ivr import load_menu
from routing import load_rules
from workstation.application_types import load_application_types
from workstation.offers import load_offers
from workstation.scripts import load_scripts

from . import (
    admin,
    api,
    api_applications,
    api_campaigns,
    api_content,
    api_presence,
    api_reports,
    api_supervision,
    api_supervisor,
    auth,
    headers,
    keys,
    mail_pages,
    pages,
    password_change,
    public_apply,
    session_end,
    status,
    wallboard_page,
)
from .errors import error_middleware
from .i18n import load_strings, translator
from .mail_ctx import mail_ctx
from .public_apply_limit import ApplyLimit
from .settings import Settings
from .sio import close_sockets, create_sio, notifier_ctx
from .telephony import TELEPHONY_CONTEXTS
from .throttle import LoginThrottle

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
NODE_MODULES = Path(__file__).resolve().parents[1] / "node_modules"


def utc_now() -> datetime:
    return datetime.now(UTC)


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    url = app[keys.SETTINGS].database_url
    await require_current_schema(url)  # a clear "run ccdesk db upgrade", not a missing table mid-start
    db = open_database(url)
    app[keys.DB] = db
    await ensure_default_articles(db)  # a new center starts with answers to the common questions
    yield
    await db.dispose()


def create_app(settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> web.Application:
    app = web.Application(middlewares=[error_middleware, auth.auth_middleware])
    app[keys.SETTINGS] = settings
    headers.install(app)  # security headers on every response (web/headers.py)
    app[keys.CLOCK] = clock
    app[keys.THROTTLE] = LoginThrottle()
    strings = load_strings("ru")
    app[keys.STRINGS] = strings
    app[keys.TRANSLATE] = translator(strings)
    app[keys.RULES] = load_rules(settings.routing_rules)
    app[keys.MENU] = load_menu(settings.ivr_menu)
    app[keys.OFFERS] = load_offers(settings.offers)
    app[keys.SCRIPTS] = load_scripts(settings.scripts)
    app[keys.APPLICATION_TYPES] = load_application_types(
        settings.application_types, departments=app[keys.RULES].departments
    )
    app[keys.APPLY_LIMIT] = ApplyLimit(
        per_address=settings.apply_per_address_per_hour, per_account=settings.apply_per_account_per_hour
    )
    # Signs the public form's CSRF tokens: the server's key, else one for this process's lifetime.
    app[keys.APPLY_SECRET] = (settings.secret_key or secrets.token_hex(32)).encode()
    sio = create_sio(settings)
    sio.attach(app)
    app[keys.SIO] = sio
    app.on_shutdown.append(close_sockets)
    env = aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    env.globals.update(t=app[keys.TRANSLATE], lang="ru")
    app.cleanup_ctx.append(database_ctx)
    app.cleanup_ctx.append(admin.BOOKS_CTX)  # uploaded books replace the files' before anything reads them
    app.cleanup_ctx.append(notifier_ctx)
    app.cleanup_ctx.extend(TELEPHONY_CONTEXTS)
    app.cleanup_ctx.append(api_applications.applications_ctx)  # after the workstation: it tells its screens
    app.cleanup_ctx.append(session_end.sweep_ctx)  # sockets of idle or expired sessions are disconnected
    app.cleanup_ctx.append(api_supervision.supervision_ctx)  # the supervisor's actions, on the workstation
    app.cleanup_ctx.append(mail_ctx)  # applications by e-mail: SMTP listener, IMAP reader, outbox (when configured)
    app.add_routes(status.routes)
    app.add_routes(auth.routes)
    app.add_routes(password_change.routes)
    app.add_routes(pages.routes)
    app.add_routes(api.routes)
    app.add_routes(api_presence.routes)
    app.add_routes(api_content.routes)
    app.add_routes(api_supervisor.routes)
    app.add_routes(api_supervision.routes)
    app.add_routes(api_applications.routes)
    app.add_routes(public_apply.routes)
    app.add_routes(mail_pages.routes)
    wallboard_page.setup(app)  # /wallboard and its Socket.IO request for the full picture
    admin.install(app)  # the admin console: its routes and its background imports
    app.add_routes(api_reports.routes)
    app.add_routes(api_campaigns.routes)  # outbound campaigns (issue 12)
    app.add_routes([pages.vendor_route(NODE_MODULES)])
    app.router.add_static("/static/", STATIC)
    return app
