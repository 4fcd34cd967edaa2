"""The `when` table of a rule: parsed once at load, evaluated per call as plain comparisons.

Every key is optional and all present keys must hold (AND). Keys:

    choice        = "billing" | ["billing", "meter"]  IVR choice is one of these
    identified    = true | false                      caller identified (segment known)
    segment       = "individual" | "organisation" (or a list)
    vip           = true | false
    min_debt      = 5000       debt in roubles >= this (kopecks allowed as decimals: 10.50)
    max_debt      = 5000       debt in roubles <  this
    language      = "en" | ["en", "de"]
    weekdays      = ["mon", "tue", "wed", "thu", "fri"]
    hours         = "09:00-18:00"  local time in [start, end); end <= start wraps past midnight
    min_waiting   = { billing = 10 }   each listed queue has at least this many callers waiting
    max_available = { billing = 0 }    each listed queue has at most this many free agents

An unknown key, a wrong type or an undeclared queue is a RuleSetError naming the rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import RuleSetError
from .values import SEGMENTS, CallFacts, QueueLoad

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
_EMPTY = QueueLoad()

CALL_KEYS = frozenset(
    {
        "choice",
        "identified",
        "segment",
        "vip",
        "min_debt",
        "max_debt",
        "language",
        "weekdays",
        "hours",
        "min_waiting",
        "max_available",
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CallConditions:
    choice: frozenset[str] | None = None
    identified: bool | None = None
    segment: frozenset[str] | None = None
    vip: bool | None = None
    min_debt_kop: int | None = None
    max_debt_kop: int | None = None
    language: frozenset[str] | None = None
    weekdays: frozenset[int] | None = None  # 0 = Monday, as datetime.weekday()
    hours: tuple[time, time] | None = None
    min_waiting: tuple[tuple[str, int], ...] = ()
    max_available: tuple[tuple[str, int], ...] = ()

    @property
    def is_catch_all(self) -> bool:
        return self == _CATCH_ALL

    def matches(self, facts: CallFacts, local: datetime) -> bool:
        """True when every condition holds; `local` is `facts.at` in the rule set's time zone."""
        if self.choice is not None and facts.choice not in self.choice:
            return False
        if self.identified is not None and (facts.segment is not None) != self.identified:
            return False
        if self.segment is not None and facts.segment not in self.segment:
            return False
        if self.vip is not None and facts.vip != self.vip:
            return False
        if self.min_debt_kop is not None and facts.debt_kop < self.min_debt_kop:
            return False
        if self.max_debt_kop is not None and facts.debt_kop >= self.max_debt_kop:
            return False
        if self.language is not None and facts.language not in self.language:
            return False
        if self.weekdays is not None and local.weekday() not in self.weekdays:
            return False
        if self.hours is not None and not _within(local.time(), *self.hours):
            return False
        for queue, minimum in self.min_waiting:
            if facts.load.get(queue, _EMPTY).waiting < minimum:
                return False
        for queue, maximum in self.max_available:
            if facts.load.get(queue, _EMPTY).available_agents > maximum:
                return False
        return True


_CATCH_ALL = CallConditions()


def _within(now: time, start: time, end: time) -> bool:
    if start < end:
        return start <= now < end
    return now >= start or now < end  # wraps past midnight (22:00-06:00)


class _Parser:
    """Turns one rule's `when` table into CallConditions, raising errors that name the rule."""

    def __init__(self, *, source: str, rule_id: str, queues: frozenset[str]) -> None:
        self.source = source
        self.rule_id = rule_id
        self.queues = queues

    def fail(self, message: str) -> RuleSetError:
        return RuleSetError(message, source=self.source, rule_id=self.rule_id)

    def strings(self, key: str, value: Any) -> frozenset[str]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items or not all(isinstance(v, str) and v for v in items):
            raise self.fail(f"'{key}' must be a non-empty string or list of strings, got {value!r}")
        return frozenset(items)

    def boolean(self, key: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self.fail(f"'{key}' must be true or false, got {value!r}")
        return value

    def roubles(self, key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.fail(f"'{key}' must be an amount in roubles, got {value!r}")
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            raise self.fail(f"'{key}' must be an amount in roubles, got {value!r}") from None
        if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
            raise self.fail(f"'{key}' must be a non-negative amount with at most 2 decimals")
        return int(amount * 100)

    def weekdays(self, value: Any) -> frozenset[int]:
        names = self.strings("weekdays", value)
        unknown = sorted(names - set(WEEKDAYS))
        if unknown:
            raise self.fail(f"unknown weekday(s) {unknown}; use {list(WEEKDAYS)}")
        return frozenset(WEEKDAYS.index(n) for n in names)

    def hours(self, value: Any) -> tuple[time, time]:
        match = _HOURS.match(value) if isinstance(value, str) else None
        if match is None:
            raise self.fail(f"'hours' must look like \"09:00-18:00\", got {value!r}")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if (h2, m2) > (24, 0):
            raise self.fail(f"'hours' end is past 24:00: {value!r}")
        start = time(h1, m1)
        end = time(0, 0) if h2 == 24 else time(h2, m2)
        if start == end and h2 != 24:
            raise self.fail(f"'hours' is an empty interval: {value!r}")
        return start, end

    def per_queue(self, key: str, value: Any) -> tuple[tuple[str, int], ...]:
        if not isinstance(value, Mapping) or not value:
            raise self.fail(f"'{key}' must be a table of queue = count, got {value!r}")
        out = []
        for queue, count in value.items():
            if queue not in self.queues:
                raise self.fail(f"'{key}' names unknown queue {queue!r}")
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise self.fail(f"'{key}.{queue}' must be a non-negative integer, got {count!r}")
            out.append((queue, count))
        return tuple(sorted(out))

    def parse(self, when: Any) -> CallConditions:
        if when is None:
            return _CATCH_ALL
        if not isinstance(when, Mapping):
            raise self.fail(f"'when' must be a table, got {when!r}")
        unknown = sorted(set(when) - CALL_KEYS)
        if unknown:
            raise self.fail(f"unknown condition(s) {unknown}; known: {sorted(CALL_KEYS)}")
        fields: dict[str, Any] = {}
        for key in ("choice", "language"):
            if key in when:
                fields[key] = self.strings(key, when[key])
        if "segment" in when:
            segments = self.strings("segment", when["segment"])
            if not segments <= SEGMENTS:
                raise self.fail(f"unknown segment(s) {sorted(segments - SEGMENTS)}")
            fields["segment"] = segments
        for key in ("identified", "vip"):
            if key in when:
                fields[key] = self.boolean(key, when[key])
        if "min_debt" in when:
            fields["min_debt_kop"] = self.roubles("min_debt", when["min_debt"])
        if "max_debt" in when:
            fields["max_debt_kop"] = self.roubles("max_debt", when["max_debt"])
        if "weekdays" in when:
            fields["weekdays"] = self.weekdays(when["weekdays"])
        if "hours" in when:
            fields["hours"] = self.hours(when["hours"])
        for key in ("min_waiting", "max_available"):
            if key in when:
                fields[key] = self.per_queue(key, when[key])
        conditions = CallConditions(**fields)
        low, high = conditions.min_debt_kop, conditions.max_debt_kop
        if low is not None and high is not None and low >= high:
            raise self.fail("'min_debt' must be below 'max_debt': the rule could never match")
        return conditions


def parse_call_conditions(when: Any, *, source: str, rule_id: str, queues: frozenset[str]) -> CallConditions:
    return _Parser(source=source, rule_id=rule_id, queues=queues).parse(when)
