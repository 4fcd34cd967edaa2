"""Filing an application from any channel (phone, IVR, web, e-mail): one function all of them call.

The type says the form fields (validated here), the department (unless a routing rule for the type and
the account's region sends it elsewhere), the SLA on the working calendar (the due time) and the
attachments it takes. The account, when given, must be the customer's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_store import applications
from crm_store.applications import NewAttachment
from crm_store.db import Database
from crm_store.pop import load_customers
from crm_store.records import ApplicationRecord
from routing import RuleSet

from .application_types import CHANNELS, ApplicationType, ApplicationTypes, validate_fields
from .customer_mail import CustomerMail
from .errors import WorkstationError

TEXT_LIMIT = 10_000


@dataclass(frozen=True, slots=True, kw_only=True)
class FiledApplication:
    application: ApplicationRecord
    type_title: str
    department_title: str
    routing_reason: str

    def to_json(self) -> dict[str, Any]:
        """The receipt: what the customer or the operator is shown (and the IVR speaks)."""
        return {
            **self.application.to_json(),
            "type_title": self.type_title,
            "department_title": self.department_title,
            "routing_reason": self.routing_reason,
        }


def department_for(rules: RuleSet, app_type: ApplicationType, region: str) -> tuple[str, str]:
    """(department queue, why): a routing rule for this type (and region) first, else the type's own."""
    for rule in rules.application_rules:
        if rule.matches(app_type.code, region):
            decision = rule.decision()
            return decision.queue, decision.reason
    return app_type.department, app_type.title


async def file_application(
    db: Database,
    *,
    types: ApplicationTypes,
    rules: RuleSet,
    channel: str,
    type_code: str,
    now: datetime,
    text: str = "",
    fields: Mapping[str, object] | None = None,
    customer_id: int | None = None,
    account_id: int | None = None,
    attachments: Sequence[NewAttachment] = (),
    user_id: int | None = None,
    card_id: int | None = None,
    require_fields: bool | None = None,
    mail: CustomerMail | None = None,
    reply_to: str | None = None,
    receipt_note: Sequence[str] = (),
) -> FiledApplication:
    """File one application; raises WorkstationError (code + params) on anything a person must fix.

    `require_fields` defaults to True for the customer's own channels (web, e-mail) and False for an
    operator's or the IVR's, where what the customer said goes into `text`.

    Every application's receipt is queued here, on every channel, once: to `reply_to` (the address the customer
    wrote from or identified with), else to the customer's e-mail on file; `mail` wakes the relay sender (without
    it the letter still waits in the outbox). `receipt_note`: lines the channel adds to the receipt."""
    if channel not in CHANNELS:
        raise WorkstationError(f"unknown channel {channel!r}", code="invalid_channel", channel=channel)
    app_type = types.get(type_code)
    if app_type is None or channel not in app_type.channels:
        raise WorkstationError(
            f"unknown application type {type_code!r}", code="unknown_application_type", type=type_code
        )
    if len(text) > TEXT_LIMIT:
        raise WorkstationError("the text is too long", code="text_too_long", limit=TEXT_LIMIT)
    require = channel in ("web", "email") if require_fields is None else require_fields
    values, errors = validate_fields(app_type, fields or {}, require=require)
    if errors:
        raise WorkstationError("some fields are not valid", code="invalid_fields", fields=errors)
    if len(attachments) > app_type.attachments.max:
        raise WorkstationError("too many attachments", code="too_many_attachments", max=app_type.attachments.max)
    if require and len(attachments) < app_type.attachments.min:
        raise WorkstationError("attachments are missing", code="attachments_missing", min=app_type.attachments.min)
    region = ""
    if customer_id is not None:
        pops = await load_customers(db, [customer_id])
        if not pops:
            raise WorkstationError("no such customer", code="customer_not_found", customer_id=customer_id)
        accounts = pops[0].accounts
        account = next((a for a in accounts if a.id == account_id), accounts[0] if accounts else None)
        if account_id is not None and (account is None or account.id != account_id):
            raise WorkstationError("the account does not belong to the customer", code="account_not_customers")
        region = account.region if account else ""
        account_id = account.id if account else None
    elif account_id is not None:
        raise WorkstationError("an account needs its customer", code="account_not_customers")
    department, reason = department_for(rules, app_type, region)
    record = await applications.file_application(
        db,
        type=app_type.code,
        text=text.strip(),
        channel=channel,
        customer_id=customer_id,
        account_id=account_id,
        department_queue=department,
        due_at=types.calendar.due_at(now, app_type.sla_hours),
        interaction_id=card_id,
        user_id=user_id,
        fields=values,
        attachments=attachments,
        now=now,
    )
    await (mail or CustomerMail(db=db)).receipt(
        record,
        type_title=app_type.title,
        due_at=record.due_at.astimezone(types.calendar.timezone) if record.due_at else None,
        to_addr=reply_to,
        note=receipt_note,
    )
    return FiledApplication(
        application=record,
        type_title=app_type.title,
        department_title=rules.departments.get(department, department),
        routing_reason=reason,
    )
