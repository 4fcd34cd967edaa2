"""Who may do what, for every HTTP route of the real app and every Socket.IO namespace and event: tried as
anonymous, an operator, another operator, a supervisor, an admin and a department user (back office).

The routes are read from the app's router, so a route added without a rule in RULES fails this test. A
rule names the roles let through and, for a resource that belongs to someone, whose it is: OWN means the
operator "op1" owns it (their call card, the call on their phone, a call-back of their queue), so "op2"
is refused while supervisors and admins are let through.

"Refused" is what a person sees: 401 (or the login page) without a session, 403 for a role or a
resource that is not theirs, 404 for a resource they may not even know exists. "Let through" is anything
else — a 400 for the empty body sent is fine: the request got past the checks of who is asking.

A department user works the applications of their department at /work and nothing of the operator's
(calls, queues, call cards, customers, call-backs, the knowledge base): only what /work itself uses, their
password, the session keepalive and logging out (other departments' applications: test_applications.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import socketio
from sqlalchemy import select

from crm_store import interactions
from crm_store.models import Application, Customer, User
from crm_store.users import create_user
from web import keys
from web.passwords import hash_password
from workstation.live import LiveCall

from ..serving import wait_for
from .client import Operator

pytestmark = pytest.mark.integration

ANON, OP, OTHER, SUP, ADMIN, DEPT = "anonymous", "operator", "other operator", "supervisor", "admin", "department"
ROLES = (ANON, OP, OTHER, SUP, ADMIN, DEPT)
EVERYONE = frozenset(ROLES)
SIGNED_IN = frozenset({OP, OTHER, SUP, ADMIN, DEPT})
OPERATING = frozenset({OP, OTHER, SUP, ADMIN})  # the operator's screen and its APIs
SUPERVISING = frozenset({SUP, ADMIN})
WORKING = frozenset({DEPT, SUP, ADMIN})  # applications at /work
ADMINS = frozenset({ADMIN})
OWN = "own"  # the resource is op1's: op2 is refused, supervisors and admins are not


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    owner: str | None = None
    body: Any = None  # what is sent (made to fail validation after the checks of who is asking)
    path: dict[str, str] | None = None  # values for the path's {names}, beyond the shared samples
    query: str = ""
    public: bool = False  # never asks who is asking: any answer but a 5xx is right


# (method, route pattern) → rule. HEAD routes follow their GET.
RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/healthz"): Rule(EVERYONE),
    ("GET", "/status"): Rule(OPERATING),
    ("GET", "/login"): Rule(EVERYONE),
    ("POST", "/login"): Rule(EVERYONE, public=True, body={}),  # its answer (403, 401) is about the form
    ("POST", "/logout"): Rule(SIGNED_IN),
    ("POST", "/logout/everywhere"): Rule(SIGNED_IN),
    ("GET", "/api/session"): Rule(SIGNED_IN),
    ("POST", "/api/me/password"): Rule(SIGNED_IN, body={}),
    ("GET", "/password"): Rule(SIGNED_IN),
    ("POST", "/password"): Rule(SIGNED_IN, body={}),
    ("GET", "/"): Rule(SIGNED_IN),
    ("GET", "/customers/{customer_id}"): Rule(OPERATING),
    ("GET", "/static"): Rule(EVERYONE, path={"filename": "api.js"}),
    ("GET", "/static/vendor/{name}"): Rule(EVERYONE, path={"name": "socket.io.min.js"}),
    # The Socket.IO transport needs a session; who may join which namespace is checked on connect (NAMESPACES).
    ("GET", "/socket.io/"): Rule(SIGNED_IN),
    ("POST", "/socket.io/"): Rule(SIGNED_IN, body={}),
    ("OPTIONS", "/socket.io/"): Rule(SIGNED_IN),
    ("GET", "/api/me"): Rule(OPERATING),
    ("POST", "/api/calls/{call_id}/hangup"): Rule(OPERATING, OWN, body={}),
    ("POST", "/api/calls/{call_id}/transfer"): Rule(OPERATING, OWN, body={"target": "support", "kind": "blind"}),
    ("POST", "/api/calls/{call_id}/transfer/complete"): Rule(OPERATING, OWN, body={}),
    ("POST", "/api/calls/{call_id}/transfer/cancel"): Rule(OPERATING, OWN, body={}),
    ("POST", "/api/originate"): Rule(OPERATING, body={}),
    ("GET", "/api/cards/{card_id}"): Rule(OPERATING, OWN),
    ("POST", "/api/cards/{card_id}"): Rule(OPERATING, OWN, body={"notes": "matrix"}),
    ("GET", "/api/callbacks"): Rule(OPERATING),
    ("POST", "/api/callbacks/{card_id}/call"): Rule(OPERATING, OWN, body={}, path={"card_id": "callback"}),
    ("GET", "/api/customers/search"): Rule(OPERATING, query="?q=a"),
    ("POST", "/api/customers"): Rule(OPERATING, body={}),
    ("POST", "/api/customers/{customer_id}/phones"): Rule(OPERATING, body={}),
    ("GET", "/api/customers/{customer_id}/pop"): Rule(OPERATING),
    ("POST", "/api/customers/{customer_id}/contacts"): Rule(OPERATING, body={"phones": "not a list"}),
    ("GET", "/api/customers/{customer_id}/timeline"): Rule(OPERATING),
    ("GET", "/api/application-types"): Rule(OPERATING),
    ("POST", "/api/applications"): Rule(OPERATING, body={}),
    ("POST", "/api/tasks"): Rule(OPERATING, body={}),
    ("POST", "/api/sim/answer"): Rule(OPERATING, body={}),
    ("POST", "/api/sim/call"): Rule(OPERATING, body={"queue": "no such queue"}),
    ("POST", "/api/presence/sign-in"): Rule(OPERATING, body={"queues": "not a list"}),
    ("POST", "/api/presence/pause"): Rule(OPERATING, body={}),
    ("POST", "/api/presence/resume"): Rule(OPERATING, body={}),
    ("POST", "/api/presence/ready"): Rule(OPERATING, body={}),
    ("POST", "/api/presence/sign-out"): Rule(OPERATING, body={}),
    ("GET", "/api/topics"): Rule(OPERATING),
    ("GET", "/api/scripts/{topic}"): Rule(OPERATING, path={"topic": "billing"}),
    ("GET", "/api/kb"): Rule(OPERATING),
    ("GET", "/api/kb/{article_id}"): Rule(OPERATING),
    ("POST", "/api/kb"): Rule(SUPERVISING, body={}),
    ("POST", "/api/kb/{article_id}"): Rule(SUPERVISING, body={}, path={"article_id": "999999"}),
    ("DELETE", "/api/kb/{article_id}"): Rule(SUPERVISING, path={"article_id": "999999"}),
    ("GET", "/api/offers"): Rule(OPERATING),
    ("POST", "/api/offers/{code}/response"): Rule(OPERATING, body={}, path={"code": "none"}),
    ("GET", "/api/ivr/stats"): Rule(SUPERVISING),
    ("GET", "/mail"): Rule(SUPERVISING),  # the mail desk: outbox and messages taken in
    ("GET", "/api/supervisor/live"): Rule(SUPERVISING),
    ("GET", "/api/supervisor/metrics"): Rule(SUPERVISING),
    ("GET", "/supervisor"): Rule(SUPERVISING),
    ("GET", "/api/supervision"): Rule(SUPERVISING),
    ("POST", "/api/supervision/agents/pause"): Rule(SUPERVISING, body={}),
    ("POST", "/api/supervision/agents/unpause"): Rule(SUPERVISING, body={}),
    ("POST", "/api/supervision/agents/log-out"): Rule(SUPERVISING, body={}),
    ("POST", "/api/supervision/agents/move"): Rule(SUPERVISING, body={}),
    ("POST", "/api/supervision/agents/spy"): Rule(SUPERVISING, body={}),
    ("POST", "/api/supervision/calls/{call_id}/take-over"): Rule(SUPERVISING, body={}),
    ("POST", "/api/supervision/calls/{call_id}/priority"): Rule(SUPERVISING, body={}),
    ("POST", "/api/supervision/sim/answer"): Rule(SUPERVISING, body={}),
    # Applications: the department's work list; an open application of the department user's department
    # (other departments' applications are tried in tests/integration/test_applications.py)
    ("GET", "/work"): Rule(WORKING),
    ("GET", "/api/work"): Rule(WORKING),
    ("GET", "/api/work/escalations"): Rule(SUPERVISING),
    ("GET", "/api/work/{application_id}"): Rule(WORKING, path={"application_id": "application"}),
    ("GET", "/api/work/{application_id}/attachments/{attachment_id}"): Rule(
        WORKING, path={"application_id": "application", "attachment_id": "999999"}
    ),
    ("GET", "/api/work/{application_id}/assignees"): Rule(WORKING, path={"application_id": "application"}),
    ("POST", "/api/work/{application_id}/take"): Rule(WORKING, body={}, path={"application_id": "application"}),
    ("POST", "/api/work/{application_id}/assign"): Rule(
        WORKING, body={"user_id": "x"}, path={"application_id": "application"}
    ),
    ("POST", "/api/work/{application_id}/status"): Rule(WORKING, body={}, path={"application_id": "application"}),
    ("POST", "/api/work/{application_id}/department"): Rule(WORKING, body={}, path={"application_id": "application"}),
    ("GET", "/api/follow-ups"): Rule(OPERATING),
    ("POST", "/api/follow-ups/{task_id}/done"): Rule(OPERATING, body={}, path={"task_id": "999999"}),
    # The public application form: no session, its own CSRF token (a JSON body is not a form: 400).
    ("GET", "/apply"): Rule(EVERYONE),
    ("POST", "/apply"): Rule(EVERYONE, public=True, body={}),
    ("GET", "/apply/receipt"): Rule(EVERYONE, public=True, query="?number=1&sig=x"),
    ("GET", "/apply/status"): Rule(EVERYONE),
    ("POST", "/apply/status"): Rule(EVERYONE, public=True, body={}),
    ("GET", "/wallboard"): Rule(SUPERVISING),
    # the admin console (web/admin*.py): admins only; ids that do not exist, so nobody is changed
    ("GET", "/admin"): Rule(ADMINS),
    ("GET", "/api/admin/users"): Rule(ADMINS),
    ("POST", "/api/admin/users"): Rule(ADMINS, body={}),
    ("POST", "/api/admin/users/{user_id}"): Rule(ADMINS, body={}, path={"user_id": "999999"}),
    ("POST", "/api/admin/users/{user_id}/disable"): Rule(ADMINS, body={}, path={"user_id": "999999"}),
    ("POST", "/api/admin/users/{user_id}/enable"): Rule(ADMINS, body={}, path={"user_id": "999999"}),
    ("POST", "/api/admin/users/{user_id}/password"): Rule(ADMINS, body={}, path={"user_id": "999999"}),
    ("GET", "/api/admin/phones"): Rule(ADMINS),
    ("POST", "/api/admin/phones"): Rule(ADMINS, body={}),
    ("DELETE", "/api/admin/phones/{extension}"): Rule(ADMINS, path={"extension": "nosuch"}),
    ("GET", "/api/admin/books"): Rule(ADMINS),
    ("GET", "/api/admin/books/{kind}"): Rule(ADMINS, path={"kind": "rules"}),
    ("POST", "/api/admin/books/{kind}"): Rule(ADMINS, body={}, path={"kind": "rules"}),
    ("GET", "/api/admin/imports"): Rule(ADMINS),
    ("POST", "/api/admin/imports"): Rule(ADMINS, body={}),
    ("GET", "/api/admin/imports/{job_id}"): Rule(ADMINS, path={"job_id": "0" * 16}),
    ("GET", "/api/admin/imports/{job_id}/errors.csv"): Rule(ADMINS, path={"job_id": "0" * 16}),
    ("GET", "/api/admin/audit"): Rule(ADMINS),
    ("GET", "/reports"): Rule(SUPERVISING),
    ("GET", "/api/reports/{name}"): Rule(SUPERVISING, path={"name": "queues"}),
    ("GET", "/api/reports/{name}.{fmt}"): Rule(SUPERVISING, path={"name": "abandoned", "fmt": "csv"}),
    # outbound campaigns (issue 12): supervisors run them; an operator sees and disposes their own campaign call
    ("GET", "/campaigns"): Rule(SUPERVISING),
    ("GET", "/api/campaigns"): Rule(SUPERVISING),
    ("POST", "/api/campaigns"): Rule(SUPERVISING, body={}),
    ("GET", "/api/campaigns/figures"): Rule(SUPERVISING),
    ("GET", "/api/campaigns/outbox"): Rule(SUPERVISING),
    ("GET", "/api/campaigns/{id}"): Rule(SUPERVISING, path={"id": "999999"}),
    ("POST", "/api/campaigns/{id}/list"): Rule(SUPERVISING, body={}, path={"id": "999999"}),
    ("POST", "/api/campaigns/{id}/{control}"): Rule(SUPERVISING, body={}, path={"id": "999999", "control": "start"}),
    ("POST", "/api/campaigns/{id}/settings"): Rule(SUPERVISING, body={}, path={"id": "999999"}),
    ("GET", "/api/campaigns/{id}/not-reached.{ext}"): Rule(SUPERVISING, path={"id": "999999", "ext": "csv"}),
    ("POST", "/api/campaigns/{id}/reminders"): Rule(SUPERVISING, body={}, path={"id": "999999"}),
    ("GET", "/api/do-not-call"): Rule(SUPERVISING),
    ("POST", "/api/do-not-call"): Rule(SUPERVISING, body={}),
    ("DELETE", "/api/do-not-call/{e164}"): Rule(SUPERVISING, path={"e164": "+79990000000"}),
    ("GET", "/api/campaign-calls/{call_id}"): Rule(OPERATING, path={"call_id": "no-such-call"}),
    ("POST", "/api/campaign-attempts/{id}/disposition"): Rule(OPERATING, body={}, path={"id": "999999"}),
    ("GET", "/api/campaign-attempts/{id}/recording"): Rule(OPERATING, path={"id": "999999"}),
    ("GET", "/api/campaigns/preview"): Rule(OPERATING),
    ("POST", "/api/campaigns/{id}/preview/next"): Rule(OPERATING, body={}, path={"id": "999999"}),
    ("POST", "/api/campaigns/preview/{debtor}/{press}"): Rule(
        OPERATING, body={}, path={"debtor": "999999", "press": "skip"}
    ),
}

# Socket.IO: namespace → roles that may connect; (namespace, event) → roles that may send it.
NAMESPACES: dict[str, frozenset[str]] = {
    "/operator": OPERATING,
    "/supervisor": SUPERVISING,
    "/work": frozenset({DEPT}),  # their department's work list reloads when it changes
}
SOCKET_EVENTS: dict[tuple[str, str], frozenset[str]] = {
    # The wallboard asks for its full picture; only who may join /supervisor can send it (NAMESPACES).
    ("/supervisor", "wallboard:full"): SUPERVISING,
}

ACCOUNTS = {OP: "op1", OTHER: "op2", SUP: "sup", ADMIN: "admin", DEPT: "clerk"}


def _routes(app: Any) -> list[tuple[str, str]]:
    found = []
    for route in app.router.routes():
        if route.method == "HEAD":
            continue
        found.append((route.method, route.resource.canonical if route.resource else ""))
    return found


def test_every_route_and_socket_handler_has_a_rule(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.serving import settings_for_test
    from web.app import create_app

    app = create_app(settings_for_test(tmp_path, f"sqlite:///{tmp_path / 'x.db'}"))
    routes = _routes(app)
    assert sorted(set(routes) - set(RULES)) == [], "routes without an authorization rule"
    assert sorted(set(RULES) - set(routes)) == [], "rules of routes that are gone"
    sio = app[keys.SIO]
    assert set(sio.namespace_handlers) == set(NAMESPACES)
    handlers = {
        (name, attr[3:])
        for name, namespace in sio.namespace_handlers.items()
        for attr in dir(namespace)
        if attr.startswith("on_") and attr not in ("on_connect", "on_disconnect")
    } | {
        (ns, event) for ns, events in sio.handlers.items() for event in events if event not in ("connect", "disconnect")
    }
    assert handlers == set(SOCKET_EVENTS), "Socket.IO events without an authorization rule"


async def _fixtures(server) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Resources owned by op1: a call card, a call on op1's phone, a call-back of op1's queue (billing); an
    open application of the department user's department."""
    db = server.db
    await create_user(
        db, username="admin", role="admin", password_hash=hash_password("admin-password"), full_name="ADMIN"
    )
    server.passwords["admin"] = "admin-password"
    async with db.read_session() as s:
        op1 = await s.scalar(select(User.id).where(User.username == "op1"))
        customer_id = await s.scalar(select(Customer.id).order_by(Customer.id.desc()).limit(1))
        application = (
            await s.execute(
                select(Application.id, Application.department_queue)
                .where(Application.department_queue.is_not(None), Application.status == "new")
                .order_by(Application.id)
                .limit(1)
            )
        ).one()
    await create_user(
        db,
        username="clerk",
        role="department",
        password_hash=hash_password("clerk-password"),
        full_name="CLERK",
        department=application.department_queue,
    )
    server.passwords["clerk"] = "clerk-password"
    now = datetime.now(UTC)
    card_id = await interactions.open_call_card(
        db, call_id="matrix-card", offered_at=now, queue="support", customer_id=customer_id, state="ended"
    )
    await interactions.update_call_card(db, "matrix-card", {"agent_id": op1, "agent_interface": "PJSIP/1001"})
    callback_id = await interactions.open_call_card(db, call_id="matrix-callback", offered_at=now, queue="billing")
    await interactions.update_call_card(db, "matrix-callback", {"callback_status": "pending", "state": "ended"})
    live = server.workstation.calls
    live.active["matrix-call"] = LiveCall(
        call_id="matrix-call",
        direction="inbound",
        state="talking",
        caller_number="+74950000001",
        dialed_number="88005550100",
        offered_at=now,
        queue="support",
        agent="PJSIP/1001",
    )
    return {
        "customer_id": "1",
        "card_id": str(card_id),
        "callback": str(callback_id),
        "call_id": "matrix-call",
        "article_id": "1",
        "application": str(application.id),
    }


