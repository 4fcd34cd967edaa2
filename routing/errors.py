"""The routing package's exception family."""

from __future__ import annotations


class RoutingError(Exception):
    """Base class of every error raised by routing/."""


class RuleSetError(RoutingError):
    """A rule file cannot be used: unknown queue, malformed condition, duplicate id, …

    `rule_id` names the offending rule (None when the problem is not in one rule), so the message an
    administrator sees points at the line to fix.
    """

    def __init__(self, message: str, *, source: str = "", rule_id: str | None = None) -> None:
        where = f"{source}: " if source else ""
        rule = f"rule {rule_id!r}: " if rule_id else ""
        super().__init__(f"{where}{rule}{message}")
        self.source = source
        self.rule_id = rule_id
