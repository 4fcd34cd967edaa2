"""Sign-in, sessions, CSRF and roles.

The session cookie is HttpOnly and SameSite=Lax and names a server-side session (crm_store.sessions),
so logout and expiry act on the server. Every state-changing request carries the session's CSRF token
(header `X-CSRF-Token` or form field `csrf_token`); the login form uses a double-submit cookie since
there is no session yet. Failed logins are throttled per user name and per client address.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web

from crm_store import sessions, users
from crm_store.records import UserRecord
from crm_store.sessions import SessionInfo

from . import keys
from .passwords import verify_password_async

COOKIE = "ccdesk_session"
PRELOGIN_COOKIE = "ccdesk_login"
SESSION_LIFETIME = timedelta(hours=12)
PUBLIC_PREFIXES = ("/login", "/static/", "/healthz", "/status", "/favicon.ico")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SESSION_KEY = web.RequestKey("session", SessionInfo)

routes = web.RouteTableDef()
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def session_of(request: web.Request) -> SessionInfo:
    info = request.get(SESSION_KEY)
    if info is None:
        raise web.HTTPUnauthorized(text='{"error": "not signed in"}', content_type="application/json")
    return info


def user_of(request: web.Request) -> UserRecord:
    return session_of(request).user


def require_role(request: web.Request, *roles: str) -> UserRecord:
    user = user_of(request)
    if user.role not in roles:
        raise web.HTTPForbidden(text='{"error": "not allowed for your role"}', content_type="application/json")
    return user


def _client_ip(request: web.Request) -> str:
    return request.remote or ""


def _cookie_kwargs(request: web.Request) -> dict[str, object]:
    return {"httponly": True, "samesite": "Lax", "secure": request.app[keys.SETTINGS].cookie_secure, "path": "/"}


async def load_session(request: web.Request) -> SessionInfo | None:
    token = request.cookies.get(COOKIE, "")
    if not token:
        return None
    return await sessions.session_for(request.app[keys.DB], token, now=request.app[keys.CLOCK]())


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    path = request.path
    if path.startswith(PUBLIC_PREFIXES):
        return await handler(request)
    info = await load_session(request)
    if info is None:
        if path.startswith("/api/"):
            raise web.HTTPUnauthorized(text='{"error": "not signed in"}', content_type="application/json")
        raise web.HTTPFound(f"/login?next={quote(request.path_qs)}")
    request[SESSION_KEY] = info
    if request.method in UNSAFE_METHODS:
        sent = request.headers.get("X-CSRF-Token", "")
        if not sent and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            sent = str((await request.post()).get("csrf_token", ""))
        if not hmac.compare_digest(sent, info.csrf_token):
            raise web.HTTPForbidden(
                text='{"error": "missing or wrong CSRF token; reload the page"}', content_type="application/json"
            )
    return await handler(request)


def _safe_next(value: str) -> str:
    # Only paths of this site: "//evil.example" or "https://…" would make the login an open redirect.
    return value if value.startswith("/") and not value.startswith("//") else "/"


def _login_page(request: web.Request, *, error: str | None, status: int = 200, next_url: str = "/") -> web.Response:
    token = request.cookies.get(PRELOGIN_COOKIE) or secrets.token_urlsafe(24)
    response = aiohttp_jinja2.render_template(
        "login.html", request, {"error": error, "csrf_token": token, "next": next_url}, status=status
    )
    response.set_cookie(PRELOGIN_COOKIE, token, max_age=3600, **_cookie_kwargs(request))  # type: ignore[arg-type]
    return response


@routes.get("/login")
async def login_form(request: web.Request) -> web.Response:
    return _login_page(request, error=None, next_url=_safe_next(request.query.get("next", "/")))


@routes.post("/login")
async def login(request: web.Request) -> web.StreamResponse:
    app = request.app
    t = app[keys.TRANSLATE]
    form = await request.post()
    username = str(form.get("username", "")).strip()
    password = str(form.get("password", ""))
    next_url = _safe_next(str(form.get("next", "/")))
    expected = request.cookies.get(PRELOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, str(form.get("csrf_token", ""))):
        return _login_page(request, error=t("login.error.expired"), status=403, next_url=next_url)
    now = app[keys.CLOCK]()
    throttle = app[keys.THROTTLE]
    throttle_keys = (f"user:{username.lower()}", f"ip:{_client_ip(request)}")
    wait = throttle.retry_after(throttle_keys, now)
    if wait:
        response = _login_page(
            request, error=t("login.error.throttled").format(seconds=wait), status=429, next_url=next_url
        )
        response.headers["Retry-After"] = str(wait)
        return response
    found = await users.credentials(app[keys.DB], username) if username else None
    if found is None or not await verify_password_async(found[1], password):
        throttle.failed(throttle_keys, now)
        return _login_page(request, error=t("login.error.wrong"), status=401, next_url=next_url)
    throttle.succeeded(throttle_keys)
    user, _hash = found
    token = await sessions.open_session(
        app[keys.DB],
        user.id,
        now=now,
        lifetime=SESSION_LIFETIME,
        ip=_client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
    )
    response = web.HTTPFound(next_url)
    response.set_cookie(COOKIE, token, max_age=int(SESSION_LIFETIME.total_seconds()), **_cookie_kwargs(request))  # type: ignore[arg-type]
    response.del_cookie(PRELOGIN_COOKIE, path="/")
    raise response


@routes.post("/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    info = session_of(request)
    # An operator who leaves takes the phone out of the queues: no call may ring an empty desk.
    await request.app[keys.WORKSTATION].presence_service.leave(info.user, why="logout")
    await sessions.close_session(request.app[keys.DB], request.cookies.get(COOKIE, ""), info.user.id)
    response = web.HTTPFound("/login")
    response.del_cookie(COOKIE, path="/")
    raise response
