"""Filing an application from a channel with no signed-in user (e-mail, IVR): the `Filer` interface and
its implementation on the applications' filing service.

The mail intake and the IVR depend on the `Filer` protocol only (tests give them their own)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from crm_store.applications import NewAttachment
from crm_store.db import Database
from routing import RuleSet

from .application_types import ApplicationTypes
from .applications_filing import file_application
from .attachments import Attachment, safe_filename
from .customer_mail import CustomerMail


class Filer(Protocol):
    async def file(
        self,
        *,
        customer_id: int | None,
        account_id: int | None,
        type: str,
        text: str,
        channel: str,
        attachments: Sequence[Attachment] = (),
        reply_to: str | None = None,
        receipt_note: Sequence[str] = (),
    ) -> tuple[int, str]:
        """Store a new application and its attachments, and queue its receipt (to `reply_to`, else to the
        customer's e-mail on file); (id, human-readable number)."""
        ...


class TypedFiler:
    """The `Filer` of the channels without a signed-in user, on the one filing service
    (workstation.applications_filing): the type's department, its calendar SLA and its number. What the customer
    said goes into the text, so a type's form fields are not required here."""

    def __init__(
        self,
        *,
        db: Database,
        types: ApplicationTypes,
        rules: RuleSet,
        clock: Callable[[], datetime],
        mail: CustomerMail | None = None,
    ) -> None:
        self.db = db
        self.types = types
        self.rules = rules
        self.clock = clock
        self.mail = mail

    async def file(
        self,
        *,
        customer_id: int | None,
        account_id: int | None,
        type: str,
        text: str,
        channel: str,
        attachments: Sequence[Attachment] = (),
        reply_to: str | None = None,
        receipt_note: Sequence[str] = (),
    ) -> tuple[int, str]:
        filed = await file_application(
            self.db,
            types=self.types,
            rules=self.rules,
            channel=channel,
            type_code=type,
            now=self.clock(),
            text=text,
            customer_id=customer_id,
            account_id=account_id,
            attachments=[
                NewAttachment(filename=safe_filename(a.filename), content_type=a.content_type, data=a.data)
                for a in attachments
            ],
            require_fields=False,
            mail=self.mail,
            reply_to=reply_to,
            receipt_note=receipt_note,
        )
        return filed.application.id, filed.application.number
