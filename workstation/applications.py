"""Applications and follow-up tasks filed from a call (workstation.applications_filing does the filing for
every channel); the account must be the customer's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crm_store import applications
from crm_store.db import Database
from crm_store.records import UserRecord

from .application_types import ApplicationTypes
from .applications_filing import FiledApplication, file_application
from .customer_mail import CustomerMail
from .errors import WorkstationError

TASK_KINDS = ("follow_up", "callback")


@dataclass(frozen=True, slots=True, kw_only=True)
class Filing:
    type: str
    text: str
    customer_id: int | None = None
    account_id: int | None = None
    card_id: int | None = None
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskRequest:
    kind: str
    due_at: datetime  # naive: in the rules' time zone
    customer_id: int | None = None
    phone: str | None = None
    card_id: int | None = None
    notes: str = ""


class ApplicationService:
    def __init__(
        self,
        *,
        db: Database,
        rules: Any,
        clock: Callable[[], datetime],
        types: ApplicationTypes,
        mail: CustomerMail | None = None,
    ) -> None:
        self.db = db
        self.mail = mail  # the receipt goes to the customer's e-mail on file
        self.types = types
        self.rules = rules  # routing.RoutingRules: application types, their SLA, the department rules
        self.clock = clock

    async def file(self, user: UserRecord, filing: Filing) -> FiledApplication:
        """From the call card: the customer and account on screen, the card linked."""
        return await file_application(
            self.db,
            types=self.types,
            rules=self.rules,
            channel="phone",
            type_code=filing.type,
            now=self.clock(),
            text=filing.text,
            fields=filing.fields,
            customer_id=filing.customer_id,
            account_id=filing.account_id,
            card_id=filing.card_id,
            user_id=user.id,
            mail=self.mail,
        )

    async def create_task(self, user: UserRecord, request: TaskRequest) -> int:
        if request.kind not in TASK_KINDS:
            raise WorkstationError("a task is a follow-up or a call-back", code="invalid_task_kind", kind=request.kind)
        due_at = request.due_at
        if due_at.tzinfo is None:
            due_at = due_at.replace(tzinfo=self.rules.timezone)
        return await applications.create_task(
            self.db,
            kind=request.kind,
            due_at=due_at,
            customer_id=request.customer_id,
            phone=request.phone,
            interaction_id=request.card_id,
            notes=request.notes,
            assigned_to=user.id,
            user_id=user.id,
        )
