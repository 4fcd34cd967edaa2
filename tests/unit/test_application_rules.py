"""Applications' pure rules: the workflow table, who may work what, the SLA on the working calendar
(weekends and public holidays off), the types book's validation and the public form's rate limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from crm_store.vocabulary import ApplicationStatus as S
from web.public_apply_limit import ApplyLimit
from workstation.application_types import ApplicationTypesError, load_application_types, validate_fields
from workstation.application_types_calendar import WorkCalendar
from workstation.applications_flow import TRANSITIONS, Worker, allowed, can_work, is_escalated, is_overdue

MSK = ZoneInfo("Europe/Moscow")
CAL = WorkCalendar(timezone=MSK)
DEPARTMENTS = ("dept_metering", "dept_billing", "dept_debt", "dept_quality", "dept_field")

ALLOWED = [
    ("new", "in_progress"),
    ("new", "rejected"),
    ("in_progress", "waiting_customer"),
    ("in_progress", "resolved"),
    ("in_progress", "rejected"),
    ("waiting_customer", "in_progress"),
    ("waiting_customer", "resolved"),
    ("waiting_customer", "rejected"),
]


@pytest.mark.parametrize("current, new", ALLOWED)
def test_allowed_transitions(current: str, new: str) -> None:
    assert allowed(current, new)


@pytest.mark.parametrize(
    "current, new",
    [(a.value, b.value) for a in S for b in S if (a.value, b.value) not in ALLOWED] + [("new", "done"), ("x", "new")],
)
def test_every_other_transition_is_forbidden(current: str, new: str) -> None:
    assert not allowed(current, new)


def test_closed_applications_stay_closed() -> None:
    assert TRANSITIONS[S.RESOLVED] == frozenset() and TRANSITIONS[S.REJECTED] == frozenset()


@pytest.mark.parametrize(
    "role, department, queue, may",
    [
        ("department", "dept_billing", "dept_billing", True),
        ("department", "dept_billing", "dept_metering", False),  # another department's
        ("department", None, "dept_billing", False),  # a department user without a department
        ("department", "dept_billing", None, False),
        ("operator", None, "dept_billing", False),
        ("supervisor", None, "dept_metering", True),
        ("admin", None, "dept_billing", True),
    ],
)
def test_who_may_work_an_application(role: str, department: str | None, queue: str | None, may: bool) -> None:
    assert can_work(Worker(role=role, department=department), queue) is may


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=MSK)


@pytest.mark.parametrize(
    "start, hours, due",
    [
        ("2026-12-01 10:00", 4, "2026-12-01 14:00"),  # Tuesday, within the day
        ("2026-12-01 07:00", 1, "2026-12-01 10:00"),  # before opening: counts from 09:00
        ("2026-12-01 17:00", 2, "2026-12-02 10:00"),  # across the night
        ("2026-12-04 17:00", 9, "2026-12-07 17:00"),  # Friday 17:00 + one working day: Monday 17:00
        ("2026-12-05 12:00", 1, "2026-12-07 10:00"),  # filed on Saturday
        ("2026-12-30 17:00", 2, "2027-01-11 10:00"),  # 31 December and the New Year holidays off
        ("2026-12-31 17:00", 2, "2027-01-11 11:00"),  # filed on a public holiday: counts from the next working day
        ("2027-02-20 10:00", 1, "2027-02-24 10:00"),  # Sat; Mon 22 Feb is the moved day off, Tue 23 the holiday
        ("2026-06-11 17:30", 1, "2026-06-15 09:30"),  # 12 June (Friday) is Russia Day
    ],
)
def test_sla_due_time_skips_nights_weekends_and_public_holidays(start: str, hours: int, due: str) -> None:
    assert CAL.due_at(at(start), hours) == at(due)


def test_due_time_keeps_the_callers_zone_and_needs_an_aware_start() -> None:
    utc_start = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)  # 10:00 in Moscow
    assert CAL.due_at(utc_start, 1) == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    with pytest.raises(ValueError):
        CAL.due_at(datetime(2026, 12, 1, 10, 0), 1)


def test_working_hours_between_counts_only_working_time() -> None:
    assert CAL.working_hours_between(at("2026-12-04 17:00"), at("2026-12-07 10:00")) == 2
    assert CAL.working_hours_between(at("2026-12-07 10:00"), at("2026-12-04 17:00")) == -2


def test_overdue_and_escalated() -> None:
    due = at("2026-12-01 12:00")
    assert not is_overdue(due, "in_progress", due)
    assert is_overdue(due, "in_progress", due + timedelta(minutes=1))
    assert not is_overdue(due, "resolved", due + timedelta(days=3))
    assert not is_escalated(due, "new", due + timedelta(hours=3), timedelta(hours=4))
    assert is_escalated(due, "new", due + timedelta(hours=4), timedelta(hours=4))


def test_the_shipped_types_book_loads_against_the_routing_departments() -> None:
    types = load_application_types(departments=DEPARTMENTS)
    assert {"meter_dispute", "recalculation", "reconnection", "payment_plan", "contract_change", "complaint"} <= set(
        types.types
    )
    assert types.types["meter_dispute"].sla_hours == 27  # 3 working days of 9 hours
    assert types.types["reconnection"].sla_hours == 8
    assert {t.code for t in types.for_channel("ivr")} == {"meter_dispute", "callback_request"}
    assert types.follow_up_days == 7


BOOK = """\
[calendar]
timezone = "Europe/Moscow"

