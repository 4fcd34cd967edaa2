"""The navigation bar of the signed-in pages: one table of the pages, their labels and the roles that may
open them, so a user is shown only links that lead somewhere for them.

The roles here repeat each page's `require_role`: tests/integration/test_navigation.py opens every page as
every role through the real app and fails when the two disagree.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from crm_store.vocabulary import Role

OPERATOR = Role.OPERATOR.value
SUPERVISOR = Role.SUPERVISOR.value
ADMIN = Role.ADMIN.value
DEPARTMENT = Role.DEPARTMENT.value


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    path: str
    label: str  # a key of web/static/i18n/*.json
    roles: frozenset[str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Link:
    path: str
    label: str
    current: bool


# In the order the bar shows them. Supervisors and admins land on their own home, but may open the operator's
# screen: some take calls, and the knowledge base is edited there. A department user is sent to /work.
PAGES: tuple[Page, ...] = (
    Page(path="/", label="nav.workstation", roles=frozenset({OPERATOR, SUPERVISOR, ADMIN})),
    Page(path="/wallboard", label="nav.wallboard", roles=frozenset({SUPERVISOR, ADMIN})),
    Page(path="/supervisor", label="nav.supervisor", roles=frozenset({SUPERVISOR, ADMIN})),
    Page(path="/reports", label="nav.reports", roles=frozenset({SUPERVISOR, ADMIN})),
    Page(path="/campaigns", label="nav.campaigns", roles=frozenset({SUPERVISOR, ADMIN})),
    Page(path="/work", label="nav.work", roles=frozenset({DEPARTMENT, SUPERVISOR, ADMIN})),
    Page(path="/mail", label="nav.mail", roles=frozenset({SUPERVISOR, ADMIN})),
    Page(path="/admin", label="nav.admin", roles=frozenset({ADMIN})),
)


def links(role: str, current_path: str, served: Collection[str]) -> list[Link]:
    """The pages `role` may open, among those the app serves (`served`: a page of a feature not installed is
    left out), with the one at `current_path` marked."""
    return [
        Link(path=p.path, label=p.label, current=p.path == current_path)
        for p in PAGES
        if role in p.roles and p.path in served
    ]