def _path(pattern: str, samples: dict[str, str], rule: Rule) -> str:
    values = {**samples, **{k: samples.get(v, v) for k, v in (rule.path or {}).items()}}
    if pattern == "/static":
        return "/static/" + values["filename"]
    return pattern.format(**values) + rule.query


async def _client(server, role: str) -> Operator:  # type: ignore[no-untyped-def]
    client = Operator(server.url)
    if role != ANON:
        username = ACCOUNTS[role]
        assert (await client.login(username, server.passwords[username])).status == 302
    else:
        page = await (await client.http.get("/login")).text()
        assert "csrf_token" in page
    return client


def _refused(status: int, location: str, owned: bool) -> bool:
    if status in (401, 403) or (status == 302 and location.startswith("/login?next=")):
        return True
    return owned and status == 404


async def test_the_authorization_matrix(server) -> None:
    samples = await _fixtures(server)
    clients = {role: await _client(server, role) for role in ROLES}
    wrong: list[str] = []
    try:
        last = [("POST", "/logout/everywhere"), ("POST", "/logout")]  # they end the sessions: run them last
        ordered = sorted(_routes(server.app), key=lambda r: last.index(r) if r in last else -1)
        for method, pattern in ordered:
            rule = RULES[(method, pattern)]
            path = _path(pattern, samples, rule)
            if (method, pattern) == ("POST", "/logout"):  # "log out everywhere" just ended every session
                for role in SIGNED_IN:
                    await clients[role].close()
                    clients[role] = await _client(server, role)
            for role, client in clients.items():
                allowed = role in rule.roles and not (rule.owner == OWN and role == OTHER)
                headers = {"X-CSRF-Token": client.csrf} if client.csrf else {}
                async with client.http.request(
                    method,
                    path,
                    json=rule.body if method != "GET" else None,
                    headers=headers,
                    allow_redirects=False,
                ) as response:
                    status, location = response.status, response.headers.get("Location", "")
                    text = await response.text()
                refused = _refused(status, location, rule.owner is not None) and not rule.public
                if status >= 500 or refused == allowed:
                    wrong.append(f"{method} {path} as {role}: {status} {location} {text[:120]}")
        assert wrong == [], "\n".join(wrong)
    finally:
        for client in clients.values():
            await client.close()


