import sqlite3

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from crm_store.db import async_url, is_sqlite
from crm_store.migrate import current_revision, head_revision, upgrade

pytestmark = pytest.mark.postgres


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(async_url(url))
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    return tables


async def test_upgrade_from_empty_creates_every_table_and_stamps_head(db_url: str, tmp_path) -> None:
    assert await current_revision(db_url) is None
    await upgrade(db_url)
    assert await current_revision(db_url) == head_revision()
    assert {
        "customers",
        "phones",
        "accounts",
        "payments",
        "meter_readings",
        "adjustments",
        "interactions",
        "applications",
        "application_status_history",
        "tasks",
        "campaigns",
        "campaign_targets",
        "call_attempts",
        "users",
        "audit_log",
        "do_not_call",
    } <= await _tables(db_url)
    if is_sqlite(db_url):
        with sqlite3.connect(tmp_path / "ccdesk.db") as conn:
            assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"


async def test_upgrade_twice_changes_nothing(db_url: str) -> None:
    await upgrade(db_url)
    await upgrade(db_url)
    assert await current_revision(db_url) == head_revision()


async def test_the_models_and_the_migrations_agree(db_url: str) -> None:
    """A model changed without a migration would make `db upgrade` leave an old schema behind."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from crm_store.base import Base

    await upgrade(db_url)
    engine = create_async_engine(async_url(db_url))
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda c: compare_metadata(MigrationContext.configure(c, opts={"compare_type": False}), Base.metadata)
        )
    await engine.dispose()
    assert diff == []
