"""Applications and follow-up tasks filed from a call: the routing rules choose the department queue and
the due time (the type's SLA); the account must be the customer's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from crm_store import applications
from crm_store.db import Database
from crm_store.pop import load_customers
from crm_store.records import ApplicationRecord, UserRecord

from .errors import WorkstationError

TASK_KINDS = ("follow_up", "callback")


@dataclass(frozen=True, slots=True, kw_only=True)
class Filing:
    type: str
    text: str
    customer_id: int | None = None
    account_id: int | None = None
    card_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Filed:
    application: ApplicationRecord
    routing_reason: str

    def to_json(self) -> dict[str, Any]:
        return {**self.application.to_json(), "routing_reason": self.routing_reason}


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskRequest:
    kind: str
    due_at: datetime  # naive: in the rules' time zone
    customer_id: int | None = None
    phone: str | None = None
    card_id: int | None = None
    notes: str = ""


class ApplicationService:
    def __init__(self, *, db: Database, rules: Any, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.rules = rules  # routing.RoutingRules: application types, their SLA, the department rules
        self.clock = clock

    async def file(self, user: UserRecord, filing: Filing) -> Filed:
        types = self.rules.application_types
        if filing.type not in types:
            raise WorkstationError(
                f"unknown application type {filing.type!r}", code="unknown_application_type", type=filing.type
            )
        region, account_id = "", filing.account_id
        if filing.customer_id is not None:
            pops = await load_customers(self.db, [filing.customer_id])
            if not pops:
                raise WorkstationError("no such customer", code="customer_not_found", customer_id=filing.customer_id)
            accounts = pops[0].accounts
            account = next((a for a in accounts if a.id == account_id), accounts[0] if accounts else None)
            if account_id is not None and (account is None or account.id != account_id):
                raise WorkstationError("the account does not belong to the customer", code="account_not_customers")
            region = account.region if account else ""
            account_id = account.id if account else None
        decision = self.rules.route_application(filing.type, region)
        record = await applications.file_application(
            self.db,
            type=filing.type,
            text=filing.text,
            channel="phone",
            customer_id=filing.customer_id,
            account_id=account_id,
            department_queue=decision.queue,
            due_at=self.clock() + timedelta(hours=types[filing.type].sla_hours),
            interaction_id=filing.card_id,
            user_id=user.id,
        )
        return Filed(application=record, routing_reason=decision.reason)

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
