"""The app factory: one place that wires configuration, the store, telephony and the web together.

Every long-lived resource is a cleanup_ctx entry, so start-up and tear-down pair up and every
background task is cancelled and awaited on shutdown.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from crm_store.db import open_database

from . import keys
from .settings import Settings
from .status import routes as status_routes

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def database_ctx(app: web.Application) -> AsyncIterator[None]:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        db = open_database(app[keys.SETTINGS].database_url)
        app[keys.DB] = db
        yield
        await db.dispose()

    return ctx(app)


def create_app(settings: Settings) -> web.Application:
    app = web.Application()
    app[keys.SETTINGS] = settings
    aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    app.cleanup_ctx.append(database_ctx)
    app.add_routes(status_routes)
    app.router.add_static("/static/", STATIC)
    return app
