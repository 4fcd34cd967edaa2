"""A broken rule file is refused at load, with a message naming the rule; evaluation order is file order."""

from __future__ import annotations

import copy
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from routing import CallFacts, RuleSetError, load_rules, parse_rules, route_call

BASE: dict[str, Any] = {
    "timezone": "Europe/Moscow",
    "queues": {"support": "Support", "billing": "Billing"},
    "default": {"queue": "support", "priority": 0, "reason": "default"},
    "rules": [
        {
            "id": "billing",
            "queue": "billing",
            "priority": 1,
            "reason": "bills",
            "when": {"choice": "billing"},
        },
    ],
}


def with_rule(**rule: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data["rules"].append({"id": "bad", "queue": "support", "reason": "r", **rule})
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (with_rule(queue="nowhere"), "rule 'bad': unknown queue 'nowhere'"),
        (with_rule(when={"colour": "red"}), "rule 'bad': unknown condition(s) ['colour']"),
        (with_rule(when={"vip": "yes"}), "rule 'bad': 'vip' must be true or false"),
        (with_rule(when={"min_debt": -5}), "rule 'bad': 'min_debt' must be a non-negative"),
        (with_rule(when={"min_debt": 100, "max_debt": 50}), "rule 'bad': 'min_debt' must be below"),
        (with_rule(when={"hours": "9-18"}), "rule 'bad': 'hours' must look like"),
        (with_rule(when={"hours": "25:00-26:00"}), "rule 'bad': 'hours' must look like"),
        (with_rule(when={"weekdays": ["monday"]}), "rule 'bad': unknown weekday(s) ['monday']"),
        (with_rule(when={"segment": "pensioner"}), "rule 'bad': unknown segment(s)"),
        (
            with_rule(when={"min_waiting": {"sales": 3}}),
            "rule 'bad': 'min_waiting' names unknown queue",
        ),
        (with_rule(when={"max_available": {"billing": -1}}), "rule 'bad': 'max_available.billing'"),
        (with_rule(when="vip"), "rule 'bad': 'when' must be a table"),
        (with_rule(priority=1000), "rule 'bad': priority must be an integer 0..100"),
        (with_rule(reason=""), "rule 'bad': reason must be a non-empty string"),
        (with_rule(colour="red"), "rule 'bad': unknown key(s) ['colour']"),
        (with_rule(id="billing"), "rule 'billing': duplicate id"),
        ({**BASE, "default": {"queue": "sales", "reason": "x"}}, "unknown queue 'sales'"),
        ({k: v for k, v in BASE.items() if k != "default"}, "[default] is required"),
        ({**BASE, "queues": {}}, "[queues] must be a non-empty table"),
        ({**BASE, "timezone": "Mars/Olympus"}, "unknown timezone"),
        ({**BASE, "colour": 1}, "unknown top-level key(s) ['colour']"),
        (
            {**BASE, "rules": [{"id": "all", "queue": "support", "reason": "x"}, *BASE["rules"]]},
            "rule 'billing': unreachable: rule 'all' before it matches every call",
        ),
        (
            {
                **BASE,
                "departments": {"metering": "M"},
                "application_default": {"queue": "metering", "reason": "m"},
                "applications": [{"id": "app", "queue": "billing", "reason": "x"}],
            },
            "rule 'app': unknown queue 'billing'",
        ),
        (
            {
                **BASE,
                "departments": {"metering": "M"},
                "application_types": {"meter_dispute": {"title": "x", "sla_hours": 24}},
                "application_default": {"queue": "metering", "reason": "m"},
                "applications": [
                    {
                        "id": "app",
                        "queue": "metering",
                        "reason": "x",
                        "when": {"type": "meter_dispoot"},
                    }
                ],
            },
            "rule 'app': unknown application type(s) ['meter_dispoot']",
        ),
    ],
)
def test_broken_rule_set_is_rejected_naming_the_rule(data: dict[str, Any], message: str) -> None:
    with pytest.raises(RuleSetError) as raised:
        parse_rules(data, source="rules.toml")
    assert message in str(raised.value)
    assert str(raised.value).startswith("rules.toml: ")


def test_first_matching_rule_wins_in_file_order() -> None:
    data = copy.deepcopy(BASE)
    data["rules"].append(
        {
            "id": "later",
            "queue": "support",
            "priority": 9,
            "reason": "later",
            "when": {"choice": "billing"},
        }
    )
    rules = parse_rules(data)
    decision = route_call(rules, CallFacts(at=datetime(2026, 1, 5, 12, tzinfo=ZoneInfo("UTC")), choice="billing"))
    assert decision.rule_id == "billing"


def test_hours_ending_at_midnight_cover_the_evening() -> None:
    rules = parse_rules(with_rule(when={"hours": "18:00-24:00"}, queue="billing"))
    msk = ZoneInfo("Europe/Moscow")
    late = route_call(rules, CallFacts(at=datetime(2026, 1, 5, 23, 59, tzinfo=msk)))
    early = route_call(rules, CallFacts(at=datetime(2026, 1, 5, 0, 1, tzinfo=msk)))
    assert (late.rule_id, early.rule_id) == ("bad", "default")


def test_rule_file_errors_name_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "rules.toml"
    broken.write_text('queues = { support = "S" }\n[default\n', encoding="utf-8")
    with pytest.raises(RuleSetError, match=r"rules.toml:2: not valid TOML"):
        load_rules(broken)
    with pytest.raises(RuleSetError, match="cannot read"):
        load_rules(tmp_path / "missing.toml")


def test_rule_file_loads_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        'timezone = "UTC"\n[queues]\nsupport = "S"\n[default]\nqueue = "support"\nreason = "only queue"\n',
        encoding="utf-8",
    )
    rules = load_rules(path)
    assert rules.default.queue == "support"
    assert rules.route_application("complaint", "x").queue == "support"