async def test_the_socket_namespaces_admit_only_their_roles(server) -> None:
    await _fixtures(server)
    for role in ROLES:
        client = await _client(server, role)
        try:
            cookies = "; ".join(f"{c.key}={c.value}" for c in client.http.cookie_jar)
            for namespace, roles in NAMESPACES.items():
                sio = socketio.AsyncClient(reconnection=False)
                try:
                    await sio.connect(
                        server.url, headers={"Cookie": cookies}, namespaces=[namespace], transports=["websocket"]
                    )
                    connected = namespace in sio.namespaces
                except socketio.exceptions.ConnectionError:
                    connected = False
                finally:
                    await sio.disconnect()
                assert connected == (role in roles), (role, namespace)
        finally:
            await client.close()


async def test_an_operator_gets_only_their_own_socket_events(server) -> None:
    """The pop of op1's call reaches op1's screen, never op2's (events go to the user's own room)."""
    op1, op2 = await _client(server, OP), await _client(server, OTHER)
    try:
        await op1.connect_socket()
        await op2.connect_socket()
        await op1.api("POST", "/api/presence/sign-in", {"queues": ["billing"]})
        await op2.api("POST", "/api/presence/sign-in", {"queues": ["support"]})
        call_id = server.simulator.place_inbound_call("+74951112233", queue="billing")
        await op1.next_event("pop", lambda p: p["call_id"] == call_id)
        await op1.next_event("call", lambda c: c["call_id"] == call_id)
        assert not [d for e, d in op2.events if e in ("pop", "call", "card") and d.get("call_id") == call_id]
    finally:
        await op1.close()
        await op2.close()


async def test_a_department_users_socket_hears_their_work_list_and_ends_with_their_session(server) -> None:
    """The /work namespace: the clerk's department's changes reach them; logging out disconnects it."""
    samples = await _fixtures(server)
    clerk = await _client(server, DEPT)
    try:
        await clerk.connect_socket("/work")
        department = (await clerk.api("GET", f"/api/work/{samples['application']}"))["department_queue"]
        await clerk.api("POST", f"/api/work/{samples['application']}/take", {})
        assert (await clerk.next_event("work"))["department"] == department
        async with clerk.http.post("/logout", data={"csrf_token": clerk.csrf}, allow_redirects=False) as response:
            assert response.status == 302
        await wait_for(lambda: not clerk.sio.connected)
    finally:
        await clerk.close()
