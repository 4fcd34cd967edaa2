"""The application's status workflow and who may touch it: pure tables, no I/O.

new → in progress → waiting for customer → resolved / rejected. An application can be rejected at once
(spam, a duplicate), goes back to work when the customer answers, and a closed one stays closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from crm_store.vocabulary import ApplicationStatus as S
from crm_store.vocabulary import Role

TRANSITIONS: Mapping[S, frozenset[S]] = {
    S.NEW: frozenset({S.IN_PROGRESS, S.REJECTED}),
    S.IN_PROGRESS: frozenset({S.WAITING_CUSTOMER, S.RESOLVED, S.REJECTED}),
    S.WAITING_CUSTOMER: frozenset({S.IN_PROGRESS, S.RESOLVED, S.REJECTED}),
    S.RESOLVED: frozenset(),
    S.REJECTED: frozenset(),
}
# Who works applications: the department's own staff, and supervisors and admins over every department.
WORKING_ROLES = frozenset({Role.DEPARTMENT, Role.SUPERVISOR, Role.ADMIN})


def allowed(current: str, new: str) -> bool:
    try:
        return S(new) in TRANSITIONS[S(current)]
    except ValueError:
        return False


def next_statuses(current: str) -> list[str]:
    try:
        return sorted(s.value for s in TRANSITIONS[S(current)])
    except ValueError:
        return []


@dataclass(frozen=True, slots=True, kw_only=True)
class Worker:
    """Who asks: their role and, for department staff, their department."""

    role: str
    department: str | None


def can_work(worker: Worker, department_queue: str | None) -> bool:
    """May this person see and change an application of `department_queue`?"""
    if worker.role in (Role.SUPERVISOR, Role.ADMIN):
        return True
    return worker.role == Role.DEPARTMENT and bool(worker.department) and worker.department == department_queue


def is_overdue(due_at: datetime | None, status: str, now: datetime) -> bool:
    return due_at is not None and status not in (S.RESOLVED, S.REJECTED) and now > due_at


def is_escalated(due_at: datetime | None, status: str, now: datetime, after: timedelta) -> bool:
    """Overdue by `after` or more: it is on the supervisors' escalation list."""
    return due_at is not None and status not in (S.RESOLVED, S.REJECTED) and now >= due_at + after
