"""Imports started from the admin console: the upload streamed to a temporary file, the import run as a
kept background task (one at a time), its progress kept for the page to show, and the per-row error report
written for download when it ends.

The import itself is crm_store.importer's, the same as `ccdesk import`: batches of rows, the event loop
yielded every few hundred rows and the file read in a thread, so the screen pops go on meanwhile. Tasks
are cancelled and awaited on shutdown (imports_ctx); a cancelled import rolls back (one transaction).
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from aiohttp import BodyPartReader, web

from crm_store.db import Database
from crm_store.errors import StoreError
from crm_store.importer import ImportSummary, import_file
from crm_store.importer.progress import ImportProgress
from crm_store.importer.run import write_error_report
from crm_store.importer.tables import MAX_FILE_BYTES, MB
from workstation.errors import WorkstationError

from . import keys

log = logging.getLogger(__name__)
KINDS = ("customers", "debts")
_UNSAFE = re.compile(r"[^\w.\-]+")
CHUNK_BYTES = 256 * 1024


class ImportRefused(WorkstationError):
    status = 409


@dataclass(slots=True)
class ImportJob:
    id: str
    kind: str
    filename: str
    started_at: datetime
    started_by: str
    folder: Path
    state: str = "running"  # running | done | failed | cancelled
    progress: ImportProgress | None = None
    summary: ImportSummary | None = None
    error: str | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def report(self) -> Path:
        return self.folder / "errors.csv"

    def to_json(self) -> dict[str, Any]:
        s = self.summary
        return {
            "id": self.id,
            "kind": self.kind,
            "filename": self.filename,
            "started_at": self.started_at.isoformat(),
            "started_by": self.started_by,
            "state": self.state,
            "progress": self.progress.to_json() if self.progress else None,
            "summary": None
            if s is None
            else {k: getattr(s, k) for k in ("rows", "inserted", "updated", "skipped", "rejected")},
            "errors": [{"row": e.row, "column": e.column, "value": e.value, "reason": e.reason} for e in s.errors[:20]]
            if s is not None
            else [],
            "has_report": bool(s and s.errors),
            "error": self.error,
        }


def safe_name(name: str) -> str:
    """The uploaded file's own name, reduced to a harmless one (it names the file in messages and paths)."""
    name = unquote(name)  # some clients (aiohttp's) send a non-ASCII name percent-encoded
    base = _UNSAFE.sub("_", Path(name.replace("\\", "/")).name).strip("._")[:100]
    return base or "upload.csv"


class ImportJobs:
    """The console's imports of this server process, newest first; at most one running."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.jobs: dict[str, ImportJob] = {}

    def running(self) -> ImportJob | None:
        return next((j for j in self.jobs.values() if j.state == "running"), None)

    def get(self, job_id: str) -> ImportJob:
        job = self.jobs.get(job_id)
        if job is None:
            raise WorkstationError(f"no import {job_id!r}", code="not_found")
        return job

    def listing(self) -> list[ImportJob]:
        return sorted(self.jobs.values(), key=lambda j: j.started_at, reverse=True)

    async def receive(self, part: BodyPartReader, *, kind: str, started_by: str, now: datetime) -> ImportJob:
        """Stream the uploaded file to disk (never whole in memory), refusing it past the size limit."""
        if kind not in KINDS:
            raise WorkstationError(f"unknown import kind {kind!r}", code="invalid")
        if self.running() is not None:
            raise ImportRefused("an import is running; wait for it to end", code="import_running")
        job_id = secrets.token_hex(8)
        folder = self.folder / job_id
        folder.mkdir(parents=True)
        name = safe_name(part.filename or "")
        size = 0
        try:
            with (folder / name).open("wb") as out:
                while chunk := await part.read_chunk(CHUNK_BYTES):
                    size += len(chunk)
                    if size > MAX_FILE_BYTES:
                        raise ImportRefused(
                            f"at most {MAX_FILE_BYTES // MB} MB can be imported at once",
                            code="import_too_big",
                            max_mb=MAX_FILE_BYTES // MB,
                        )
                    out.write(chunk)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        if size == 0:
            shutil.rmtree(folder, ignore_errors=True)
            raise WorkstationError("the file is empty", code="import_empty")
        job = ImportJob(id=job_id, kind=kind, filename=name, started_at=now, started_by=started_by, folder=folder)
        self.jobs[job_id] = job
        return job

    def start(self, job: ImportJob, db: Database, user_id: int) -> None:
        job.task = asyncio.create_task(self._run(job, db, user_id), name=f"import {job.id}")

    async def _run(self, job: ImportJob, db: Database, user_id: int) -> None:
        path = job.folder / job.filename

        def progress(p: ImportProgress) -> None:
            job.progress = p

        try:
            job.summary = await import_file(
                db, job.kind, path, user_id=user_id, progress=progress, commit_each_chunk=True
            )
            if job.summary.errors:
                await asyncio.to_thread(write_error_report, job.summary, job.report)
            job.state = "done"
        except asyncio.CancelledError:
            job.state = "cancelled"
            raise
        except (StoreError, ValueError) as exc:  # ImportFailed: not a table, no header … nothing changed
            job.state, job.error = "failed", str(exc)
        except Exception as exc:
            log.exception("import %s of %s failed", job.id, job.filename)
            job.state, job.error = "failed", f"internal error: {type(exc).__name__}"
        finally:
            path.unlink(missing_ok=True)  # the upload itself is not kept; the report is

    async def close(self) -> None:
        tasks = [j.task for j in self.jobs.values() if j.task is not None and not j.task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        shutil.rmtree(self.folder, ignore_errors=True)


async def imports_ctx(app: web.Application) -> AsyncIterator[None]:
    jobs = ImportJobs(app[keys.SETTINGS].var_dir / "imports")
    shutil.rmtree(jobs.folder, ignore_errors=True)  # what a killed process left behind
    jobs.folder.mkdir(parents=True, exist_ok=True)
    app[keys.IMPORTS] = jobs
    yield
    await jobs.close()
