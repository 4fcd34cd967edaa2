"""An import run as a library call (e.g. inside the server) leaves the interpreter's settings alone: the
cyclic GC stays on and the GIL switch interval stays the server's, before, during and after."""

from __future__ import annotations

import asyncio
import gc
import sys
from pathlib import Path

from crm_store.db import Database
from crm_store.importer import import_file


async def test_import_inside_a_running_process_changes_neither_gc_nor_switch_interval(
    db: Database, tmp_path: Path
) -> None:
    rows = "\n".join(f"Клиент Номер{i};{9100000000 + i};916{i:07d}" for i in range(3_000))
    path = tmp_path / "c.csv"
    path.write_text("ФИО;Лицевой счёт;Телефон\n" + rows + "\n", encoding="utf-8")
    before = (gc.isenabled(), sys.getswitchinterval())
    seen: set[tuple[bool, float]] = set()

    async def watch() -> None:  # what the rest of the server sees while the import runs
        while True:
            seen.add((gc.isenabled(), sys.getswitchinterval()))
            await asyncio.sleep(0)

    watcher = asyncio.create_task(watch())
    try:
        summary = await import_file(db, "customers", path)
    finally:
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
    assert summary.inserted == 3_000
    assert len(seen) > 0
    assert seen == {before}
    assert (gc.isenabled(), sys.getswitchinterval()) == before
