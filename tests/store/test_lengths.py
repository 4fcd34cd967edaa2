"""A text longer than its column is the same clear error on SQLite and PostgreSQL, and changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from crm_store.customers import create_customer
from crm_store.importer import import_file
from crm_store.lengths import TooLong, check, clip
from crm_store.models import Customer, Interaction
from crm_store.users import create_user

pytestmark = pytest.mark.postgres


async def _customers(db) -> int:  # type: ignore[no-untyped-def]
    async with db.read_session() as s:
        return int(await s.scalar(select(func.count()).select_from(Customer)))


async def test_an_over_long_value_is_refused_naming_the_field(db) -> None:
    with pytest.raises(TooLong, match="full_name is 301 characters long; at most 300 fit"):
        await create_customer(db, full_name="Я" * 301, phones=["9161234567"])
    with pytest.raises(TooLong, match="region is 65 characters"):
        await create_customer(db, full_name="Иван", account_number="1000000001", region="r" * 65)
    with pytest.raises(TooLong, match="username"):
        await create_user(db, username="u" * 65, role="operator", password_hash="!")
    assert await _customers(db) == 0
    await create_customer(db, full_name="Я" * 300, phones=["9161234567"])  # exactly the limit fits
    assert await _customers(db) == 1


async def test_the_import_rejects_an_over_long_cell_and_keeps_the_rest(db, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        f"ФИО;Лицевой счёт;Регион;Тариф\nКлиент Один;1000000001;{'Р' * 65};\nКлиент Два;1000000002;Москва;Т1\n",
        encoding="utf-8",
    )
    summary = await import_file(db, "customers", path)
    assert (summary.inserted, summary.rejected) == (1, 1)
    assert summary.errors[0].column == "region" and "at most 64 fit" in summary.errors[0].reason


def test_core_writers_check_or_clip_to_the_columns() -> None:
    with pytest.raises(TooLong, match="caller_number"):
        check(Interaction, {"caller_number": "1" * 40, "notes": "x" * 10_000})  # notes is TEXT: no limit
    clipped = clip(Interaction, {"caller_number": "1" * 40, "queue": "support", "answered": None})
    assert clipped == {"caller_number": "1" * 32, "queue": "support", "answered": None}
