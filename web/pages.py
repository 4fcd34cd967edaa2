"""HTML pages: the operator's screen and the customer page (the data comes from the JSON API)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from crm_store.vocabulary import Role

from . import keys, navigation
from .auth import home_of, session_of

routes = web.RouteTableDef()
OPERATING = frozenset({Role.OPERATOR.value, Role.SUPERVISOR.value, Role.ADMIN.value})  # roles on the floor
VENDOR = {
    # Browser libraries from the npm registry (package.json), served locally: the machines have no internet.
    "socket.io.min.js": Path("socket.io-client") / "dist" / "socket.io.min.js",
    # uPlot draws the wallboard's and the reports' time series: small (~50 KB), no dependencies.
    "uPlot.iife.min.js": Path("uplot") / "dist" / "uPlot.iife.min.js",
    "uPlot.min.css": Path("uplot") / "dist" / "uPlot.min.css",
}


def page_context(request: web.Request, **extra: Any) -> dict[str, Any]:
    info = session_of(request)
    return {
        "user": info.user,
        "csrf_token": info.csrf_token,
        "lang": "ru",
        "t": request.app[keys.TRANSLATE],
        "sim": request.app[keys.SIMULATOR] is not None,
        # The bar of pages this user may open (templates/_nav.html), read from the routes the app serves.
        "nav": navigation.links(
            info.user.role, request.path, {resource.canonical for resource in request.app.router.resources()}
        ),
        **extra,
    }


@routes.get("/")
async def workstation_page(request: web.Request) -> web.Response:
    role = session_of(request).user.role
    if role not in OPERATING:  # a department user works applications, with no phone on the floor
        raise web.HTTPFound(home_of(role))
    return aiohttp_jinja2.render_template("workstation.html", request, page_context(request))


@routes.get("/customers/{customer_id:\\d+}")
async def customer_page(request: web.Request) -> web.Response:
    return aiohttp_jinja2.render_template(
        "customer.html", request, page_context(request, customer_id=int(request.match_info["customer_id"]))
    )


def vendor_route(node_modules: Path) -> web.RouteDef:
    async def vendor(request: web.Request) -> web.StreamResponse:
        relative = VENDOR.get(request.match_info["name"])
        if relative is None:
            raise web.HTTPNotFound()
        path = node_modules / relative
        if not path.exists():
            raise web.HTTPNotFound(text=f"{relative} is missing: run `make install` (npm ci)")
        return web.FileResponse(path, headers={"Cache-Control": "max-age=3600"})

    return web.get("/static/vendor/{name}", vendor)
