"""Alembic, driven from code: `ccdesk db upgrade` and the tests bring any earlier schema to head."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from .db import async_url, ensure_sqlite_dir, is_sqlite
from .errors import StoreError

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # Passed as an attribute, not an ini option: ini interpolation would break on a '%' in a password.
    cfg.attributes["url"] = async_url(url)
    return cfg


async def _with_connection(url: str, fn: object, *args: object) -> object:
    url = async_url(url)
    if is_sqlite(url):
        ensure_sqlite_dir(url)
    engine = create_async_engine(url, poolclass=NullPool)
    if is_sqlite(url):
        # WAL is a property of the file, so the first migration sets it. Foreign keys stay off here:
        # batch migrations drop and recreate tables, and with them on a DROP would cascade deletes.
        event.listen(engine.sync_engine, "connect", _wal)
    try:
        async with engine.begin() as conn:
            return await conn.run_sync(fn, *args)  # type: ignore[arg-type]
    finally:
        await engine.dispose()


def _wal(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _upgrade(connection: Connection, cfg: Config, revision: str) -> None:
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def upgrade(url: str, revision: str = "head") -> None:
    """Apply every migration up to `revision` in one transaction."""
    await _with_connection(url, _upgrade, alembic_config(url), revision)


async def current_revision(url: str) -> str | None:
    return await _with_connection(url, _current)  # type: ignore[return-value]


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


class SchemaNotCurrent(StoreError):
    """The database's schema is not the one this code needs; the message says what to run."""


async def require_current_schema(url: str) -> None:
    """Refuse to serve a database that was never migrated, or migrated to another version.

    Deliberately not an automatic upgrade: with PostgreSQL several workers start at once, and a schema
    change is a step an administrator takes (and backs up for), `ccdesk db upgrade`."""
    current = await current_revision(url)
    head = head_revision()
    if current == head:
        return
    shown = make_url(url).render_as_string(hide_password=True)
    if current is None:
        raise SchemaNotCurrent(f"the database {shown} has no schema yet: run `ccdesk db upgrade` first")
    raise SchemaNotCurrent(
        f"the database {shown} is at schema {current}, this ccdesk needs {head}: run `ccdesk db upgrade`"
    )
