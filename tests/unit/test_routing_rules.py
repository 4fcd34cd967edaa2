"""Call and application routing with the shipped rule set, as tables of facts -> decision."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from routing import CallFacts, QueueLoad, default_rules, route_application, route_call

MSK = ZoneInfo("Europe/Moscow")
RULES = default_rules()
MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=MSK)  # a Monday
SATURDAY_NOON = datetime(2026, 11, 28, 12, 0, tzinfo=MSK)


def facts(**kw: object) -> CallFacts:
    kw.setdefault("at", MONDAY_NOON)
    kw.setdefault("segment", "individual")
    return CallFacts(**kw)  # type: ignore[arg-type]


BUSY_BILLING = {"billing": QueueLoad(waiting=7, available_agents=0)}


@pytest.mark.parametrize(
    ("given", "queue", "priority", "rule_id"),
    [
        (facts(choice="billing"), "billing", 1, "billing"),
        (facts(choice="meter"), "meter", 1, "meter"),
        (facts(choice="debt"), "debt", 2, "debt-choice"),
        (facts(choice="general"), "support", 0, "default"),
        (facts(choice=None), "support", 0, "default"),
        # VIP beats everything, organisation beats debt and choices
        (facts(choice="billing", vip=True, debt_kop=5_000_000), "vip", 10, "vip"),
        (facts(choice="meter", segment="organisation"), "business", 5, "business"),
        (facts(choice="billing", segment="organisation", vip=True), "vip", 10, "vip"),
        # debt thresholds: 10 000 roubles inclusive
        (facts(choice="billing", debt_kop=1_000_000), "debt", 3, "large-debt"),
        (facts(choice="billing", debt_kop=999_999), "billing", 1, "billing"),
        # language
        (facts(choice="billing", language="en"), "support", 2, "english"),
        # time of day and weekday (Moscow time, whatever the zone of `at`)
        (
            facts(choice="billing", at=datetime(2026, 11, 23, 20, 0, tzinfo=MSK)),
            "support",
            0,
            "night",
        ),
        (
            facts(choice="billing", at=datetime(2026, 11, 23, 7, 59, tzinfo=MSK)),
            "support",
            0,
            "night",
        ),
        (
            facts(choice="billing", at=datetime(2026, 11, 23, 8, 0, tzinfo=MSK)),
            "billing",
            1,
            "billing",
        ),
        (
            facts(choice="billing", at=datetime(2026, 11, 23, 17, 30, tzinfo=ZoneInfo("UTC"))),
            "support",
            0,
            "night",
        ),  # 17:30 UTC is 20:30 in Moscow
        (facts(choice="billing", at=SATURDAY_NOON), "support", 0, "weekend"),
        (facts(choice="billing", vip=True, at=SATURDAY_NOON), "vip", 10, "vip"),
        # queue load: overflow only when no free agent AND 5+ waiting
        (facts(choice="billing", load=BUSY_BILLING), "support", 1, "billing-overflow"),
        (
            facts(choice="billing", load={"billing": QueueLoad(waiting=7, available_agents=1)}),
            "billing",
            1,
            "billing",
        ),
        (
            facts(choice="billing", load={"billing": QueueLoad(waiting=4, available_agents=0)}),
            "billing",
            1,
            "billing",
        ),
        # unidentified callers
        (facts(choice="general", segment=None), "support", 0, "unidentified"),
        (facts(choice="meter", segment=None), "meter", 1, "meter"),
    ],
)
def test_call_goes_to_the_first_matching_rule(given: CallFacts, queue: str, priority: int, rule_id: str) -> None:
    decision = route_call(RULES, given)
    assert (decision.queue, decision.priority, decision.rule_id) == (queue, priority, rule_id)
    assert decision.reason


@pytest.mark.parametrize(
    ("app_type", "region", "queue", "rule_id"),
    [
        ("reconnection", "Калининградская область", "dept_field", "reconnection-kaliningrad"),
        ("reconnection", "Москва", "dept_field", "reconnection"),
        ("meter_dispute", "Москва", "dept_metering", "metering"),
        ("meter_replacement", "", "dept_metering", "metering"),
        ("payment_plan", "", "dept_debt", "payment-plan"),
        ("recalculation", "Татарстан", "dept_billing", "recalculation"),
        ("complaint", "Калининградская область", "dept_quality", "complaint"),
        ("something-new", "Москва", "dept_billing", "default"),
    ],
)
def test_application_goes_to_its_department(app_type: str, region: str, queue: str, rule_id: str) -> None:
    decision = route_application(RULES, app_type, region)
    assert (decision.queue, decision.rule_id) == (queue, rule_id)


def test_decision_reason_is_the_rules_reason() -> None:
    decision = route_call(RULES, facts(choice="billing", vip=True))
    assert decision.reason == "VIP-клиент"


def test_application_types_carry_their_sla() -> None:
    assert RULES.application_types["reconnection"].sla_hours == 24


def test_kaliningrad_reconnection_is_booked_first() -> None:
    local = route_application(RULES, "reconnection", "Калининградская область")
    elsewhere = route_application(RULES, "reconnection", "Москва")
    assert local.priority > elsewhere.priority


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        CallFacts(at=datetime(2026, 11, 23, 12, 0))
