"""Given the real server, every response carries the security headers and no version banner."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .client import Operator

pytestmark = pytest.mark.integration


def _assert_secure(headers, *, no_store: bool = True) -> None:  # type: ignore[no-untyped-def]
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Server"] == "ccdesk"  # not "Python/3.11 aiohttp/3.x"
    if no_store:
        assert headers["Cache-Control"] == "no-store"


async def test_pages_json_and_errors_carry_the_security_headers(server) -> None:
    op = Operator(server.url)
    try:
        for path, status in (("/login", 200), ("/api/me", 401), ("/", 302), ("/no-such-page", 302)):
            async with op.http.get(path, allow_redirects=False) as response:
                assert response.status == status, path
                _assert_secure(response.headers)
        await op.login("op1", server.passwords["op1"])
        for path in ("/", "/api/me", "/api/customers/search?q=Иванов", "/no-such-page"):
            async with op.http.get(path, allow_redirects=False) as response:
                _assert_secure(response.headers)
        async with op.http.get("/static/app.css") as response:
            assert response.status == 200
            _assert_secure(response.headers, no_store=False)  # the static files may be cached
    finally:
        await op.close()


def test_templates_have_no_inline_script_the_policy_would_block() -> None:
    for template in (Path(__file__).resolve().parents[2] / "web" / "templates").glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), f"inline <script> in {template.name}"
        assert not re.search(r"\son[a-z]+\s*=", text), f"inline event handler in {template.name}"
        assert "javascript:" not in text, template.name


async def test_anonymous_health_says_only_up_and_the_counts_need_a_login(server) -> None:
    op = Operator(server.url)
    try:
        async with op.http.get("/healthz") as response:
            assert response.status == 200 and await response.json() == {"status": "up"}
        for path in ("/status", "/status/", "/statusx", "/loginx"):
            async with op.http.get(path, allow_redirects=False) as response:
                assert response.status == 302 and response.headers["Location"].startswith("/login"), path
        await op.login("sup", server.passwords["sup"])
        async with op.http.get("/status") as response:
            assert response.status == 200 and "200" in await response.text()  # the 200 demo customers
    finally:
        await op.close()
