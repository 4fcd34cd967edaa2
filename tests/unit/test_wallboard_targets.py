"""The wallboard's per-queue targets in the routing rules: defaulted, read from either way of writing a queue,
and refused with the file, queue and line."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from routing import DEFAULT_TARGETS, QueueTargets, RuleSetError, default_rules, load_rules, parse_rules

BASE: dict[str, Any] = {
    "queues": {"support": "Support", "billing": {"title": "Billing", "wrap_up_seconds": 30}},
    "default": {"queue": "support", "priority": 0, "reason": "default"},
}


def with_billing(**spec: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data["queues"]["billing"] = {"title": "Billing", **spec}
    return data


@pytest.mark.parametrize("queue", ["support", "billing", None, "nowhere"])
def test_a_queue_that_sets_no_target_has_the_defaults(queue: str | None) -> None:
    rules = parse_rules(BASE)
    assert rules.targets_for(queue) == DEFAULT_TARGETS
    assert DEFAULT_TARGETS.service_level_seconds == 20
    assert rules.service_levels == {}


def test_a_queue_sets_some_targets_and_keeps_the_defaults_of_the_others() -> None:
    rules = parse_rules(
        with_billing(
            wrap_up_seconds=30, service_level_seconds=30, longest_wait_seconds=[45, 90], abandoned_pct=[2, 4.5]
        )
    )
    assert rules.targets_for("billing") == QueueTargets(
        service_level_seconds=30, longest_wait_seconds=(45.0, 90.0), abandoned_pct=(2.0, 4.5)
    )
    assert rules.wrap_up_for("billing").seconds == 30  # the queue's other settings stay
    assert rules.service_levels == {"billing": 30}


def test_the_shipped_rules_give_vip_callers_a_stricter_service_level() -> None:
    rules = default_rules()
    assert rules.targets_for("vip").service_level_seconds == 15
    assert rules.targets_for("vip").service_level_pct == (90.0, 85.0)
    assert rules.targets_for("support") == DEFAULT_TARGETS


def test_the_targets_are_sent_as_json_pairs() -> None:
    assert DEFAULT_TARGETS.to_json() == {
        "service_level_seconds": 20,
        "service_level_pct": [85.0, 80.0],
        "longest_wait_seconds": [30.0, 60.0],
        "abandoned_pct": [5.0, 10.0],
        "waiting_calls": [3.0, 6.0],
    }


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"service_level_seconds": 0}, "service_level_seconds must be an integer 1..3600"),
        ({"service_level_seconds": "20"}, "service_level_seconds must be an integer"),
        ({"service_level_seconds": True}, "service_level_seconds must be an integer"),
        ({"longest_wait_seconds": 30}, "longest_wait_seconds must be [warn, alert]"),
        ({"longest_wait_seconds": [30, 60, 90]}, "longest_wait_seconds must be [warn, alert]"),
        ({"waiting_calls": [-1, 3]}, "waiting_calls must be [warn, alert]"),
        ({"abandoned_pct": [10, 5]}, "abandoned_pct is [warn, alert] with warn <= alert"),
        ({"service_level_pct": [80, 85]}, "service_level_pct is [warn, alert] in % with alert <= warn <= 100"),
        ({"service_level_pct": [120, 85]}, "alert <= warn <= 100"),
        ({"service_level": 20}, "unknown key(s) ['service_level']"),
    ],
)
def test_a_broken_target_is_refused_naming_the_queue(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(RuleSetError) as raised:
        parse_rules(with_billing(**spec), source="rules.toml")
    assert str(raised.value).startswith("rules.toml: [queues] billing: ")
    assert message in str(raised.value)


def write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text("\n".join([*lines, "", "[default]", 'queue = "support"', 'reason = "default"']), encoding="utf-8")
    return path


def test_a_queue_written_as_a_table_of_its_own_carries_targets_and_errors_name_the_key_line(tmp_path: Path) -> None:
    vip = ["[queues]", 'support = "Support"', "", "[queues.vip]", 'title = "VIP"']
    ok = write(tmp_path, [*vip, "waiting_calls = [1, 2]"])
    assert load_rules(ok).targets_for("vip").waiting_calls == (1.0, 2.0)

    broken = write(tmp_path, [*vip, "waiting_calls = [2, 1]"])
    with pytest.raises(RuleSetError) as raised:
        load_rules(broken)
    assert str(raised.value).startswith(f"{broken}:6: [queues] vip: waiting_calls")


def test_an_inline_queue_with_a_broken_target_names_the_queue_line(tmp_path: Path) -> None:
    path = write(tmp_path, ["[queues]", 'support = "Support"', 'vip = { title = "VIP", abandoned_pct = [9, 3] }'])
    with pytest.raises(RuleSetError) as raised:
        load_rules(path)
    assert str(raised.value).startswith(f"{path}:3: [queues] vip: abandoned_pct")
