"""Files that come with an application: checked (type, size, count) and kept in the database.

The sender's file name is only ever shown, cleaned of paths and control characters; the bytes live in the
attachment's row, so no name a sender picks ever reaches the disk.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from crm_store import mail
from crm_store.db import Database

ALLOWED_TYPES = frozenset(
    {
        "application/pdf",
        "image/jpeg",
        "image/png",
        "image/heic",
        "text/plain",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
)
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
    def __init__(self, *, db: Database) -> None:
        self.db = db

    async def save(self, application_id: int, item: Attachment) -> int:
        return await mail.add_attachment(
            self.db,
            application_id=application_id,
            filename=safe_filename(item.filename),
            content_type=item.content_type,
            data=item.data,
        )
