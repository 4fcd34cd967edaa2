"""Files that come with an application: checked (size, type, count), stored under a name we choose.

The sender's file name is only ever shown (cleaned of paths and control characters); the bytes go to
`<directory>/<random hex><extension of the allowed type>`, so no name a sender picks can reach the disk.
"""

from __future__ import annotations

import asyncio
import os
import re
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path

from crm_store import mail
from crm_store.db import Database

# type -> the extension it is stored with; anything else is refused
ALLOWED_TYPES: dict[str, str] = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/heic": ".heic",
    "text/plain": ".txt",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}
NAME_LIMIT = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes = b""


@dataclass(frozen=True, slots=True, kw_only=True)
class AttachmentPolicy:
    max_bytes: int = 10 * 1024 * 1024
    max_count: int = 10

    def problem(self, item: Attachment) -> str | None:
        """Why this file cannot be kept (a code), or None."""
        if item.content_type not in ALLOWED_TYPES:
            return "attachment_type"
        if len(item.data) > self.max_bytes:
            return "attachment_too_large"
        if not item.data:
            return "attachment_empty"
        return None


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def safe_filename(name: str) -> str:
    """A file name fit to show: the last path part only, no control or path characters, bounded."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE.sub("_", name).strip(" .")
    return name[:NAME_LIMIT] or "attachment"


class AttachmentStore:
    def __init__(self, *, db: Database, directory: Path) -> None:
        self.db = db
        self.directory = directory

    async def save(self, application_id: int, item: Attachment) -> int:
        stored = uuid.uuid4().hex + ALLOWED_TYPES.get(item.content_type, ".bin")
        await asyncio.get_running_loop().run_in_executor(None, self._write, stored, item.data)
        return await mail.add_attachment(
            self.db,
            application_id=application_id,
            filename=safe_filename(item.filename),
            content_type=item.content_type,
            size=len(item.data),
            stored_name=stored,
        )

    def path_of(self, stored_name: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{32}\.[a-z]{3,4}", stored_name):
            raise ValueError(f"not a stored attachment name: {stored_name!r}")
        return self.directory / stored_name

    def _write(self, stored: str, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.path_of(stored)
        # O_EXCL: a name is never reused, even if two writers met on the same random one
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
