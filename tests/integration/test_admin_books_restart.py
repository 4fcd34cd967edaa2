"""Given an uploaded book, when the server restarts, then the uploaded version is still in force (it lives
in the database, not in the package); a stored version that no longer loads leaves the file's in force; a
running worker takes up what another worker stored."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources

import pytest

from crm_store import book_versions
from routing import CallFacts, route_call
from tests.serving import prepare_database, settings_for_test, start
from web import admin_books, keys

from .admin_client import admin_of

pytestmark = pytest.mark.integration
VIP = CallFacts(at=datetime(2026, 12, 1, 11, 0, tzinfo=UTC), vip=True)


async def test_an_uploaded_book_survives_a_restart_and_a_broken_stored_one_falls_back(tmp_path) -> None:
    text = resources.files("routing").joinpath("default_rules.toml").read_text(encoding="utf-8")
    settings = settings_for_test(tmp_path, await prepare_database(tmp_path / "ccdesk.db", customers=5))
    server = await start(settings)
    try:
        admin = await admin_of(server)
        good = text.replace('queue = "vip"', 'queue = "billing"', 1)
        await admin.api("POST", "/api/admin/books/rules", {"name": "rules-v2.toml", "text": good}, 201)
        await admin.close()
    finally:
        await server.stop()

    server = await start(settings)
    try:
        assert route_call(server.app[keys.RULES], VIP).queue == "billing"
        assert route_call(server.app[keys.IVR].rules, VIP).queue == "billing"
        assert server.app[keys.BOOKS_IN_FORCE]["rules"].source == "rules-v2.toml"
        # a version stored by an older release that this one refuses (written past the console's check)
        await book_versions.save_version(server.db, "rules", "old.toml", "queues = 1\n", by_user_id=None)
    finally:
        await server.stop()

    server = await start(settings)
    try:
        assert route_call(server.app[keys.RULES], VIP).queue == "vip"  # the shipped file's rules
        assert server.app[keys.BOOKS_IN_FORCE]["rules"].version is None
    finally:
        await server.stop()


async def test_a_running_worker_takes_up_a_version_another_worker_stored(server) -> None:
    text = resources.files("routing").joinpath("default_rules.toml").read_text(encoding="utf-8")
    good = text.replace('queue = "vip"', 'queue = "billing"', 1)
    await book_versions.save_version(server.db, "rules", "from-worker-2.toml", good, by_user_id=None)
    assert await admin_books.follow_uploads(server.app) == ["rules"]  # what the kept task does every 30 s
    assert route_call(server.app[keys.RULES], VIP).queue == "billing"
    assert route_call(server.app[keys.IVR].rules, VIP).queue == "billing"
    assert await admin_books.follow_uploads(server.app) == []  # nothing new

    await book_versions.save_version(server.db, "rules", "broken.toml", "queues = 1\n", by_user_id=None)
    assert await admin_books.follow_uploads(server.app) == []
    assert route_call(server.app[keys.RULES], VIP).queue == "billing"  # the good one stays in force
    assert server.app[keys.BOOKS_IN_FORCE]["rules"].source == "from-worker-2.toml"
