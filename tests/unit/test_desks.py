"""Department staff are kept to their desk (web/auth.py DESKS): the routes /work uses, their password and
session, and nothing of the operator's; other roles are not confined by it (their handlers check)."""

from __future__ import annotations

import pytest

from web.auth import outside_desk


@pytest.mark.parametrize(
    "route",
    [
        "/",
        "/work",
        "/api/work",
        "/api/work/escalations",  # its handler keeps it to supervisors
        "/api/work/{application_id}/take",
        "/api/session",
        "/password",
        "/api/me/password",
        "/logout",
        "/logout/everywhere",
        "/socket.io/",
    ],
)
def test_a_department_user_reaches_their_desk(route: str) -> None:
    assert not outside_desk("department", route)


@pytest.mark.parametrize(
    "route",
    [
        "/api/calls/{call_id}/hangup",
        "/api/presence/sign-in",
        "/api/cards/{card_id}",
        "/api/customers/search",
        "/customers/{customer_id}",
        "/api/originate",
        "/api/me",
        "/status",
        "/api/workers",  # a name that only begins like theirs
        "/supervisor",
    ],
)
def test_a_department_user_is_kept_from_the_rest(route: str) -> None:
    assert outside_desk("department", route)


@pytest.mark.parametrize("role", ["operator", "supervisor", "admin"])
def test_other_roles_have_no_desk_of_this_kind(role: str) -> None:
    assert not outside_desk(role, "/api/calls/{call_id}/hangup")


def test_an_unmatched_path_is_a_404_for_everyone() -> None:
    assert not outside_desk("department", None)
