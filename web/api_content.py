"""What operators look things up in during a call: talk scripts, the knowledge base, offers the customer
qualifies for, and the customer's whole history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from crm_store import history, knowledge
from workstation.content import KnowledgeService, OfferService

from . import keys
from .api import body, int_field, text_field
from .auth import require_role, user_of
from .errors import bad_request

routes = web.RouteTableDef()
EDITORS = ("supervisor", "admin")


@routes.get("/api/topics")
async def topics(request: web.Request) -> web.Response:
    return web.json_response([{"code": code, "title": title} for code, title in request.app[keys.SCRIPTS].topics()])


@routes.get("/api/scripts/{topic}")
async def script(request: web.Request) -> web.Response:
    user = user_of(request)
    customer = request.query.get("customer", "")[:200]
    rendered = (
        request.app[keys.SCRIPTS]
        .script_for(request.match_info["topic"])
        .render(operator=user.full_name or user.username, **({"customer": customer} if customer else {}))
    )
    return web.json_response(rendered.to_json())


@routes.get("/api/kb")
async def kb_search(request: web.Request) -> web.Response:
    found = await KnowledgeService(db=request.app[keys.DB]).find(
        request.query.get("q", "")[:200], topic=request.query.get("topic") or None
    )
    return web.json_response([a.to_json() for a in found])


@routes.get("/api/kb/{article_id:\\d+}")
async def kb_get(request: web.Request) -> web.Response:
    article = await knowledge.get_article(request.app[keys.DB], int(request.match_info["article_id"]))
    return web.json_response(article.to_json())


def _article_fields(data: dict[str, object]) -> dict[str, Any]:
    tags = data.get("tags") or []
    if not isinstance(tags, list):
        raise bad_request("tags must be a list")
    return {
        "title": text_field(data, "title", required=True, limit=300) or "",
        "body": text_field(data, "body", required=True, limit=50_000) or "",
        "topic": text_field(data, "topic", limit=64),
        "tags": [str(t) for t in tags],
    }


@routes.post("/api/kb")
async def kb_create(request: web.Request) -> web.Response:
    user = require_role(request, *EDITORS)
    article = await knowledge.create_article(
        request.app[keys.DB],
        **_article_fields(await body(request)),
        user_id=user.id,
    )
    return web.json_response(article.to_json(), status=201)


@routes.post("/api/kb/{article_id:\\d+}")
async def kb_update(request: web.Request) -> web.Response:
    user = require_role(request, *EDITORS)
    data = await body(request)
    expected = text_field(data, "updated_at", limit=64)
    try:
        expected_at = datetime.fromisoformat(expected) if expected else None
    except ValueError:
        raise bad_request("updated_at must be the time the article was loaded") from None
    article = await knowledge.update_article(
        request.app[keys.DB],
        int(request.match_info["article_id"]),
        **_article_fields(data),
        user_id=user.id,
        expected_updated_at=expected_at,
    )
    return web.json_response(article.to_json())


@routes.delete("/api/kb/{article_id:\\d+}")
async def kb_delete(request: web.Request) -> web.Response:
    user = require_role(request, *EDITORS)
    await knowledge.delete_article(request.app[keys.DB], int(request.match_info["article_id"]), user_id=user.id)
    return web.json_response({"ok": True})


def _offers(request: web.Request) -> OfferService:
    return OfferService(db=request.app[keys.DB], clock=request.app[keys.CLOCK], book=request.app[keys.OFFERS])


@routes.get("/api/offers")
async def offers(request: web.Request) -> web.Response:
    try:
        customer_id = int(request.query.get("customer_id", ""))
    except ValueError:
        raise bad_request("customer_id is required", "customer_id_required") from None
    found = await _offers(request).offers_for(customer_id)
    return web.json_response([o.to_json() for o in found])


@routes.post("/api/offers/{code}/response")
async def offer_response(request: web.Request) -> web.Response:
    data = await body(request)
    customer_id = int_field(data, "customer_id")
    if customer_id is None:
        raise bad_request("customer_id is required", "customer_id_required")
    record = await _offers(request).respond(
        user_of(request),
        customer_id=customer_id,
        code=request.match_info["code"],
        response=text_field(data, "response", required=True, limit=16) or "",
        card_id=int_field(data, "card_id"),
        notes=text_field(data, "notes", limit=2000) or "",
    )
    return web.json_response(record.to_json(), status=201)


@routes.get("/api/customers/{customer_id:\\d+}/timeline")
async def timeline(request: web.Request) -> web.Response:
    before = request.query.get("before") or None
    try:
        items = await history.customer_timeline(
            request.app[keys.DB],
            int(request.match_info["customer_id"]),
            limit=min(int(request.query.get("limit", "100")), 500),
            before=before,
        )
    except ValueError as exc:
        raise bad_request(str(exc)) from None
    return web.json_response([i.to_json() for i in items])
