"""The operator's presence over HTTP: sign in and out of queues, pause, resume, and "ready" after a call.

Each handler: who is asking, validate, call one use-case of workstation.presence_service.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from crm_store import desk_phones, users
from workstation.presence_service import PresenceService

from . import keys
from .api import body, text_field
from .auth import user_of
from .errors import bad_request

routes = web.RouteTableDef()


def desk(request: web.Request) -> PresenceService:
    return request.app[keys.WORKSTATION].presence_service


def _json(presence: Any) -> web.Response:
    return web.json_response(presence.to_json())


@routes.post("/api/presence/sign-in")
async def sign_in(request: web.Request) -> web.Response:
    data = await body(request)
    user = user_of(request)
    queues = data.get("queues") or list(user.queues)
    if not isinstance(queues, list) or not all(isinstance(q, str) for q in queues):
        raise bad_request("queues must be a list of queue names")
    unknown = [q for q in queues if q not in request.app[keys.RULES].queues]
    if unknown:
        raise bad_request(f"unknown queues: {', '.join(unknown)}", "unknown_queues", queues=", ".join(unknown))
    extension = text_field(data, "extension", limit=16)
    if extension is not None and extension != user.extension:
        # Hot-desking: the operator signs in at the phone of the desk they sit at today.
        if desk_phones.EXTENSION.fullmatch(extension) is None:
            raise bad_request("not an extension", "bad_extension")
        if user.extension and desk(request).presence_of(user).signed_in:
            raise bad_request("sign out of your queues before changing phones", "sign_out_first")
        directory = desk(request).directory
        taken = await directory.lookup_interface(f"PJSIP/{extension}")
        if taken is not None and taken.id != user.id:
            raise bad_request(
                f"extension {extension} belongs to {taken.username}",
                "extension_taken",
                extension=extension,
                username=taken.username,
            )
        if not await desk_phones.may_use_phone(request.app[keys.DB], user, extension):
            # Only a phone the registry lets this user have: not a bot's, not another department's.
            raise bad_request(f"phone {extension} is not one you may use", "phone_not_allowed", extension=extension)
        user = await users.update_user(request.app[keys.DB], user.id, extension=extension, by_user_id=user.id)
        await directory.refresh()
    return _json(await desk(request).sign_in(user, queues))


@routes.post("/api/presence/pause")
async def pause(request: web.Request) -> web.Response:
    data = await body(request)
    return _json(await desk(request).pause(user_of(request), text_field(data, "reason", required=True) or ""))


@routes.post("/api/presence/resume")
async def resume(request: web.Request) -> web.Response:
    return _json(await desk(request).resume(user_of(request)))


@routes.post("/api/presence/ready")
async def ready(request: web.Request) -> web.Response:
    """After-call work done: 400 result_required when the queue needs the card's result and it is missing."""
    return _json(await desk(request).ready(user_of(request)))


@routes.post("/api/presence/sign-out")
async def sign_out(request: web.Request) -> web.Response:
    return _json(await desk(request).sign_out(user_of(request)))
