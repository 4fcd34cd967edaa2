"""The JSON API the operator's screen uses. Every handler: who is asking, validate, call a use-case."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from crm_store import customers, users, vocabulary
from crm_store.models import Account, Application, Customer, Interaction, Phone, Task
from crm_store.pop import load_customers
from crm_store.vocabulary import CallResult, PauseReason, Topic
from workstation.applications import ApplicationService, Filing, TaskRequest
from workstation.card_service import CardEdits
from workstation.errors import NotFoundError
from workstation.transfer import parse_kind, parse_target

from . import keys
from .api_fields import (
    body,
    check_references,
    int_field,
    path_id,
    storable,
    text_field,
    text_list,
)
from .auth import user_of
from .errors import bad_request
from .filing import customer_mail

routes = web.RouteTableDef()

TOPICS = vocabulary.codes(Topic)
RESULTS = vocabulary.codes(CallResult)


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
            "sim": request.app[keys.SIMULATOR] is not None,
            "pause_reasons": list(vocabulary.codes(PauseReason)),
            "queues": [{"name": n, "title": t} for n, t in rules.queues.items()],
            "topics": list(TOPICS),
            "results": list(RESULTS),
            "vocabulary": vocabulary.as_json(),
        }
    )


@routes.post("/api/calls/{call_id}/hangup")
async def hangup(request: web.Request) -> web.Response:
    await ws(request).hangup(user_of(request), request.match_info["call_id"])
    return web.json_response({"ok": True})


async def _extensions(request: web.Request) -> set[str]:
    return {u.extension for u in await users.list_users(request.app[keys.DB]) if u.extension}


@routes.post("/api/calls/{call_id}/transfer")
async def transfer(request: web.Request) -> web.Response:
    """kind blind: the call goes to the target now; kind attended: a consultation with the target starts."""
    user = user_of(request)
    ws(request).call_service.my_call(user, request.match_info["call_id"])  # whose call, before what is asked
    data = await body(request)
    target = parse_target(
        text_field(data, "target", required=True, limit=64) or "",
        queues=request.app[keys.RULES].queues,
        extensions=await _extensions(request),
    )
    call = await ws(request).transfer(
        user, request.match_info["call_id"], target, parse_kind(text_field(data, "kind", limit=16))
    )
    return web.json_response({"ok": True, "call": call.to_json()})


@routes.post("/api/calls/{call_id}/transfer/complete")
async def transfer_complete(request: web.Request) -> web.Response:
    call = await ws(request).complete_transfer(user_of(request), request.match_info["call_id"])
    return web.json_response({"ok": True, "call": call.to_json()})


@routes.post("/api/calls/{call_id}/transfer/cancel")
async def transfer_cancel(request: web.Request) -> web.Response:
    call = await ws(request).cancel_transfer(user_of(request), request.match_info["call_id"])
    return web.json_response({"ok": True, "call": call.to_json()})


@routes.post("/api/originate")
async def originate(request: web.Request) -> web.Response:
    data = await body(request)
    number = text_field(data, "number", required=True, column=Interaction.called_number) or ""
    customer_id = int_field(data, "customer_id")
    await check_references(request, customer_id=customer_id)
    call_id = await ws(request).originate(user_of(request), number, customer_id)
    return web.json_response({"call_id": call_id})


@routes.get("/api/cards/{card_id}")
async def get_card(request: web.Request) -> web.Response:
    card = await ws(request).card_service.get(user_of(request), path_id(request, "card_id"))
    return web.json_response(card.to_json())


def _coded(data: dict[str, Any], name: str, enum_: Any, code: str) -> Any:
    value = text_field(data, name, column=Interaction.topic)
    if value is None:
        return None
    member = vocabulary.parse(enum_, value)
    if member is None:
        raise bad_request(f"unknown {name} {value!r}", code, value=value)
    return member


@routes.post("/api/cards/{card_id}")
async def save_card(request: web.Request) -> web.Response:
    """Saves exactly this card (its own call and customer), whatever call rings now; `customer_id` and
    `account_id` change only when sent, `call_id` (optional) must be the card's own call."""
    data = await body(request)
    card_id = path_id(request, "card_id")
    edits = CardEdits(
        topic=_coded(data, "topic", Topic, "unknown_topic"),
        result=_coded(data, "result", CallResult, "unknown_result"),
        notes=text_field(data, "notes", limit=10_000) or "",
        set_customer="customer_id" in data,
        customer_id=int_field(data, "customer_id"),
        set_account="account_id" in data,
        account_id=int_field(data, "account_id"),
        call_id=text_field(data, "call_id", column=Interaction.call_id),
    )
    await check_references(request, customer_id=edits.customer_id, account_id=edits.account_id)
    card = await ws(request).save_card(user_of(request), card_id, edits)
    return web.json_response(card.to_json())


@routes.get("/api/callbacks")
async def callbacks(request: web.Request) -> web.Response:
    """The call-back list, newest first: an operator's own queues, everything for supervisors."""
    before = request.query.get("before") or None
    page = await ws(request).callback_page(user_of(request), before[:100] if before else None)
    return web.json_response(page.to_json())


@routes.post("/api/callbacks/{card_id}/call")
async def call_back(request: web.Request) -> web.Response:
    call_id = await ws(request).call_back(user_of(request), path_id(request, "card_id"))
    return web.json_response({"call_id": call_id})


