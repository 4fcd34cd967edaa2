"""The JSON API the operator's screen uses. Every handler: who is asking, validate, call a use-case."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from crm_store import applications, customers, interactions
from crm_store.pop import load_customers
from workstation.presence import PAUSE_REASONS
from workstation.scripts import default_scripts

from . import keys
from .auth import user_of
from .errors import bad_request

routes = web.RouteTableDef()

TOPICS = (*(code for code, _title in default_scripts().topics()), "other")
RESULTS = ("consulted", "application_filed", "transferred", "callback_promised", "resolved", "no_answer")


async def body(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        raise bad_request("the request body is not JSON") from None
    if not isinstance(data, dict):
        raise bad_request("the request body must be a JSON object")
    return data


def text_field(data: dict[str, Any], name: str, *, required: bool = False, limit: int = 5000) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise bad_request(f"{name} is required")
        return None
    if not isinstance(value, str | int):
        raise bad_request(f"{name} must be text")
    value = str(value).strip()
    if len(value) > limit:
        raise bad_request(f"{name} is longer than {limit} characters")
    return value


def int_field(data: dict[str, Any], name: str) -> int | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(f"{name} must be a number") from None


def ws(request: web.Request) -> Any:
    return request.app[keys.WORKSTATION]


@routes.get("/api/me")
async def me(request: web.Request) -> web.Response:
    user = user_of(request)
    state = await ws(request).state_for(user)
    rules = request.app[keys.RULES]
    return web.json_response(
        {
            "user": user.to_json(),
            **state,
            "sim": request.app[keys.TELEPHONY].simulator is not None,
            "pause_reasons": list(PAUSE_REASONS),
            "queues": [{"name": n, "title": t} for n, t in rules.queues.items()],
            "topics": list(TOPICS),
            "results": list(RESULTS),
        }
    )


@routes.post("/api/calls/{call_id}/hangup")
async def hangup(request: web.Request) -> web.Response:
    await ws(request).hangup(user_of(request), request.match_info["call_id"])
    return web.json_response({"ok": True})


@routes.post("/api/calls/{call_id}/transfer")
async def transfer(request: web.Request) -> web.Response:
    data = await body(request)
    await ws(request).transfer(
        user_of(request),
        request.match_info["call_id"],
        text_field(data, "target", required=True) or "",
        text_field(data, "kind") or "blind",
    )
    return web.json_response({"ok": True})


@routes.post("/api/originate")
async def originate(request: web.Request) -> web.Response:
    data = await body(request)
    call_id = await ws(request).originate(
        user_of(request), text_field(data, "number", required=True) or "", int_field(data, "customer_id")
    )
    return web.json_response({"call_id": call_id})


@routes.get("/api/cards/{card_id}")
async def get_card(request: web.Request) -> web.Response:
    card = await interactions.get_call_card(request.app[keys.DB], interaction_id=_id(request, "card_id"))
    return web.json_response(card.to_json())


@routes.post("/api/cards/{card_id}")
async def save_card(request: web.Request) -> web.Response:
    data = await body(request)
    changes: dict[str, Any] = {}
    for name, allowed in (("topic", TOPICS), ("result", RESULTS)):
        value = text_field(data, name, limit=64)
        if value is not None and value not in allowed:
            raise bad_request(f"unknown {name} {value!r}")
        changes[name] = value
    changes["notes"] = text_field(data, "notes", limit=10_000) or ""
    for name in ("customer_id", "account_id"):
        if name in data:
            changes[name] = int_field(data, name)
    user = user_of(request)
    card = await interactions.wrap_up(request.app[keys.DB], _id(request, "card_id"), changes, user_id=user.id)
    if user.extension and card.call_id:
        await ws(request).finish_wrap_up(user, card.call_id, has_result=bool(card.result))
    return web.json_response(card.to_json())


@routes.get("/api/callbacks")
async def callbacks(request: web.Request) -> web.Response:
    cards = await interactions.pending_callbacks(request.app[keys.DB])
    return web.json_response([c.to_json() for c in cards])


@routes.post("/api/callbacks/{card_id}/call")
async def call_back(request: web.Request) -> web.Response:
    db = request.app[keys.DB]
    card = await interactions.get_call_card(db, interaction_id=_id(request, "card_id"))
    if card.callback_status != "pending" or not card.caller_number:
        raise bad_request("this call needs no call-back (already done, or no number)")
    call_id = await ws(request).originate(user_of(request), card.caller_number, card.customer_id)
    await interactions.update_call_card(db, card.call_id or "", {"callback_status": "done"})
    return web.json_response({"call_id": call_id})


@routes.get("/api/customers/search")
async def search(request: web.Request) -> web.Response:
    hits = await customers.search_customers(request.app[keys.DB], request.query.get("q", "")[:200])
    return web.json_response(
        [
            {
                "customer_id": h.customer_id,
                "full_name": h.full_name,
                "kind": h.kind,
                "account_number": h.account_number,
                "address": h.address,
                "debt_kop": h.debt_kop,
            }
            for h in hits
        ]
    )


@routes.post("/api/customers")
async def create_customer(request: web.Request) -> web.Response:
    data = await body(request)
    kind = text_field(data, "kind") or "individual"
    if kind not in ("individual", "organisation"):
        raise bad_request("kind is individual or organisation")
    phones = data.get("phones") or []
    if not isinstance(phones, list):
        raise bad_request("phones must be a list")
    customer_id = await customers.create_customer(
        request.app[keys.DB],
        full_name=text_field(data, "full_name", required=True, limit=300) or "",
        kind=kind,
        phones=[str(p) for p in phones if str(p).strip()],
        email=text_field(data, "email", limit=200),
        account_number=text_field(data, "account_number", limit=32),
        address=text_field(data, "address") or "",
        user_id=user_of(request).id,
    )
    return web.json_response({"id": customer_id}, status=201)


@routes.post("/api/customers/{customer_id}/phones")
async def link_phone(request: web.Request) -> web.Response:
    data = await body(request)
    e164 = await customers.link_phone(
        request.app[keys.DB],
        _id(request, "customer_id"),
        text_field(data, "phone", required=True) or "",
        user_id=user_of(request).id,
    )
    return web.json_response({"e164": e164})


@routes.get("/api/customers/{customer_id}/pop")
async def customer_pop(request: web.Request) -> web.Response:
    pops = await load_customers(request.app[keys.DB], [_id(request, "customer_id")])
    if not pops:
        raise web.HTTPNotFound(text='{"error": "no such customer"}', content_type="application/json")
    return web.json_response(pops[0].to_json())


@routes.post("/api/customers/{customer_id}/contacts")
async def edit_contacts(request: web.Request) -> web.Response:
    data = await body(request)
    phones = data.get("phones")
    if phones is not None and not isinstance(phones, list):
        raise bad_request("phones must be a list")
    record = await customers.update_contacts(
        request.app[keys.DB],
        _id(request, "customer_id"),
        full_name=text_field(data, "full_name", limit=300),
        email=data.get("email") if isinstance(data.get("email"), str) else None,
        phones=[str(p) for p in phones] if phones is not None else None,
        user_id=user_of(request).id,
    )
    return web.json_response(record.to_json())


@routes.get("/api/application-types")
async def application_types(request: web.Request) -> web.Response:
    types = request.app[keys.RULES].application_types.values()
    return web.json_response([{"code": t.name, "title": t.title, "sla_hours": t.sla_hours} for t in types])


@routes.post("/api/applications")
async def file_application(request: web.Request) -> web.Response:
    data = await body(request)
    rules = request.app[keys.RULES]
    app_type = text_field(data, "type", required=True, limit=64) or ""
    if app_type not in rules.application_types:
        raise bad_request(f"unknown application type {app_type!r}")
    db = request.app[keys.DB]
    customer_id = int_field(data, "customer_id")
    account_id = int_field(data, "account_id")
    region = ""
    if customer_id is not None:
        pops = await load_customers(db, [customer_id])
        if not pops:
            raise bad_request("no such customer")
        accounts = pops[0].accounts
        account = next((a for a in accounts if a.id == account_id), accounts[0] if accounts else None)
        if account_id is not None and (account is None or account.id != account_id):
            raise bad_request("the account does not belong to the customer")
        region = account.region if account else ""
        account_id = account.id if account else None
    decision = rules.route_application(app_type, region)
    now = request.app[keys.CLOCK]()
    record = await applications.file_application(
        db,
        type=app_type,
        text=text_field(data, "text", required=True, limit=10_000) or "",
        channel="phone",
        customer_id=customer_id,
        account_id=account_id,
        department_queue=decision.queue,
        due_at=now + timedelta(hours=rules.application_types[app_type].sla_hours),
        interaction_id=int_field(data, "card_id"),
        user_id=user_of(request).id,
    )
    return web.json_response({**record.to_json(), "routing_reason": decision.reason}, status=201)


@routes.post("/api/tasks")
async def create_task(request: web.Request) -> web.Response:
    data = await body(request)
    kind = text_field(data, "kind") or "follow_up"
    if kind not in ("follow_up", "callback"):
        raise bad_request("kind is follow_up or callback")
    try:
        due_at = datetime.fromisoformat(text_field(data, "due_at", required=True) or "")
    except ValueError:
        raise bad_request("due_at must be a date and time (ISO 8601)") from None
    if due_at.tzinfo is None:
        due_at = due_at.replace(tzinfo=request.app[keys.RULES].timezone)
    user = user_of(request)
    task_id = await applications.create_task(
        request.app[keys.DB],
        kind=kind,
        due_at=due_at,
        customer_id=int_field(data, "customer_id"),
        phone=text_field(data, "phone", limit=32),
        interaction_id=int_field(data, "card_id"),
        notes=text_field(data, "notes") or "",
        assigned_to=user.id,
        user_id=user.id,
    )
    return web.json_response({"id": task_id}, status=201)


@routes.post("/api/sim/answer")
async def sim_answer(request: web.Request) -> web.Response:
    simulator = _simulator(request)
    user = user_of(request)
    if not user.extension:
        raise bad_request("you have no phone extension")
    from workstation.presence import interface_for

    if not simulator.answer(interface_for(user.extension)):
        raise bad_request("your phone is not ringing")
    return web.json_response({"ok": True})


@routes.post("/api/sim/call")
async def sim_call(request: web.Request) -> web.Response:
    simulator = _simulator(request)
    data = await body(request)
    queue = text_field(data, "queue", limit=64)
    if queue is not None and queue not in request.app[keys.RULES].queues:
        raise bad_request(f"unknown queue {queue!r}")
    number = text_field(data, "number", limit=32)
    call_id = simulator.place_inbound_call(number, queue=queue, via_ivr=bool(data.get("ivr")))
    return web.json_response({"call_id": call_id})


def _simulator(request: web.Request) -> Any:
    simulator = request.app[keys.TELEPHONY].simulator
    if simulator is None:
        raise web.HTTPNotFound(
            text='{"error": "only with the built-in PBX simulator"}', content_type="application/json"
        )
    return simulator


def _id(request: web.Request, name: str) -> int:
    try:
        return int(request.match_info[name])
    except ValueError:
        raise web.HTTPNotFound(text='{"error": "not found"}', content_type="application/json") from None
