"""What operators look things up in during a call: talk scripts, the knowledge base, offers the customer
qualifies for, and the customer's whole history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from crm_store import history, knowledge
from crm_store.models import Customer, KnowledgeArticle, OfferResponse
from workstation.content import KnowledgeService, OfferService
from workstation.errors import NotFoundError

from . import keys
from .api_fields import body, check_references, exists, int_field, path_id, query_id, text_field, text_list
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
    article = await knowledge.get_article(request.app[keys.DB], path_id(request, "article_id"))
    return web.json_response(article.to_json())


def _article_fields(data: dict[str, object]) -> dict[str, Any]:
    return {
        "title": text_field(data, "title", required=True, column=KnowledgeArticle.title) or "",
        "body": text_field(data, "body", required=True, limit=50_000) or "",
        "topic": text_field(data, "topic", column=KnowledgeArticle.topic),
        "tags": text_list(data, "tags", column=KnowledgeArticle.topic) or [],
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
    article_id = path_id(request, "article_id")
    data = await body(request)
    expected = text_field(data, "updated_at", limit=64)
    try:
        expected_at = datetime.fromisoformat(expected) if expected else None
    except ValueError:
        raise bad_request("updated_at must be the time the article was loaded") from None
    article = await knowledge.update_article(
        request.app[keys.DB],
        article_id,
        **_article_fields(data),
        user_id=user.id,
        expected_updated_at=expected_at,
    )
    return web.json_response(article.to_json())


@routes.delete("/api/kb/{article_id:\\d+}")
async def kb_delete(request: web.Request) -> web.Response:
    user = require_role(request, *EDITORS)
    await knowledge.delete_article(request.app[keys.DB], path_id(request, "article_id"), user_id=user.id)
    return web.json_response({"ok": True})


def _offers(request: web.Request) -> OfferService:
    return OfferService(db=request.app[keys.DB], clock=request.app[keys.CLOCK], book=request.app[keys.OFFERS])


@routes.get("/api/offers")
async def offers(request: web.Request) -> web.Response:
    customer_id = query_id(request, "customer_id")
    if customer_id is None:
        raise bad_request("customer_id is required", "customer_id_required")
    await check_references(request, customer_id=customer_id)
    found = await _offers(request).offers_for(customer_id)
    return web.json_response([o.to_json() for o in found])


@routes.post("/api/offers/{code}/response")
async def offer_response(request: web.Request) -> web.Response:
    data = await body(request)
    customer_id = int_field(data, "customer_id")
    if customer_id is None:
        raise bad_request("customer_id is required", "customer_id_required")
    card_id = int_field(data, "card_id")
    response = text_field(data, "response", required=True, column=OfferResponse.response) or ""
    notes = text_field(data, "notes", limit=2000) or ""
    await check_references(request, customer_id=customer_id, card_id=card_id)
    record = await _offers(request).respond(
        user_of(request),
        customer_id=customer_id,
        code=request.match_info["code"],
        response=response,
        card_id=card_id,
        notes=notes,
    )
    return web.json_response(record.to_json(), status=201)


@routes.get("/api/customers/{customer_id:\\d+}/timeline")
async def timeline(request: web.Request) -> web.Response:
    """A page of the customer's history, newest first: recorded in the audit log like every customer view."""
    user = user_of(request)
    customer_id = path_id(request, "customer_id")
    before = (request.query.get("before") or "")[:100] or None
    try:
        limit = min(int(request.query.get("limit", "100")), 500)
    except ValueError:
        raise bad_request("limit must be a number", "field_not_a_number", field="limit") from None
    reads = request.app[keys.WORKSTATION].reads
    reads.admit(user.id)
    if not await exists(request, Customer.id, customer_id):
        raise NotFoundError(f"customer {customer_id} does not exist", code="customer_not_found")
    try:
        items = await history.customer_timeline(request.app[keys.DB], customer_id, limit=limit, before=before)
    except ValueError as exc:
        raise bad_request(str(exc), "invalid_timeline_request") from None
    reads.viewed(user.id, customer_id, "timeline")
    return web.json_response([i.to_json() for i in items])
