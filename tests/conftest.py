"""Fixtures shared by every test package: a migrated temporary database and the paths of the project.

The database is SQLite. Tests marked `postgres` run twice, on SQLite and on PostgreSQL (tests/postgres.py).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from crm_store.db import Database, open_database
from crm_store.migrate import upgrade
from tests.postgres import PostgresServer, session_server

REPO_ROOT = Path(__file__).resolve().parents[1]


def transcripts_dir() -> Path:
    return Path(os.environ.get("CCDESK_TRANSCRIPTS_DIR", REPO_ROOT.parent / "shared" / "ami-transcripts"))


SQLITE, POSTGRESQL = "sqlite", "postgresql"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "postgres: the test's db/db_url run on SQLite and on PostgreSQL (tests/postgres.py); "
        "a test whose name mentions sqlite stays on SQLite only",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # SQLite stays the only backend of every test not marked `postgres`.
    if "db_url" not in metafunc.fixturenames or metafunc.definition.get_closest_marker("postgres") is None:
        return
    if "sqlite" in metafunc.definition.name:  # a test of a SQLite-only path (its fast paths, its files)
        return
    metafunc.parametrize("db_url", [SQLITE, POSTGRESQL], indirect=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    # Sync on purpose: db_url asks for it only on PostgreSQL (getfixturevalue), which an async fixture
    # cannot do from inside the running loop.
    yield from session_server()


@pytest.fixture
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database: a SQLite file under tmp_path, or a database of its own on the PostgreSQL server."""
    if getattr(request, "param", SQLITE) == SQLITE:
        yield f"sqlite:///{tmp_path / 'ccdesk.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    # A test of `db` is given a clone of a migrated database: `db` then finds nothing to migrate, and the
    # test saves the ~0.4 s the migrations take on PostgreSQL.
    url = await server.create_database(migrated="db" in request.fixturenames)
    yield url
    await server.drop_database(url)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    await upgrade(db_url)
    database = open_database(db_url)
    yield database
    await database.dispose()


@pytest.fixture
async def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    """The real app with the PBX simulator (no generated traffic), demo data and the users of serving.USERS."""
    from tests.serving import prepare_database, settings_for_test, start

    url = await prepare_database(tmp_path / "ccdesk.db")
    running = await start(settings_for_test(tmp_path, url))
    yield running
    await running.stop()
