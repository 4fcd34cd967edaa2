"""A signed-in user changes their own password: the JSON API (POST /api/me/password) and a plain page
(/password) that works without scripts. Both check the current password under the login throttle (a
stolen session must not become a way to guess it), apply the password policy, and end the user's other
sessions, so whoever else held one is out."""

from __future__ import annotations

import json

import aiohttp_jinja2
from aiohttp import web

from crm_store import sessions, users
from crm_store.sessions import SessionInfo
from workstation.errors import WorkstationError

from . import keys, session_end
from .auth import client_ip, session_of
from .passwords import check_new_password, hash_password_async, verify_login_async
from .throttle import Attempt

routes = web.RouteTableDef()


class PasswordThrottled(WorkstationError):
    pass


async def change_password(request: web.Request, info: SessionInfo, current: str, new: str) -> int:
    """Change the password; returns how many other sessions ended. WorkstationError (a code) when refused."""
    app = request.app
    user = info.user
    now = app[keys.CLOCK]()
    throttle = app[keys.THROTTLE]
    attempt = Attempt(username=user.username, address=client_ip(request))
    wait = throttle.retry_after(attempt, now)
    if wait:
        raise PasswordThrottled(f"too many tries; try again in {wait} s", code="password_throttled", seconds=wait)
    found = await users.credentials(app[keys.DB], user.username)
    if not await verify_login_async(found[1] if found else None, current):
        throttle.failed(attempt, now)
        raise WorkstationError("the current password is wrong", code="password_wrong_current")
    throttle.succeeded(attempt)
    if new == current:
        raise WorkstationError("the new password is the current one", code="password_unchanged")
    check_new_password(new, user.username)
    await users.set_password_hash(app[keys.DB], user.username, await hash_password_async(new), by_user_id=user.id)
    ended = await sessions.close_all_sessions(app[keys.DB], user.id, by_user_id=user.id, keep=info.session_id)
    await session_end.end_sessions(app, user, ended)
    return len(ended)


def _error(status: int, exc: WorkstationError) -> web.Response:
    body = {"error": str(exc), "code": exc.code, "params": exc.params}
    return web.Response(status=status, text=json.dumps(body, ensure_ascii=False), content_type="application/json")


@routes.post("/api/me/password")
async def change_password_api(request: web.Request) -> web.Response:
    info = session_of(request)
    try:
        data = await request.json()
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("current"), str) or not isinstance(data.get("new"), str):
        return _error(400, WorkstationError('send {"current": "...", "new": "..."}', code="invalid"))
    try:
        ended = await change_password(request, info, data["current"], data["new"])
    except PasswordThrottled as exc:
        response = _error(429, exc)
        response.headers["Retry-After"] = str(exc.params["seconds"])
        return response
    return web.json_response({"ok": True, "other_sessions_ended": ended})


def _page(
    request: web.Request, info: SessionInfo, *, message: str = "", kind: str = "", status: int = 200
) -> web.Response:
    context = {"user": info.user, "csrf_token": info.csrf_token, "message": message, "kind": kind}
    return aiohttp_jinja2.render_template("password.html", request, context, status=status)


@routes.get("/password")
async def password_page(request: web.Request) -> web.Response:
    return _page(request, session_of(request))


@routes.post("/password")
async def password_form(request: web.Request) -> web.Response:
    info = session_of(request)
    t = request.app[keys.TRANSLATE]
    form = await request.post()
    current, new, repeat = (str(form.get(k, "")) for k in ("current", "new", "repeat"))
    if new != repeat:
        return _page(request, info, message=t("password.mismatch"), kind="error", status=400)
    try:
        await change_password(request, info, current, new)
    except WorkstationError as exc:
        status = 429 if isinstance(exc, PasswordThrottled) else 400
        return _page(request, info, message=t(f"error.{exc.code}").format(**exc.params), kind="error", status=status)
    return _page(request, info, message=t("password.changed"), kind="ok")
