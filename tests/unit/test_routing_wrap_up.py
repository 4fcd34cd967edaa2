"""Per-queue after-call work in the rule file: read, defaulted, and refused with the file, queue and line."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from routing import NO_WRAP_UP, RuleSetError, WrapUp, default_rules, load_rules, parse_rules

BASE: dict[str, Any] = {
    "queues": {"support": "Support", "billing": {"title": "Billing", "wrap_up_seconds": 30, "require_result": True}},
    "default": {"queue": "support", "priority": 0, "reason": "default"},
}


def with_billing(**spec: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data["queues"]["billing"] = {"title": "Billing", **spec}
    return data


def test_a_queue_table_sets_its_wrap_up_and_keeps_its_title() -> None:
    rules = parse_rules(BASE)
    assert rules.queues == {"support": "Support", "billing": "Billing"}
    assert rules.wrap_up_for("billing") == WrapUp(seconds=30, require_result=True)


@pytest.mark.parametrize("queue", ["support", None, "nowhere"])
def test_a_queue_without_settings_or_no_queue_has_no_wrap_up(queue: str | None) -> None:
    assert parse_rules(BASE).wrap_up_for(queue) == NO_WRAP_UP


def test_the_shipped_rules_give_every_queue_a_wrap_up() -> None:
    rules = default_rules()
    assert all(rules.wrap_up_for(q).seconds > 0 for q in rules.queues)
    assert rules.wrap_up_for("debt").require_result


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"wrap_up_seconds": -1}, "[queues] billing: wrap_up_seconds must be an integer 0..3600, got -1"),
        ({"wrap_up_seconds": 7200}, "wrap_up_seconds must be an integer 0..3600"),
        ({"wrap_up_seconds": "30"}, "wrap_up_seconds must be an integer"),
        ({"wrap_up_seconds": True}, "wrap_up_seconds must be an integer"),
        ({"require_result": "yes"}, "[queues] billing: require_result must be true or false"),
        ({"wrapup": 5}, "[queues] billing: unknown key(s) ['wrapup']"),
        ({"title": 5}, "[queues] billing: title must be a string"),
    ],
)
def test_a_broken_wrap_up_is_refused_naming_the_queue(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(RuleSetError) as raised:
        parse_rules(with_billing(**spec), source="rules.toml")
    assert str(raised.value).startswith("rules.toml: ")
    assert message in str(raised.value)


def test_a_broken_wrap_up_in_a_file_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        "\n".join(
            [
                "[queues]",
                'support = "Support"',
                "# billing is slow",
                'billing = { title = "Billing", wrap_up_seconds = -5 }',
                "",
                "[default]",
                'queue = "support"',
                'reason = "default"',
            ]
        ),
        encoding="utf-8",
    )
    with pytest.raises(RuleSetError) as raised:
        load_rules(path)
    assert str(raised.value).startswith(f"{path}:4: [queues] billing: wrap_up_seconds")
