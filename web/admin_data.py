"""The admin console's books, imports and audit log over HTTP: thin handlers over web/admin_books.py,
web/admin_imports.py and crm_store.audit. Admins only."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote

from aiohttp import BodyPartReader, web

from crm_store import book_versions
from crm_store.audit import AUDIT_PAGE, search_audit
from workstation.errors import WorkstationError

from . import admin_books, keys
from .admin_users import body, require_admin

routes = web.RouteTableDef()


@routes.get("/api/admin/books")
async def books(request: web.Request) -> web.Response:
    """Which version of each book is in force, and the queues and departments the rules define."""
    require_admin(request)
    rules = request.app[keys.RULES]
    return web.json_response(
        {
            "books": [b.to_json() for b in request.app[keys.BOOKS_IN_FORCE].values()],
            "queues": [
                {"name": n, "title": t, "wrap_up_seconds": rules.wrap_up_for(n).seconds}
                for n, t in rules.queues.items()
            ],
            "departments": [{"name": n, "title": t} for n, t in rules.departments.items()],
        }
    )


def _kind(request: web.Request) -> str:
    kind = request.match_info["kind"]
    if kind not in admin_books.KINDS:
        raise WorkstationError(f"no book {kind!r}", code="not_found")
    return kind


@routes.get("/api/admin/books/{kind}")
async def book(request: web.Request) -> web.Response:
    require_admin(request)
    kind = _kind(request)
    versions = await book_versions.list_versions(request.app[keys.DB], kind)
    return web.json_response(
        {
            **request.app[keys.BOOKS_IN_FORCE][kind].to_json(with_text=True),
            "versions": [v.to_json() for v in versions],
        }
    )


@routes.post("/api/admin/books/{kind}")
async def upload_book(request: web.Request) -> web.Response:
    """A new version: validated (422 with the loader's message, naming the line, and the old one stays),
    stored, in force from the next request and the next call."""
    admin = require_admin(request)
    kind = _kind(request)
    data = await body(request)
    text, name = data.get("text"), data.get("name") or f"{kind}.toml"
    if not isinstance(text, str) or not isinstance(name, str):
        raise WorkstationError("send the file's text and name", code="invalid")
    if len(text) > book_versions.MAX_BOOK_CHARS:
        raise WorkstationError("the file is too big for a book", code="invalid")
    source = admin_books.safe_source(name)
    in_force = await admin_books.upload(request.app, kind, text, source, by_user_id=admin.id)
    return web.json_response(in_force.to_json(), status=201)


@routes.post("/api/admin/imports")
async def start_import(request: web.Request) -> web.Response:
    """multipart/form-data: `kind` (customers | debts), then `file`. The import starts in the background."""
    admin = require_admin(request)
    if not request.content_type.startswith("multipart/"):
        raise WorkstationError("send the file as multipart/form-data", code="invalid")
    reader = await request.multipart()
    kind = ""
    jobs = request.app[keys.IMPORTS]
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        if part.name == "kind":
            kind = (await part.text()).strip()[:20]
        elif part.name == "file":
            job = await jobs.receive(part, kind=kind, started_by=admin.username, now=request.app[keys.CLOCK]())
            jobs.start(job, request.app[keys.DB], admin.id)
            return web.json_response(job.to_json(), status=202)
    raise WorkstationError("no file in the upload", code="import_empty")


@routes.get("/api/admin/imports")
async def imports(request: web.Request) -> web.Response:
    require_admin(request)
    return web.json_response([j.to_json() for j in request.app[keys.IMPORTS].listing()])


@routes.get("/api/admin/imports/{job_id:[0-9a-f]{16}}")
async def import_state(request: web.Request) -> web.Response:
    require_admin(request)
    return web.json_response(request.app[keys.IMPORTS].get(request.match_info["job_id"]).to_json())


@routes.get("/api/admin/imports/{job_id:[0-9a-f]{16}}/errors.csv")
async def import_errors(request: web.Request) -> web.StreamResponse:
    require_admin(request)
    job = request.app[keys.IMPORTS].get(request.match_info["job_id"])
    if job.state != "done" or not job.report.exists():
        raise WorkstationError("this import has no error report", code="not_found")
    name = f"{job.filename}.errors.csv"
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    # Headers are Latin-1: a Cyrillic file name goes in the RFC 6266 `filename*` form, with a plain fallback.
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return web.FileResponse(
        job.report, headers={"Content-Type": "text/csv; charset=utf-8", "Content-Disposition": disposition}
    )


def _day(value: str, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise WorkstationError(f"{name} is not a date (YYYY-MM-DD)", code="invalid_value") from None


@routes.get("/api/admin/audit")
async def audit(request: web.Request) -> web.Response:
    """?user=&customer=&action=&since=YYYY-MM-DD&until=YYYY-MM-DD (inclusive, the center's days)&before=<id>"""
    require_admin(request)
    q = request.query
    tz = request.app[keys.RULES].timezone
    since, until = _day(q.get("since", ""), "since"), _day(q.get("until", ""), "until")
    customer = q.get("customer", "").strip()
    before = q.get("before", "").strip()
    if any(v and not (v.isascii() and v.isdigit() and len(v) <= 18) for v in (customer, before)):
        raise WorkstationError("customer and before are numbers", code="invalid_value")
    entries = await search_audit(
        request.app[keys.DB],
        username=q.get("user", "").strip()[:64] or None,
        customer_id=int(customer) if customer else None,
        action=q.get("action", "").strip()[:64] or None,
        since=datetime.combine(since, time(), tz) if since else None,
        until=datetime.combine(until + timedelta(days=1), time(), tz) if until else None,
        before_id=int(before) if before else None,
    )
    out: list[dict[str, Any]] = [{**e, "at": e["at"].isoformat()} for e in entries]
    return web.json_response({"entries": out, "next_before": out[-1]["id"] if len(out) == AUDIT_PAGE else None})
