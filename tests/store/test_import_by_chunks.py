"""The admin console's import commits chunk by chunk (crm_store.importer, commit_each_chunk): the same rows
end up stored as in one transaction, others write between the chunks, and progress is reported per chunk."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crm_store.audit import audit
from crm_store.db import Database
from crm_store.importer import import_file, run
from crm_store.importer.progress import ImportProgress
from crm_store.models import Account, AuditEntry, Customer, Phone

ROWS = 350


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run, "CHUNK", 100)  # four chunks from a small file
    monkeypatch.setattr(run, "YIELD_EVERY", 25)


def _file(tmp_path: Path) -> Path:
    lines = ["ФИО;Лицевой счёт;Телефон"]
    lines += [f"Клиент Номер {i};55{i:08d};+7 916 7{i:06d}" for i in range(ROWS)]
    lines[101] = ";5500000100;+7 916 7000100"  # no name: rejected
    path = tmp_path / "clients.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


async def _stored(db: Database) -> tuple[int, int, int]:
    async with db.read_session() as s:
        return tuple([await s.scalar(select(func.count()).select_from(t)) for t in (Customer, Phone, Account)])  # type: ignore[return-value]


async def test_chunk_by_chunk_stores_what_one_transaction_stores(db: Database, tmp_path: Path) -> None:
    seen: list[ImportProgress] = []
    summary = await import_file(db, "customers", _file(tmp_path), progress=seen.append, commit_each_chunk=True)
    assert (summary.rows, summary.inserted, summary.rejected) == (ROWS, ROWS - 1, 1)
    assert summary.errors[0].row == 102 and summary.errors[0].column == "full_name"
    assert await _stored(db) == (ROWS - 1, ROWS - 1, ROWS - 1)
    assert [p.rows for p in seen] == [100, 200, 300, ROWS, ROWS] and seen[-1].done and seen[-1].percent == 100
    again = await import_file(db, "customers", _file(tmp_path), commit_each_chunk=True)
    assert (again.inserted, again.skipped) == (0, ROWS - 1)  # ids reserved per chunk did not collide


async def test_other_writers_get_in_between_the_chunks(db: Database, tmp_path: Path) -> None:
    importing = asyncio.create_task(import_file(db, "customers", _file(tmp_path), commit_each_chunk=True))
    written_meanwhile = 0
    while not importing.done():
        await audit(db, None, "test.write")  # a call card, a sign-in
        written_meanwhile += not importing.done()
    await importing
    assert written_meanwhile >= 2
    async with db.read_session() as s:
        assert await s.scalar(select(func.count()).where(AuditEntry.action == "test.write")) >= 2
