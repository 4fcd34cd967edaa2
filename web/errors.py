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


def _json_error(status: int, message: str) -> web.Response:
    return web.Response(
        status=status, text=json.dumps({"error": message}, ensure_ascii=False), content_type="application/json"
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
        return _json_error(404, str(exc))
    except Conflict as exc:
        return _json_error(409, str(exc))
    except (WorkstationError, ValueError, StoreError) as exc:
        return _json_error(400, str(exc))
    except CtiError as exc:
        return _json_error(502, f"the PBX did not answer: {exc}")


def bad_request(message: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=json.dumps({"error": message}, ensure_ascii=False), content_type="application/json")
