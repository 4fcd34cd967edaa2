"""Filing an application from a channel with no signed-in user (e-mail, IVR): the `Filer` interface and
its implementation on today's filing path (the routing rules pick the department and the SLA).

The mail intake and the IVR depend on the `Filer` protocol only, so the app factory can hand them another
filing service (one with the type's form fields and a calendar SLA) without changing either channel.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from crm_store import applications
from crm_store.db import Database
from crm_store.pop import load_customers

from .attachments import Attachment, AttachmentStore
from .errors import WorkstationError


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
    ) -> tuple[int, str]:
        """Store a new application and its attachments; (id, human-readable number)."""
        ...


class StoreFiler:
    def __init__(
        self, *, db: Database, rules: Any, clock: Callable[[], datetime], attachments: AttachmentStore
    ) -> None:
        self.db = db
        self.rules = rules  # routing.RuleSet
        self.clock = clock
        self.attachments = attachments

    async def file(
        self,
        *,
        customer_id: int | None,
        account_id: int | None,
        type: str,
        text: str,
        channel: str,
        attachments: Sequence[Attachment] = (),
    ) -> tuple[int, str]:
        types = self.rules.application_types
        if type not in types:
            raise WorkstationError(f"unknown application type {type!r}", code="unknown_application_type", type=type)
        region = ""
        if customer_id is not None:
            pops = await load_customers(self.db, [customer_id])
            accounts = pops[0].accounts if pops else []
            account = next((a for a in accounts if a.id == account_id), None)
            account_id = account.id if account else None  # never another customer's account
            region = account.region if account else ""
        else:
            account_id = None
        decision = self.rules.route_application(type, region)
        record = await applications.file_application(
            self.db,
            type=type,
            text=text,
            channel=channel,
            customer_id=customer_id,
            account_id=account_id,
            department_queue=decision.queue,
            due_at=self.clock() + timedelta(hours=types[type].sla_hours),
        )
        for item in attachments:
            await self.attachments.save(record.id, item)
        return record.id, record.number
