"""One place that turns the project's exceptions into HTTP answers with a message a person can act on."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from crm_store.errors import Conflict, NotFound, StoreError
from cti.errors import CtiError
from workstation.errors import WorkstationError

log = logging.getLogger(__name__)


def _json_error(status: int, message: str, code: str, params: dict[str, object] | None = None) -> web.Response:
    """``code`` is what the browser translates (``error.<code>``); ``message`` stays for logs and API clients."""
    body = {"error": message, "code": code, "params": params or {}}
    return web.Response(
        status=status, text=json.dumps(body, ensure_ascii=False, default=str), content_type="application/json"
    )


@web.middleware
async def error_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except NotFound as exc:
        return _json_error(404, str(exc), "not_found")
    except Conflict as exc:
        return _json_error(409, str(exc), "conflict")
    except WorkstationError as exc:
        return _json_error(exc.status, str(exc), exc.code, exc.params)
    except (ValueError, StoreError) as exc:
        return _json_error(400, str(exc), "invalid")
    except CtiError as exc:
        return _json_error(502, f"the PBX did not answer: {exc}", "pbx_unavailable")


def bad_request(message: str, code: str = "invalid", **params: object) -> web.HTTPBadRequest:
    body = {"error": message, "code": code, "params": params}
    return web.HTTPBadRequest(text=json.dumps(body, ensure_ascii=False, default=str), content_type="application/json")
