import sqlite3

from crm_store.migrate import current_revision, head_revision, upgrade


async def test_upgrade_from_empty_creates_every_table_and_stamps_head(db_url: str, tmp_path) -> None:
    assert await current_revision(db_url) is None
    await upgrade(db_url)
    assert await current_revision(db_url) == head_revision()
    with sqlite3.connect(tmp_path / "ccdesk.db") as conn:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
        journal = conn.execute("pragma journal_mode").fetchone()[0]
    assert {"customers", "phones", "accounts", "payments", "meter_readings", "adjustments", "interactions",
            "applications", "application_status_history", "tasks", "campaigns", "campaign_targets",
            "call_attempts", "users", "audit_log", "do_not_call"} <= tables
    assert journal == "wal"


async def test_upgrade_twice_changes_nothing(db_url: str) -> None:
    await upgrade(db_url)
    await upgrade(db_url)
    assert await current_revision(db_url) == head_revision()


async def test_the_models_and_the_migrations_agree(db_url: str) -> None:
    """A model changed without a migration would make `db upgrade` leave an old schema behind."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy.ext.asyncio import create_async_engine

    from crm_store.base import Base
    from crm_store.db import async_url

    await upgrade(db_url)
    engine = create_async_engine(async_url(db_url))
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda c: compare_metadata(MigrationContext.configure(c, opts={"compare_type": False}), Base.metadata)
        )
    await engine.dispose()
    assert diff == []