[[types]]
code = "ok"
title = "Fine"
department = "dept_billing"
sla = { working_days = 1 }

[[types]]
code = "broken"
title = "Broken"
department = "{department}"
sla = {sla}
"""


@pytest.mark.parametrize(
    "department, sla, says",
    [
        ("dept_nowhere", "{ working_days = 1 }", "unknown department 'dept_nowhere'"),
        ("dept_billing", "{ days = 1 }", "sla must be"),
        ("dept_billing", "{ working_hours = 0 }", "sla.working_hours must be a whole number"),
    ],
)
def test_a_broken_type_names_the_file_the_type_and_the_line(
    tmp_path: Path, department: str, sla: str, says: str
) -> None:
    path = tmp_path / "types.toml"
    path.write_text(BOOK.replace("{department}", department).replace("{sla}", sla), encoding="utf-8")
    with pytest.raises(ApplicationTypesError) as caught:
        load_application_types(path, departments=DEPARTMENTS)
    assert f"{path}:11: type 'broken': " in str(caught.value)
    assert says in str(caught.value)


def test_a_bad_field_kind_and_bad_toml_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "types.toml"
    path.write_text(
        BOOK.replace("{department}", "dept_billing").replace("{sla}", "{ working_hours = 2 }")
        + '\n  [[types.fields]]\n  name = "n"\n  kind = "colour"\n',
        encoding="utf-8",
    )
    with pytest.raises(ApplicationTypesError, match=r"type 'broken': field 'n': kind must be one of"):
        load_application_types(path)
    path.write_text("[[types]\n", encoding="utf-8")
    with pytest.raises(ApplicationTypesError, match=r"types.toml:1: not valid TOML"):
        load_application_types(path)


def test_form_fields_are_typed_and_validated() -> None:
    types = load_application_types()
    dispute = types.types["meter_dispute"]
    values, errors = validate_fields(dispute, {"meter_number": " M-1 ", "reading": "12345", "extra": "dropped"})
    assert values == {"meter_number": "M-1", "reading": "12345"} and errors == {}
    _values, errors = validate_fields(dispute, {"reading": "12.5"})
    assert errors == {"reading": "not_an_integer"}
    _values, errors = validate_fields(dispute, {"reading": "-1", "meter_number": "x" * 33})
    assert errors == {"reading": "out_of_range", "meter_number": "too_long"}
    _values, errors = validate_fields(types.types["payment_plan"], {"months": "7"})
    assert errors == {"months": "not_an_option"}
    _values, errors = validate_fields(types.types["callback_request"], {"phone": "call me"})
    assert errors == {"phone": "not_a_phone"}


def test_the_public_form_limit_counts_per_address_and_per_account() -> None:
    limit = ApplyLimit(per_address=3, per_account=2)
    now = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    assert limit.allow(address="a", account="1", now=now)
    assert limit.allow(address="a", account="1", now=now)
    assert not limit.allow(address="a", account="1", now=now)  # the account's limit
    assert not limit.allow(address="b", account=" 1 ", now=now)  # from another address too
    assert limit.allow(address="a", account="2", now=now)
    assert not limit.allow(address="a", account="3", now=now)  # the address's limit
    assert limit.allow(address="a", account="1", now=now + timedelta(hours=1))  # an hour later
