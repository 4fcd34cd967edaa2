"""The app factory: one place that wires configuration, the store, telephony and the web together.

Every long-lived resource is a cleanup_ctx entry, so start-up and tear-down pair up and every
background task is cancelled and awaited on shutdown.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from crm_store.db import open_database
from crm_store.knowledge import ensure_default_articles
from routing import default_rules, load_rules
from workstation.offers import default_book
from workstation.scripts import default_scripts

from . import api, api_content, api_presence, api_supervisor, auth, keys, pages, status
from .errors import error_middleware
from .i18n import load_strings, translator
from .settings import Settings
from .sio import SocketNotifier, close_sockets, create_sio, notifier_ctx
from .telephony import telephony_ctx
from .throttle import LoginThrottle

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
NODE_MODULES = Path(__file__).resolve().parents[1] / "node_modules"


def utc_now() -> datetime:
    return datetime.now(UTC)


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    db = open_database(app[keys.SETTINGS].database_url)
    app[keys.DB] = db
    await ensure_default_articles(db)  # a new center starts with answers to the common questions
    yield
    await db.dispose()


def create_app(settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> web.Application:
    app = web.Application(middlewares=[error_middleware, auth.auth_middleware])
    app[keys.SETTINGS] = settings
    app[keys.CLOCK] = clock
    app[keys.THROTTLE] = LoginThrottle()
    strings = load_strings("ru")
    app[keys.STRINGS] = strings
    app[keys.TRANSLATE] = translator(strings)
    app[keys.RULES] = load_rules(settings.routing_rules) if settings.routing_rules else default_rules()
    default_book()  # offers and talk scripts are configuration: a broken file stops the start, clearly
    default_scripts()
    app[keys.QUEUE_LOAD] = {}
    sio = create_sio(settings)
    sio.attach(app)
    app[keys.SIO] = sio
    app[keys.NOTIFIER] = SocketNotifier(sio)
    app.on_shutdown.append(close_sockets)
    env = aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    env.globals.update(t=app[keys.TRANSLATE], lang="ru")
    app.cleanup_ctx.append(database_ctx)
    app.cleanup_ctx.append(notifier_ctx)
    app.cleanup_ctx.append(telephony_ctx)
    app.add_routes(status.routes)
    app.add_routes(auth.routes)
    app.add_routes(pages.routes)
    app.add_routes(api.routes)
    app.add_routes(api_presence.routes)
    app.add_routes(api_content.routes)
    app.add_routes(api_supervisor.routes)
    app.router.add_route(*_route(pages.vendor_route(NODE_MODULES)))
    app.router.add_static("/static/", STATIC)
    return app


def _route(route: web.RouteDef) -> tuple[str, str, object]:
    return route.method, route.path, route.handler
