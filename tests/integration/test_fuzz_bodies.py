"""Given the real server, any JSON or form body into any endpoint (and any query into any read) gets an
answer a person can act on — never a 500 — and a refused request writes nothing.

Hypothesis drives a synchronous test, so the server runs on its own event loop in a thread; requests are
made on that loop by the same signed-in clients as the other integration tests.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_store.models import Base
from tests.serving import Running, prepare_database, settings_for_test, start

from .client import Operator

pytestmark = pytest.mark.integration

HUGE = 2**63
FIELDS = (
    "number customer_id account_id card_id call_id topic result notes target kind full_name phones email "
    "account_number address phone type text due_at queue ivr queues extension reason title body tags "
    "updated_at response"
).split()
# Every route that takes a body (logout is left out: it would end the fuzzing session).
WRITES = [
    ("POST", "/api/calls/{call_id}/hangup"),
    ("POST", "/api/calls/{call_id}/transfer"),
    ("POST", "/api/calls/{call_id}/transfer/complete"),
    ("POST", "/api/calls/{call_id}/transfer/cancel"),
    ("POST", "/api/originate"),
    ("POST", "/api/cards/{id}"),
    ("POST", "/api/callbacks/{id}/call"),
    ("POST", "/api/customers"),
    ("POST", "/api/customers/{id}/phones"),
    ("POST", "/api/customers/{id}/contacts"),
    ("POST", "/api/applications"),
    ("POST", "/api/tasks"),
    ("POST", "/api/sim/answer"),
    ("POST", "/api/sim/call"),
    ("POST", "/api/presence/sign-in"),
    ("POST", "/api/presence/pause"),
    ("POST", "/api/presence/resume"),
    ("POST", "/api/presence/ready"),
    ("POST", "/api/presence/sign-out"),
    ("POST", "/api/kb"),
    ("POST", "/api/kb/{id}"),
    ("DELETE", "/api/kb/{id}"),
    ("POST", "/api/offers/{code}/response"),
]
READS = [
    ("/api/me", ()),
    ("/api/cards/{id}", ()),
    ("/api/callbacks", ("before",)),
    ("/api/customers/search", ("q",)),
    ("/api/customers/{id}/pop", ()),
    ("/api/customers/{id}/timeline", ("limit", "before")),
    ("/api/scripts/{code}", ("customer",)),
    ("/api/kb", ("q", "topic")),
    ("/api/kb/{id}", ()),
    ("/api/offers", ("customer_id",)),
    ("/api/ivr/stats", ("from", "to")),
]
TABLES = [t for t in Base.metadata.tables if t != "web_sessions"]  # what a request may write


texts = st.one_of(
    st.text(max_size=40),
    st.builds(lambda c, n: c * n, st.sampled_from(["7", "я", "a", " ", "\x00"]), st.integers(0, 700)),
    st.sampled_from(["support", "billing", "1002", "+74951234567", "2026-12-01T10:00:00", "blind", "attended"]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, 1, 2, HUGE, HUGE - 1, -1]),
    st.floats(allow_nan=True, allow_infinity=True),
    texts,
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
bodies = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), values, max_size=6),
    st.dictionaries(st.text(max_size=10), values, max_size=3),
    values,  # not an object at all
)
path_values = st.one_of(
    st.sampled_from(["1", "2", "3", str(HUGE), str(HUGE * 10), "0", "-1", "abc", "1.5", "%00", "matrix", "vip"]),
    st.integers(1, 10**25).map(str),
    st.text(min_size=1, max_size=30),
)


@pytest.fixture(scope="module")
def threaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, Callable[..., Any], Path]]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def run(coro: Any, timeout: float = 60) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)

    tmp = tmp_path_factory.mktemp("fuzz")
    url = run(prepare_database(tmp / "ccdesk.db", customers=30))
    server = run(start(settings_for_test(tmp, url)))
    try:
        yield server, run, tmp / "ccdesk.db"
    finally:
        run(server.stop())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@pytest.fixture(scope="module")
def clients(threaded: tuple[Running, Callable[..., Any], Path]) -> Iterator[dict[str, Operator]]:
    server, run, _path = threaded

    async def login(username: str) -> Operator:
        op = Operator(server.url)
        assert (await op.login(username, server.passwords[username])).status == 302
        return op

    signed_in = {name: run(login(name)) for name in ("op1", "sup")}
    yield signed_in
    for op in signed_in.values():
        run(op.close())


def _counts(path: Path) -> dict[str, int]:
    """Rows per table, leaving out the audit rows the PBX and the timers cause whatever the request: a call an
    earlier example placed rings op1's phone at any moment and its pop is audited (`customer.view` via pop),
    and the session sweep may take an absent user's phone out of its queues (`session_expired`)."""
    with sqlite3.connect(path) as conn:
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
        counts["audit_log"] -= conn.execute(
            "SELECT count(*) FROM audit_log WHERE (action = 'customer.view' AND details LIKE '%\"pop\"%')"
            " OR (action = 'presence.sign_out' AND details LIKE '%session_expired%')"
        ).fetchone()[0]
        return counts


async def _send(op: Operator, method: str, path: str, **kwargs: Any) -> tuple[int, str]:
    async with op.http.request(method, path, headers={"X-CSRF-Token": op.csrf}, **kwargs) as response:
        return response.status, await response.text()


def _fill(pattern: str, value: str) -> str:
    quoted = quote(value, safe="")
    return pattern.replace("{id}", quoted).replace("{call_id}", quoted).replace("{code}", quoted)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    route=st.sampled_from(WRITES),
    who=st.sampled_from(["op1", "sup"]),
    path_value=path_values,
    payload=bodies,
    as_form=st.booleans(),
)
def test_no_body_into_any_endpoint_gets_a_500_or_writes_half(
    threaded: tuple[Running, Callable[..., Any], Path],
    clients: dict[str, Operator],
    route: tuple[str, str],
    who: str,
    path_value: str,
    payload: Any,
    as_form: bool,
) -> None:
    server, run, db_path = threaded
    method, pattern = route
    path = _fill(pattern, path_value)
    run(server.workstation.drain())
    before = _counts(db_path)
    if as_form and isinstance(payload, dict):
        form = {k: str(v) for k, v in payload.items() if k in FIELDS}  # the client refuses control-character names
        status, text = run(_send(clients[who], method, path, data=form))
    else:
        status, text = run(_send(clients[who], method, path, json=payload))
    assert status < 500, (method, path, payload, status, text[:300])
    if status >= 400:
        run(server.workstation.drain())
        assert _counts(db_path) == before, (method, path, payload, status, text[:300])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    route=st.sampled_from(READS),
    who=st.sampled_from(["op1", "sup"]),
    path_value=path_values,
    query=st.lists(texts, max_size=3),
)
def test_no_query_into_any_read_gets_a_500(
    threaded: tuple[Running, Callable[..., Any], Path],
    clients: dict[str, Operator],
    route: tuple[str, tuple[str, ...]],
    who: str,
    path_value: str,
    query: list[str],
) -> None:
    server, run, _db_path = threaded
    reads = getattr(server.workstation, "reads", None)
    if reads is not None:
        reads.reads_per_window = 10**9  # the rate limit is tested elsewhere
    pattern, names = route
    params = {name: value for name, value in zip(names, query, strict=False)}
    path = _fill(pattern, path_value) + ("?" + urlencode(params) if params else "")
    status, text = run(_send(clients[who], "GET", path))
    assert status < 500, (path, status, text[:300])
