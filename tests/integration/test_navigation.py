"""Given the real server, the navigation bar of every signed-in page links exactly the pages the user's role
may open: each page is opened as each role, and a linked page answers 200 while a page left out of the bar
refuses (403) or sends the user to their own home (302). Public pages show no bar."""

from __future__ import annotations

import re

import pytest

from crm_store.users import create_user
from web import keys, navigation
from web.passwords import hash_password

from .client import Operator

pytestmark = pytest.mark.integration

ACCOUNTS = {"operator": "op1", "supervisor": "sup", "admin": "nav-admin", "department": "nav-dept"}
NAV = re.compile(r'<nav class="app-nav"[^>]*>(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)" data-path="[^"]+"( aria-current="page")?>([^<]*)</a>')


async def _users(server) -> None:  # type: ignore[no-untyped-def]
    department = next(iter(server.app[keys.RULES].departments))
    for role in ("admin", "department"):
        username = ACCOUNTS[role]
        await create_user(
            server.db,
            username=username,
            role=role,
            password_hash=hash_password(f"{username}-password"),
            full_name=username.upper(),
            department=department if role == "department" else None,
        )
        server.passwords[username] = f"{username}-password"


def _served(server) -> list[str]:  # type: ignore[no-untyped-def]
    """The navigation's pages this tree serves (the dialer's page may come from another branch)."""
    canonicals = {r.canonical for r in server.app.router.resources()}
    return [p.path for p in navigation.PAGES if p.path in canonicals]


def _bar(html: str) -> list[tuple[str, bool, str]]:
    """(path, is current, label) of each link in the page's navigation bar."""
    found = NAV.search(html)
    assert found, "the page has no navigation bar"
    return [(path, bool(current), label) for path, current, label in LINK.findall(found.group(1))]


async def test_every_linked_page_opens_and_every_other_page_is_refused_for_each_role(server) -> None:
    await _users(server)
    served = _served(server)
    assert {"/", "/wallboard", "/supervisor", "/reports", "/work", "/mail", "/admin"} <= set(served)
    t = server.app[keys.TRANSLATE]
    for role, username in ACCOUNTS.items():
        client = Operator(server.url)
        try:
            assert (await client.login(username, server.passwords[username])).status == 302
            linked = [link.path for link in navigation.links(role, "", served)]
            assert linked, f"{role} has no page"
            for path in served:
                async with client.http.get(path, allow_redirects=False) as response:
                    html = await response.text()
                    if path in linked:
                        assert response.status == 200, (role, path, response.status)
                        bar = _bar(html)
                        assert [p for p, _, _ in bar] == linked, (role, path)
                        assert [p for p, current, _ in bar if current] == [path], (role, path)
                        assert all(label == t(f"nav.{_key(p)}") for p, _, label in bar)
                    else:
                        assert response.status in (302, 403), (role, path, response.status)
                        if response.status == 302:  # "/" for a role with a home of its own
                            assert response.headers["Location"] in linked, (role, path)
        finally:
            await client.http.close()


def _key(path: str) -> str:
    return next(p.label for p in navigation.PAGES if p.path == path).removeprefix("nav.")


async def test_a_page_outside_the_bar_shows_it_with_nothing_marked(server) -> None:
    client = Operator(server.url)
    try:
        await client.login("op1", server.passwords["op1"])
        html = await (await client.http.get("/customers/1")).text()
        assert [(p, c) for p, c, _ in _bar(html)] == [("/", False)]
    finally:
        await client.http.close()


async def test_public_pages_show_no_navigation(server) -> None:
    client = Operator(server.url)
    try:
        for path in ("/login", "/apply", "/apply/status"):
            async with client.http.get(path) as response:
                assert response.status == 200, path
                assert 'class="app-nav"' not in await response.text(), path
    finally:
        await client.http.close()