@routes.get("/api/customers/search")
async def search(request: web.Request) -> web.Response:
    user = user_of(request)
    ws(request).reads.admit(user.id)
    query = storable(request.query.get("q", "")[:200], "q")
    hits = await customers.search_customers(request.app[keys.DB], query)
    ws(request).reads.searched(user.id, query, [h.customer_id for h in hits])
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
    kind = text_field(data, "kind", column=Customer.kind) or "individual"
    if kind not in ("individual", "organisation"):
        raise bad_request("kind is individual or organisation", "invalid_customer_kind")
    customer_id = await customers.create_customer(
        request.app[keys.DB],
        full_name=text_field(data, "full_name", required=True, column=Customer.full_name) or "",
        kind=kind,
        phones=text_list(data, "phones", column=Phone.raw) or [],
        email=text_field(data, "email", column=Customer.email),
        account_number=text_field(data, "account_number", column=Account.number),
        address=text_field(data, "address", column=Account.address) or "",
        user_id=user_of(request).id,
    )
    return web.json_response({"id": customer_id}, status=201)


@routes.post("/api/customers/{customer_id}/phones")
async def link_phone(request: web.Request) -> web.Response:
    data = await body(request)
    e164 = await customers.link_phone(
        request.app[keys.DB],
        path_id(request, "customer_id"),
        text_field(data, "phone", required=True, column=Phone.raw) or "",
        user_id=user_of(request).id,
    )
    return web.json_response({"e164": e164})


@routes.get("/api/customers/{customer_id}/pop")
async def customer_pop(request: web.Request) -> web.Response:
    """The customer page's (and the operator screen's) look at one customer: recorded in the audit log."""
    user = user_of(request)
    customer_id = path_id(request, "customer_id")
    ws(request).reads.admit(user.id)
    pops = await load_customers(request.app[keys.DB], [customer_id])
    if not pops:
        raise NotFoundError(f"customer {customer_id} does not exist", code="customer_not_found")
    ws(request).reads.viewed(user.id, customer_id, "customer")
    return web.json_response(pops[0].to_json())


@routes.post("/api/customers/{customer_id}/contacts")
async def edit_contacts(request: web.Request) -> web.Response:
    data = await body(request)
    email = text_field(data, "email", column=Customer.email)
    record = await customers.update_contacts(
        request.app[keys.DB],
        path_id(request, "customer_id"),
        full_name=text_field(data, "full_name", column=Customer.full_name),
        email=(email or "") if "email" in data else None,
        phones=text_list(data, "phones", column=Phone.raw),
        user_id=user_of(request).id,
    )
    return web.json_response(record.to_json())


@routes.get("/api/application-types")
async def application_types(request: web.Request) -> web.Response:
    types = request.app[keys.APPLICATION_TYPES].for_channel("phone")
    return web.json_response([t.to_json() for t in types])


def _applications(request: web.Request) -> ApplicationService:
    return ApplicationService(
        db=request.app[keys.DB],
        rules=request.app[keys.RULES],
        clock=request.app[keys.CLOCK],
        types=request.app[keys.APPLICATION_TYPES],
        mail=customer_mail(request.app),
    )


def _form_fields(data: dict[str, Any]) -> dict[str, str]:
    """The type's form fields as text (the filing validates them against the type)."""
    raw = data.get("fields") or {}
    if not isinstance(raw, dict) or not all(isinstance(v, str | int | float) for v in raw.values()):
        raise bad_request("fields must be an object of texts", "invalid_fields")
    return {str(k)[:64]: storable(str(v), str(k)[:64])[:2000] for k, v in raw.items()}


@routes.post("/api/applications")
async def file_application(request: web.Request) -> web.Response:
    data = await body(request)
    filing = Filing(
        type=text_field(data, "type", required=True, column=Application.type) or "",
        text=text_field(data, "text", limit=10_000) or "",
        customer_id=int_field(data, "customer_id"),
        account_id=int_field(data, "account_id"),
        card_id=int_field(data, "card_id"),
        fields=_form_fields(data),
    )
    await check_references(
        request, customer_id=filing.customer_id, account_id=filing.account_id, card_id=filing.card_id
    )
    filed = await _applications(request).file(user_of(request), filing)
    await request.app[keys.APPLICATION_WORK].announce_record(filed.application)
    return web.json_response(filed.to_json(), status=201)


@routes.post("/api/tasks")
async def create_task(request: web.Request) -> web.Response:
    data = await body(request)
    try:
        due_at = datetime.fromisoformat(text_field(data, "due_at", required=True, limit=64) or "")
    except ValueError:
        raise bad_request("due_at must be a date and time (ISO 8601)", "invalid_due_at") from None
    task = TaskRequest(
        kind=text_field(data, "kind", column=Task.kind) or "follow_up",
        due_at=due_at,
        customer_id=int_field(data, "customer_id"),
        phone=text_field(data, "phone", column=Task.phone),
        card_id=int_field(data, "card_id"),
        notes=text_field(data, "notes") or "",
    )
    await check_references(request, customer_id=task.customer_id, card_id=task.card_id)
    task_id = await _applications(request).create_task(user_of(request), task)
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
    queue = text_field(data, "queue", column=Interaction.queue)
    if queue is not None and queue not in request.app[keys.RULES].queues:
        raise bad_request(f"unknown queue {queue!r}")
    number = text_field(data, "number", column=Interaction.caller_number)
    call_id = simulator.place_inbound_call(number, queue=queue, via_ivr=bool(data.get("ivr")))
    return web.json_response({"call_id": call_id})


def _simulator(request: web.Request) -> Any:
    simulator = request.app[keys.SIMULATOR]
    if simulator is None:
        raise web.HTTPNotFound(
            text='{"error": "only with the built-in PBX simulator"}', content_type="application/json"
        )
    return simulator
