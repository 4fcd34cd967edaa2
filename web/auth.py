"""Sign-in, sessions, CSRF and roles.

The session cookie is HttpOnly and SameSite=Lax and names a server-side session (crm_store.sessions),
so logout and expiry act on the server. Every state-changing request carries the session's CSRF token
(header `X-CSRF-Token` or form field `csrf_token`); the login form uses a double-submit cookie since
there is no session yet. Failed logins are throttled (web/throttle.py) by user name and client address,
with growing delays.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta
from urllib.parse import quote, urlsplit

import aiohttp_jinja2
from aiohttp import web

from crm_store import sessions, users
from crm_store.records import UserRecord
from crm_store.sessions import SessionInfo

from . import keys, session_end
from .addresses import Network, client_address, parse_networks
from .passwords import dummy_hash, verify_login_async
from .settings import Settings
from .throttle import Attempt

COOKIE = "ccdesk_session"
PRELOGIN_COOKIE = "ccdesk_login"
SESSION_LIFETIME = timedelta(hours=12)
# Without a session: the login itself, static files and a liveness probe that tells nothing more than "up";
# the customers' public application form (web/public_apply.py: its own CSRF token and rate limits).
PUBLIC_PATHS = frozenset({"/login", "/healthz", "/favicon.ico", "/apply", "/apply/status", "/apply/receipt"})
PUBLIC_PREFIXES = ("/static/",)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SESSION_KEY = web.RequestKey("session", SessionInfo)

log = logging.getLogger(__name__)
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
        raise _not_for_your_role()
    return user


def _not_for_your_role() -> web.HTTPForbidden:
    return web.HTTPForbidden(text='{"error": "not allowed for your role"}', content_type="application/json")


# Department staff (back office) are kept to their desk: the routes below and nothing else, whatever a
# handler checks. The operator's routes (calls, queues, call cards, customers, call-backs, the knowledge
# base...) ask only "signed in", since every other role may use them; a route added for operators later is
# then still not theirs. Matched on the route's pattern, so no spelling of a path gets around it.
DEPARTMENT_ROUTES = frozenset(
    {
        "/",  # sends them to /work (pages.py)
        "/work",
        "/api/work",
        "/api/session",
        "/password",
        "/api/me/password",
        "/logout",
        "/logout/everywhere",
        "/socket.io/",  # the transport; the namespace is checked on connect (web/sio.py: /work only)
    }
)
DEPARTMENT_PREFIXES = ("/api/work/",)
DESKS: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {"department": (DEPARTMENT_ROUTES, DEPARTMENT_PREFIXES)}


def outside_desk(role: str, route: str | None) -> bool:
    """Whether the route pattern `route` is out of bounds for `role` (a role with a desk of its own, DESKS).
    An unmatched path (None) is not: it is a 404 for everyone."""
    desk = DESKS.get(role)
    if desk is None or route is None:
        return False
    routes_, prefixes = desk
    return route not in routes_ and not route.startswith(prefixes)


def _route_of(request: web.Request) -> str | None:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else None


@functools.lru_cache(maxsize=4)
def _networks(text: str) -> tuple[Network, ...]:
    return parse_networks(text)


def client_ip(request: web.Request) -> str:
    """The client's address, through the configured trusted proxies (CCDESK_TRUSTED_PROXIES)."""
    trusted = _networks(request.app[keys.SETTINGS].trusted_proxies)
    return client_address(request.remote, request.headers.getall("X-Forwarded-For", []), trusted)


def cookie_secure(settings: Settings) -> bool:
    """Secure (sent over HTTPS only) unless configured otherwise or the server listens on loopback only,
    which is a developer's plain http://127.0.0.1 (behind a TLS proxy on the same host, set it to true)."""
    if settings.cookie_secure is not None:
        return settings.cookie_secure
    return not is_loopback(settings.host)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _cookie_kwargs(request: web.Request) -> dict[str, object]:
    return {"httponly": True, "samesite": "Lax", "secure": cookie_secure(request.app[keys.SETTINGS]), "path": "/"}


async def load_session(request: web.Request) -> SessionInfo | None:
    token = request.cookies.get(COOKIE, "")
    if not token:
        return None
    app = request.app
    return await sessions.session_for(app[keys.DB], token, now=app[keys.CLOCK](), idle=session_end.idle_limit(app))


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    path = request.path
    if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
        return await handler(request)
    info = await load_session(request)
    if info is None:
        if path.startswith("/api/"):
            raise web.HTTPUnauthorized(text='{"error": "not signed in"}', content_type="application/json")
        raise web.HTTPFound(f"/login?next={quote(request.path_qs)}")
    request[SESSION_KEY] = info
    if outside_desk(info.user.role, _route_of(request)):
        raise _not_for_your_role()
    if request.method in UNSAFE_METHODS:
        sent = request.headers.get("X-CSRF-Token", "")
        if not sent and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            sent = str((await request.post()).get("csrf_token", ""))
        if not hmac.compare_digest(sent, info.csrf_token):
            raise web.HTTPForbidden(
                text='{"error": "missing or wrong CSRF token; reload the page"}', content_type="application/json"
            )
    return await handler(request)


# Where each role starts its day after signing in. Supervisors and admins cannot use the operator's screen
# (its controls act on their own phone, which they have not), so "/" sends them here too (pages.py).
HOMES = {"operator": "/", "supervisor": "/wallboard", "admin": "/admin", "department": "/work"}


