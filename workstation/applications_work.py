"""The department's work on applications: the work list, taking and assigning, status changes along the
workflow (applications_flow), reassigning to another department, follow-up calls on closing, and the
supervisors' escalation list. Every change is one guarded store call (status history + audit log), then
the operators whose screens show the customer are told (the pop updates at once)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from crm_store import applications, applications_work, users
from crm_store.applications_work import Change, WorkFilter, WorkItem
from crm_store.db import Database
from crm_store.errors import NotFound
from crm_store.records import ApplicationRecord, UserRecord
from crm_store.vocabulary import ApplicationStatus, Role
from routing import RuleSet

from .application_types import ApplicationTypes
from .applications_flow import WORKING_ROLES, Worker, allowed, can_work, is_escalated, is_overdue, next_statuses
from .customer_mail import CustomerMail
from .errors import ForbiddenError, NotFoundError, WorkstationError

Announce = Callable[[ApplicationRecord, tuple[str, ...]], Awaitable[None]]  # the record, departments to tell
COMMENT_LIMIT = 2000


@dataclass(frozen=True, slots=True, kw_only=True)
class ListQuery:
    department: str | None = None
    status: str | None = None
    type: str | None = None
    mine: bool = False
    overdue: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusRequest:
    status: str
    comment: str = ""
    follow_up: bool = False  # closing: schedule a follow-up call
    follow_up_at: datetime | None = None  # None: the configured number of days from now


def worker_of(user: UserRecord) -> Worker:
    return Worker(role=user.role, department=user.department)


class ApplicationWork:
    def __init__(
        self,
        *,
        db: Database,
        types: ApplicationTypes,
        rules: RuleSet,
        clock: Callable[[], datetime],
        escalate_after: timedelta,
        announce: Announce | None = None,
        mail: CustomerMail | None = None,
    ) -> None:
        self.db = db
        self.types = types
        self.rules = rules
        self.clock = clock
        self.escalate_after = escalate_after
        self.announce = announce
        self.mail = mail or CustomerMail(db=db)  # the customer's note on closing or waiting for them

    # ------------------------------------------------------------------ reading
    def require_worker(self, user: UserRecord) -> Worker:
        if user.role not in WORKING_ROLES:
            raise ForbiddenError("applications are worked by departments", code="not_a_department_user")
        worker = worker_of(user)
        if user.role == Role.DEPARTMENT and not user.department:
            raise ForbiddenError("you have no department", code="no_department")
        return worker

    async def work_list(self, user: UserRecord, query: ListQuery) -> list[dict[str, Any]]:
        worker = self.require_worker(user)
        if worker.role == Role.DEPARTMENT:
            departments: list[str] | None = [worker.department or ""]
        else:
            departments = [query.department] if query.department else None
        now = self.clock()
        items = await applications_work.work_list(
            self.db,
            WorkFilter(
                departments=departments,
                status=query.status or None,
                type=query.type or None,
                assigned_to=user.id if query.mine else None,
                due_before=now if query.overdue else None,
            ),
        )
        return [self._item_json(i, now) for i in items]

    async def _load(self, user: UserRecord, application_id: int) -> WorkItem:
        worker = self.require_worker(user)
        try:
            item = await applications_work.work_item(self.db, application_id)
        except NotFound:
            item = None
        # Another department's application looks exactly like one that does not exist.
        if item is None or not can_work(worker, item.application.department_queue):
            raise NotFoundError("no such application", code="application_not_found")
        return item

    async def detail(self, user: UserRecord, application_id: int) -> dict[str, Any]:
        item = await self._load(user, application_id)
        history = await applications_work.history(self.db, application_id)
        files = await applications_work.attachments(self.db, application_id)
        return {
            **self._item_json(item, self.clock()),
            "history": [
                {
                    "status": h.status,
                    "at": h.at.isoformat(),
                    "by": h.by,
                    "comment": h.comment,
                    "department": h.department_queue,
                }
                for h in history
            ],
            "attachments": [
                {"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size} for a in files
            ],
        }

    async def attachment(self, user: UserRecord, application_id: int, attachment_id: int) -> tuple[str, str, bytes]:
        await self._load(user, application_id)
        try:
            info, data = await applications_work.attachment_data(self.db, application_id, attachment_id)
        except NotFound:
            raise NotFoundError("no such attachment", code="attachment_not_found") from None
        return info.filename, info.content_type, data

    def _item_json(self, item: WorkItem, now: datetime) -> dict[str, Any]:
        app = item.application
        app_type = self.types.get(app.type)
        return {
            **app.to_json(),
            "type_title": app_type.title if app_type else app.type,
            "department_title": self.rules.departments.get(app.department_queue or "", app.department_queue),
            "customer_name": item.customer_name,
            "account_number": item.account_number,
            "assignee": item.assignee_name,
            "overdue": is_overdue(app.due_at, app.status, now),
            "escalated": is_escalated(app.due_at, app.status, now, self.escalate_after),
            "next_statuses": next_statuses(app.status),
            "field_labels": {f.name: f.label for f in app_type.fields} if app_type else {},
        }

    # ------------------------------------------------------------------ changing
    async def take(self, user: UserRecord, application_id: int) -> ApplicationRecord:
        """The user works it from now on; a new one goes in progress."""
        item = await self._load(user, application_id)
        app = item.application
        if app.status in (ApplicationStatus.RESOLVED, ApplicationStatus.REJECTED):
            raise WorkstationError("the application is closed", code="application_closed")
        status = ApplicationStatus.IN_PROGRESS.value if app.status == ApplicationStatus.NEW else None
        change = Change(
            application_id=app.id,
            expected_status=app.status,
            status=status,
            assigned_to=user.id,
            assign=True,
            comment="",
            action="application.take",
        )
        return await self._apply(user, change)

    async def assign(self, user: UserRecord, application_id: int, assignee_id: int | None) -> ApplicationRecord:
        item = await self._load(user, application_id)
        app = item.application
        if assignee_id is not None:
            try:
                assignee = await users.get_user(self.db, assignee_id)
            except NotFound:
                raise NotFoundError("no such user", code="user_not_found") from None
            if not assignee.active or not can_work(worker_of(assignee), app.department_queue):
                raise WorkstationError(
                    "this person does not work this department's applications", code="assignee_not_in_department"
                )
        change = Change(
            application_id=app.id,
            expected_status=app.status,
            assigned_to=assignee_id,
            assign=True,
            action="application.assign",
        )
        return await self._apply(user, change)

    async def change_status(self, user: UserRecord, application_id: int, request: StatusRequest) -> ApplicationRecord:
        item = await self._load(user, application_id)
        app = item.application
        comment = request.comment.strip()
        if len(comment) > COMMENT_LIMIT:
            raise WorkstationError("the comment is too long", code="text_too_long", limit=COMMENT_LIMIT)
        if not allowed(app.status, request.status):
            raise WorkstationError(
                f"an application cannot go from {app.status} to {request.status}",
                code="transition_forbidden",
                current=app.status,
                requested=request.status,
            )
        if request.status in (ApplicationStatus.RESOLVED, ApplicationStatus.REJECTED) and not comment:
            raise WorkstationError("closing needs a comment for the customer", code="comment_required")
        assign = app.assigned_to is None and request.status == ApplicationStatus.IN_PROGRESS
        change = Change(
            application_id=app.id,
            expected_status=app.status,
            status=request.status,
            comment=comment,
            assigned_to=user.id if assign else None,
            assign=assign,
        )
        record = await self._apply(user, change)
        app_type = self.types.get(record.type)
        await self.mail.status_changed(record, type_title=app_type.title if app_type else record.type, comment=comment)
        if request.follow_up and record.status in (ApplicationStatus.RESOLVED, ApplicationStatus.REJECTED):
            await self.schedule_follow_up(user, record, request.follow_up_at)
        return record

    async def reassign(self, user: UserRecord, application_id: int, department: str, comment: str) -> ApplicationRecord:
        item = await self._load(user, application_id)
        app = item.application
        if department not in self.rules.departments:
            raise WorkstationError("no such department", code="unknown_department", department=department)
        if app.status in (ApplicationStatus.RESOLVED, ApplicationStatus.REJECTED):
            raise WorkstationError("the application is closed", code="application_closed")
        if department == app.department_queue:
            raise WorkstationError("it is already there", code="same_department")
        change = Change(
            application_id=app.id,
            expected_status=app.status,
            department_queue=department,
            comment=comment.strip()[:COMMENT_LIMIT],
            action="application.reassign",
        )
        return await self._apply(user, change, previous_department=app.department_queue)

    async def schedule_follow_up(self, user: UserRecord, app: ApplicationRecord, at: datetime | None) -> int:
        """A follow-up call in the call-back list of the type's operators' queue."""
        app_type = self.types.get(app.type)
        queue = app_type.follow_up_queue if app_type else self.types.follow_up_queue
        due = at or self.clock() + timedelta(days=self.types.follow_up_days)
        phone = await applications_work.primary_phone(self.db, app.customer_id) if app.customer_id else None
        return await applications.create_task(
            self.db,
            kind="follow_up",
            due_at=due,
            customer_id=app.customer_id,
            phone=phone,
            application_id=app.id,
            notes=f"{app.number}: {app_type.title if app_type else app.type}",
            user_id=user.id,
            queue=queue,
        )

    async def _apply(
        self, user: UserRecord, change: Change, previous_department: str | None = None
    ) -> ApplicationRecord:
        record = await applications_work.apply_change(self.db, change, user_id=user.id, now=self.clock())
        await self.announce_record(record, previous_department)
        return record

    async def announce_record(self, record: ApplicationRecord, previous_department: str | None = None) -> None:
        """Filed or changed: the screens showing its customer, and its department's work lists (the one it
        left too), are told — by whatever channel it came."""
        if self.announce is not None:
            departments = tuple(d for d in (record.department_queue, previous_department) if d)
            await self.announce(record, departments)

    # ------------------------------------------------------------------ escalation
    async def escalations(self, user: UserRecord) -> list[dict[str, Any]]:
        if user.role not in (Role.SUPERVISOR, Role.ADMIN):
            raise ForbiddenError("the escalation list is the supervisors'", code="not_a_supervisor")
        now = self.clock()
        items = await applications_work.work_list(
            self.db, WorkFilter(departments=None, due_before=now - self.escalate_after)
        )
        return [self._item_json(i, now) for i in items]

    async def escalate_due(self) -> list[dict[str, Any]]:
        """Mark the applications that crossed the threshold since the last look; the caller tells supervisors."""
        now = self.clock()
        items = await applications_work.due_for_escalation(self.db, now - self.escalate_after)
        await applications_work.mark_escalated(self.db, [i.application.id for i in items], now)
        return [self._item_json(i, now) for i in items]
