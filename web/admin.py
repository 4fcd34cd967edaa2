"""The admin console's page (`/admin`, admins only) and the wiring of its parts: users and phones
(admin_users.py), books, imports and the audit log (admin_data.py), and the two contexts it needs — the
uploaded books put in force at start-up (admin_books.books_ctx) and the background imports
(admin_imports.imports_ctx)."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from . import admin_books, admin_data, admin_imports, admin_users
from .admin_users import require_admin
from .pages import page_context

routes = web.RouteTableDef()


@routes.get("/admin")
async def admin_page(request: web.Request) -> web.Response:
    require_admin(request)
    return aiohttp_jinja2.render_template("admin.html", request, page_context(request))


def install(app: web.Application) -> None:
    """Routes, and the imports' context (the books' context is registered right after the database's, see
    app.py, because the telephony contexts read the books)."""
    app.add_routes(routes)
    app.add_routes(admin_users.routes)
    app.add_routes(admin_data.routes)
    app.cleanup_ctx.append(admin_imports.imports_ctx)


BOOKS_CTX = admin_books.books_ctx