def home_of(role: str) -> str:
    """The page a user of `role` lands on; the operator's screen for a role without a home of its own."""
    return HOMES.get(role, "/")


def safe_next(value: str) -> str:
    """`value` when it is a path of this site, else "/": the login must not be an open redirect.

    Browsers drop tabs, CR and LF from a URL and read a backslash as a slash, so `/%09/evil.example` (once
    decoded) or `/%5Cevil.example` would go to //evil.example: only printable ASCII without spaces or
    backslashes, one leading slash, and no scheme or host once parsed.
    """
    if len(value) > 2000 or not value.startswith("/") or value.startswith("//"):
        return "/"
    if not (value.isascii() and value.isprintable()) or " " in value or "\\" in value:
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return "/"
    return value


def _login_page(request: web.Request, *, error: str | None, status: int = 200, next_url: str = "/") -> web.Response:
    token = request.cookies.get(PRELOGIN_COOKIE) or secrets.token_urlsafe(24)
    response = aiohttp_jinja2.render_template(
        "login.html", request, {"error": error, "csrf_token": token, "next": next_url}, status=status
    )
    response.set_cookie(PRELOGIN_COOKIE, token, max_age=3600, **_cookie_kwargs(request))  # type: ignore[arg-type]
    return response


@routes.get("/login")
async def login_form(request: web.Request) -> web.Response:
    await dummy_hash()  # made once, before the first login it must time like a real one
    return _login_page(request, error=None, next_url=safe_next(request.query.get("next", "/")))


@routes.post("/login")
async def login(request: web.Request) -> web.StreamResponse:
    app = request.app
    t = app[keys.TRANSLATE]
    form = await request.post()
    username = str(form.get("username", "")).strip()
    password = str(form.get("password", ""))
    next_url = safe_next(str(form.get("next", "/")))
    expected = request.cookies.get(PRELOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, str(form.get("csrf_token", ""))):
        return _login_page(request, error=t("login.error.expired"), status=403, next_url=next_url)
    now = app[keys.CLOCK]()
    throttle = app[keys.THROTTLE]
    attempt = Attempt(username=username, address=client_ip(request))
    wait = throttle.retry_after(attempt, now)
    if wait:
        log.warning("login for %r from %s refused for %s s (throttled)", username[:64], attempt.address, wait)
        response = _login_page(
            request, error=t("login.error.throttled").format(seconds=wait), status=429, next_url=next_url
        )
        response.headers["Retry-After"] = str(wait)
        return response
    found = await users.credentials(app[keys.DB], username) if username else None
    if not await verify_login_async(found[1] if found else None, password) or found is None:
        throttle.failed(attempt, now)
        log.warning("failed login for %r from %s", username[:64], attempt.address)
        return _login_page(request, error=t("login.error.wrong"), status=401, next_url=next_url)
    throttle.succeeded(attempt)
    user, _hash = found
    token = await sessions.open_session(
        app[keys.DB],
        user.id,
        now=now,
        lifetime=SESSION_LIFETIME,
        ip=client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
    )
    # A page asked for before signing in (next=) wins; a plain sign-in goes to the role's home.
    response = web.HTTPFound(next_url if next_url != "/" else home_of(user.role))
    # No max-age: the cookie dies with the browser; the server ends the session after SESSION_LIFETIME or
    # CCDESK_SESSION_IDLE_MINUTES without a request, whichever comes first.
    response.set_cookie(COOKIE, token, **_cookie_kwargs(request))  # type: ignore[arg-type]
    response.del_cookie(PRELOGIN_COOKIE, path="/")
    raise response


@routes.get("/api/session")
async def session_state(request: web.Request) -> web.Response:
    """A cheap request that keeps the session alive (the page sends it on the user's activity) and tells
    when it ends: `idle_minutes` without a request, and `expires_at` at the latest."""
    info = session_of(request)
    return web.json_response(
        {
            "user": info.user.username,
            "expires_at": info.expires_at.isoformat(),
            "idle_minutes": request.app[keys.SETTINGS].session_idle_minutes or None,
        }
    )


@routes.post("/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    """This browser's session ends, its sockets are disconnected (session_end), and the phone leaves its
    queues."""
    info = session_of(request)
    # An operator who leaves takes the phone out of the queues: no call may ring an empty desk.
    await request.app[keys.WORKSTATION].presence_service.leave(info.user, why="logout")
    await sessions.close_session(request.app[keys.DB], request.cookies.get(COOKIE, ""), info.user.id)
    await session_end.end_sessions(request.app, info.user, [info.session_id])
    response = web.HTTPFound("/login")
    response.del_cookie(COOKIE, path="/")
    raise response


@routes.post("/logout/everywhere")
async def logout_everywhere(request: web.Request) -> web.StreamResponse:
    """Every session of this user ends (a forgotten browser elsewhere, a suspected stolen cookie)."""
    info = session_of(request)
    ended = await sessions.close_all_sessions(request.app[keys.DB], info.user.id, by_user_id=info.user.id)
    await session_end.end_sessions(request.app, info.user, ended)
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        response: web.StreamResponse = web.json_response({"sessions_ended": len(ended)})
        response.del_cookie(COOKIE, path="/")
        return response
    found = web.HTTPFound("/login")
    found.del_cookie(COOKIE, path="/")
    raise found
