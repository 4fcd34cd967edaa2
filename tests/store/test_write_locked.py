"""A unit of writes that finds SQLite locked past the busy timeout (another writer's long transaction: an
import's chunk, a bulk load) is run again, not lost."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from crm_store import db as db_module
from crm_store.db import open_database
from crm_store.migrate import upgrade


async def test_a_write_that_finds_sqlite_locked_past_the_busy_timeout_runs_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_module, "SQLITE_BUSY_TIMEOUT_MS", 100)
    url = f"sqlite:///{tmp_path / 'ccdesk.db'}"
    await upgrade(url)
    database = open_database(url)
    holder = sqlite3.connect(tmp_path / "ccdesk.db", isolation_level=None)
    holder.execute("CREATE TABLE notes (body TEXT NOT NULL)")
    try:
        holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock for 0.5 s, five busy timeouts

        def write(conn: Connection) -> int:
            conn.execute(text("INSERT INTO notes (body) VALUES ('Тариф')"))
            return 1

        writing = asyncio.create_task(database.run_write(write))
        await asyncio.sleep(0.5)
        assert not writing.done()
        holder.execute("COMMIT")
        assert await asyncio.wait_for(writing, 10) == 1
        async with database.read_session() as s:
            assert (await s.execute(text("SELECT count(*) FROM notes WHERE body = 'Тариф'"))).scalar() == 1
    finally:
        holder.close()
        await database.dispose()
