"""Fixtures shared by every test package: a migrated temporary database and the paths of the project."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from crm_store.db import Database, open_database
from crm_store.migrate import upgrade

REPO_ROOT = Path(__file__).resolve().parents[1]


def transcripts_dir() -> Path:
    return Path(os.environ.get("CCDESK_TRANSCRIPTS_DIR", REPO_ROOT.parent / "shared" / "ami-transcripts"))


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ccdesk.db'}"


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
