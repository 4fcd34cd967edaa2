"""Rule sets: loaded from TOML (or any mapping), validated, then evaluated as pure functions.

Evaluation order is the order of the file: **the first rule whose conditions all hold wins**; when no
rule matches, the `[default]` decision applies (its rule_id is "default"). A rule without `when`
matches everything, so any rule after it could never fire and the file is rejected.

File layout (see default_rules.toml for a full example):

    timezone = "Europe/Moscow"                 # where "hours" and "weekdays" are read

    [queues]                                   # call queues: name = title, or a table with after-call work
    support = "General questions"
    billing = { title = "Billing", wrap_up_seconds = 30, require_result = true }
                                               # wrap_up_seconds: the PBX offers the operator no call that
                                               # long after a call ends (0..3600, default 0 = none);
                                               # require_result: the card needs a result before the next call
    [queues.vip]                               # the same as a table of its own, with the wallboard's targets
    title = "VIP"
    service_level_seconds = 15                 # answered within this wait counts for the service level (20)
    service_level_pct = [90, 85]               # [warn, alert]: amber below 90 %, red below 85 % ([85, 80])
    longest_wait_seconds = [20, 40]            # amber from 20 s of the longest wait, red from 40 s ([30, 60])
    abandoned_pct = [3, 6]                     # abandoned calls, % of offered ([5, 10])
    waiting_calls = [2, 4]                     # callers waiting now ([3, 6])

    [default]                                  # when no call rule matches
    queue = "support"
    priority = 0
    reason = "Default queue"

    [[rules]]                                  # call rules, first match wins
    id = "vip"
    queue = "vip"
    priority = 10                              # Asterisk QUEUE_PRIO: higher is served sooner
    reason = "VIP customer"
    when = { vip = true }                      # see conditions.py for every key

    [departments]                              # application department queues: name = title
    metering = "Metering department"

    [application_types]                        # type = { title, sla_hours }
    meter_dispute = { title = "Meter reading dispute", sla_hours = 72 }

    [application_default]                      # when no application rule matches
    queue = "general"
    reason = "Default department"

    [[applications]]                           # application rules, first match wins
    id = "meter-dispute"
    queue = "metering"
    reason = "Meter reading disputes go to metering"
    when = { type = "meter_dispute", region = ["moscow"] }
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .book import Book, load_book, read_book
from .conditions import CallConditions, parse_call_conditions
from .errors import RuleSetError
from .values import DEFAULT_TARGETS, NO_WRAP_UP, CallFacts, QueueTargets, RoutingDecision, WrapUp

DEFAULT_RULE_ID = "default"
DEFAULT_FILE = "default_rules.toml"
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")  # Asterisk queue names stay simple
_RULE_KEYS = frozenset({"id", "queue", "priority", "reason", "when"})
_APP_WHEN_KEYS = frozenset({"type", "region"})
_TARGET_PAIRS = ("service_level_pct", "longest_wait_seconds", "abandoned_pct", "waiting_calls")
_TARGET_KEYS = frozenset({"service_level_seconds", *_TARGET_PAIRS})
_QUEUE_KEYS = frozenset({"title", "wrap_up_seconds", "require_result"}) | _TARGET_KEYS
MAX_SERVICE_LEVEL_S = 3600
MAX_WRAP_UP_S = 3600
_TOP_KEYS = frozenset(
    {
        "timezone",
        "queues",
        "default",
        "rules",
        "departments",
        "application_types",
        "application_default",
        "applications",
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CallRule:
    id: str
    queue: str
    priority: int
    reason: str
    when: CallConditions

    def decision(self) -> RoutingDecision:
        return RoutingDecision(queue=self.queue, priority=self.priority, reason=self.reason, rule_id=self.id)


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplicationRule:
    id: str
    queue: str
    priority: int
    reason: str
    types: frozenset[str] | None
    regions: frozenset[str] | None

    def matches(self, app_type: str, region: str) -> bool:
        return (self.types is None or app_type in self.types) and (self.regions is None or region in self.regions)

    def decision(self) -> RoutingDecision:
        return RoutingDecision(queue=self.queue, priority=self.priority, reason=self.reason, rule_id=self.id)


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplicationType:
    name: str
    title: str
    sla_hours: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleSet:
    timezone: ZoneInfo
    queues: Mapping[str, str]  # call queue name -> title
    departments: Mapping[str, str]  # department queue name -> title
    application_types: Mapping[str, ApplicationType]
    rules: tuple[CallRule, ...]
    default: RoutingDecision
    application_rules: tuple[ApplicationRule, ...]
    application_default: RoutingDecision
    wrap_up: Mapping[str, WrapUp] = field(default_factory=dict)  # call queue name -> after-call work
    targets: Mapping[str, QueueTargets] = field(default_factory=dict)  # call queue name -> wallboard targets

    def targets_for(self, queue: str | None) -> QueueTargets:
        """The wallboard's targets of a queue (the defaults for a queue that sets none, or an unknown one)."""
        return self.targets.get(queue or "", DEFAULT_TARGETS)

    @property
    def service_levels(self) -> dict[str, int]:
        """Queue -> service-level threshold in seconds, for the queues that set their own."""
        return {q: t.service_level_seconds for q, t in self.targets.items()}

    def wrap_up_for(self, queue: str | None) -> WrapUp:
        """The after-call work of a queue; none for a call that came through no queue (or an unknown one)."""
        return self.wrap_up.get(queue or "", NO_WRAP_UP)

    def route_call(self, facts: CallFacts) -> RoutingDecision:
        return route_call(self, facts)

    def route_application(self, app_type: str, region: str) -> RoutingDecision:
        return route_application(self, app_type, region)


def route_call(rules: RuleSet, facts: CallFacts) -> RoutingDecision:
    """The queue and priority of a call: the first matching rule, else the default."""
    local = facts.at.astimezone(rules.timezone)
    for rule in rules.rules:
        if rule.when.matches(facts, local):
            return rule.decision()
    return rules.default


def route_application(rules: RuleSet, app_type: str, region: str) -> RoutingDecision:
    """The department queue of an application from its type and the account's region."""
    for rule in rules.application_rules:
        if rule.matches(app_type, region):
            return rule.decision()
    return rules.application_default


# --------------------------------------------------------------------------- loading


def load_rules(path: str | Path | None = None) -> RuleSet:
    """Read and validate a TOML rule file (the shipped default_rules.toml when `path` is None); every
    problem is a RuleSetError naming the file, the rule and its line."""
    book = load_book(path, package="routing", default=DEFAULT_FILE, error=RuleSetError)
    return _Loader(book.source, book).load(book.data)


def rules_from_text(text: str, source: str) -> RuleSet:
    """Validate a rule file's text (an upload in the admin console); errors name `source` and the line."""
    book = read_book(text, source, RuleSetError)
    return _Loader(book.source, book).load(book.data)


def default_rules() -> RuleSet:
    """The rule set shipped with ccdesk (routing/default_rules.toml)."""
    return load_rules(None)


def parse_rules(data: Mapping[str, Any], *, source: str = "") -> RuleSet:
    return _Loader(source).load(data)


def _line_of(text: str, table: str, key: str) -> int | None:
    """The line of `key = …` inside `[table]` (tomllib keeps no positions); None when not found."""
    inside = False
    key_line = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"^\s*\[([^\[\]]+)\]\s*(?:#.*)?$", line)
        if header:
            inside = header.group(1).strip() == table
        elif inside and key_line.match(line):
            return number
    return None


class _Loader:
    def __init__(self, source: str, book: Book | None = None) -> None:
        self.source = source
        self.book = book  # the text, when there is one: errors then name the rule's line

    def where(self, rule_id: str | None) -> str:
        """The file, and the rule's line in it when the text is known."""
        if self.book is None or rule_id is None:
            return self.source
        return self.book.at(self.book.line_of_key("id", rule_id) or self.book.line_of_table(rule_id))

    def fail(self, message: str, rule_id: str | None = None) -> RuleSetError:
        return RuleSetError(message, source=self.where(rule_id), rule_id=rule_id)

    def fail_at(self, table: str, key: str, message: str) -> RuleSetError:
        """An error about `key = …` inside `[table]` (a queue's settings), naming its line when known."""
        line = _line_of(self.book.text, table, key) if self.book is not None else None
        return RuleSetError(message, source=self.book.at(line) if self.book is not None else self.source)

    def load(self, data: Mapping[str, Any]) -> RuleSet:
        unknown = sorted(set(data) - _TOP_KEYS)
        if unknown:
            raise self.fail(f"unknown top-level key(s) {unknown}; known: {sorted(_TOP_KEYS)}")
        tz_name = data.get("timezone", "Europe/Moscow")
        try:
            timezone = ZoneInfo(tz_name) if isinstance(tz_name, str) else None
        except (ZoneInfoNotFoundError, ValueError):
            timezone = None
        if timezone is None:
            raise self.fail(f"unknown timezone {tz_name!r}")
        queues, wrap_up, targets = self.queues(data.get("queues"))
        departments = self.names("departments", data.get("departments"), required=False)
        types = self.app_types(data.get("application_types", {}))
        qset = frozenset(queues)
        rules = self.call_rules(data.get("rules", []), qset)
        default = self.fallback("default", data.get("default"), qset)
        dset = frozenset(departments)
        app_rules = self.app_rules(data.get("applications", []), dset, frozenset(types))
        if app_rules or "application_default" in data:
            app_default = self.fallback("application_default", data.get("application_default"), dset)
        else:  # a file that only routes calls
            app_default = RoutingDecision(
                queue=default.queue, priority=0, reason=default.reason, rule_id=DEFAULT_RULE_ID
            )
        return RuleSet(
            timezone=timezone,
            queues=queues,
            departments=departments,
            application_types=types,
            rules=rules,
            default=default,
            application_rules=app_rules,
            application_default=app_default,
            wrap_up=wrap_up,
            targets=targets,
        )

    def queues(self, table: Any) -> tuple[dict[str, str], dict[str, WrapUp], dict[str, QueueTargets]]:
        """[queues]: name = title, or name = { title, wrap_up_seconds, require_result, wallboard targets }."""
        if not isinstance(table, Mapping) or not table:
            raise self.fail("[queues] must be a non-empty table of name = title")
        titles: dict[str, str] = {}
        wrap_up: dict[str, WrapUp] = {}
        targets: dict[str, QueueTargets] = {}
        for name, spec in table.items():
            if isinstance(spec, Mapping):
                titles[name] = spec.get("title", name)
                wrap_up[name] = self.queue_wrap_up(name, spec)
                if _TARGET_KEYS & set(spec):
                    targets[name] = self.queue_targets(name, spec)
            else:
                titles[name] = spec
        return self.names("queues", titles), wrap_up, targets

    def queue_targets(self, name: str, spec: Mapping[str, Any]) -> QueueTargets:
        """The wallboard's targets of one queue: each key optional, the rest from the defaults."""

        def fail(message: str, key: str) -> RuleSetError:
            # The key's own line in a [queues.<name>] table, else the queue's line in [queues].
            text = self.book.text if self.book is not None else ""
            table, at = (f"queues.{name}", key) if _line_of(text, f"queues.{name}", key) else ("queues", name)
            return self.fail_at(table, at, f"[queues] {name}: {message}")

        values: dict[str, Any] = {}
        if "service_level_seconds" in spec:
            seconds = spec["service_level_seconds"]
            if isinstance(seconds, bool) or not isinstance(seconds, int) or not 1 <= seconds <= MAX_SERVICE_LEVEL_S:
                raise fail(
                    f"service_level_seconds must be an integer 1..{MAX_SERVICE_LEVEL_S}, got {seconds!r}",
                    "service_level_seconds",
                )
            values["service_level_seconds"] = seconds
        for key in _TARGET_PAIRS:
            if key not in spec:
                continue
            pair = spec[key]
            numbers = isinstance(pair, list) and len(pair) == 2
            numbers = numbers and all(isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in pair)
            if not numbers:
                raise fail(f"{key} must be [warn, alert], two numbers from 0, got {pair!r}", key)
            warn, alert = float(pair[0]), float(pair[1])
            lower_is_worse = key == "service_level_pct"
            if lower_is_worse and not (alert <= warn <= 100):
                raise fail(f"{key} is [warn, alert] in % with alert <= warn <= 100, got {pair!r}", key)
            if not lower_is_worse and alert < warn:
                raise fail(f"{key} is [warn, alert] with warn <= alert, got {pair!r}", key)
            values[key] = (warn, alert)
        return QueueTargets(**values)

    def queue_wrap_up(self, name: str, spec: Mapping[str, Any]) -> WrapUp:
        def fail(message: str) -> RuleSetError:
            return self.fail_at("queues", name, f"[queues] {name}: {message}")

        extra = sorted(set(spec) - _QUEUE_KEYS)
        if extra:
            raise fail(f"unknown key(s) {extra}; known: {sorted(_QUEUE_KEYS)}")
        seconds = spec.get("wrap_up_seconds", 0)
        if isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 <= seconds <= MAX_WRAP_UP_S:
            raise fail(f"wrap_up_seconds must be an integer 0..{MAX_WRAP_UP_S}, got {seconds!r}")
        require_result = spec.get("require_result", False)
        if not isinstance(require_result, bool):
            raise fail(f"require_result must be true or false, got {require_result!r}")
        return WrapUp(seconds=seconds, require_result=require_result)

    def names(self, key: str, table: Any, *, required: bool = True) -> dict[str, str]:
        if table is None and not required:
            return {}
        if not isinstance(table, Mapping) or not table:
            raise self.fail(f"[{key}] must be a non-empty table of name = title")
        for name, title in table.items():
            if not _NAME.match(name):
                raise self.fail(f"[{key}] name {name!r} has characters Asterisk will not accept")
            if not isinstance(title, str):
                raise self.fail(f"[{key}] {name}: title must be a string")
        return dict(table)

    def app_types(self, table: Any) -> dict[str, ApplicationType]:
        if not isinstance(table, Mapping):
            raise self.fail("[application_types] must be a table")
        out = {}
        for name, spec in table.items():
            if not isinstance(spec, Mapping) or set(spec) - {"title", "sla_hours"}:
                raise self.fail(f"application type {name!r} must be {{ title, sla_hours }}")
            sla = spec.get("sla_hours", 72)
            if isinstance(sla, bool) or not isinstance(sla, int) or sla <= 0:
                raise self.fail(f"application type {name!r}: sla_hours must be a positive integer")
            out[name] = ApplicationType(name=name, title=str(spec.get("title", name)), sla_hours=sla)
        return out

    def header(
        self, kind: str, raw: Any, index: int, known: frozenset[str], seen: set[str]
    ) -> tuple[str, str, int, str]:
        if not isinstance(raw, Mapping):
            raise self.fail(f"{kind} #{index + 1} must be a table")
        rule_id = raw.get("id")
        if not isinstance(rule_id, str) or not _ID.match(rule_id) or rule_id == DEFAULT_RULE_ID:
            raise self.fail(f"{kind} #{index + 1} needs an id of [a-z0-9_-] (not 'default')")
        if rule_id in seen:
            raise self.fail("duplicate id", rule_id)
        seen.add(rule_id)
        extra = sorted(set(raw) - _RULE_KEYS)
        if extra:
            raise self.fail(f"unknown key(s) {extra}; known: {sorted(_RULE_KEYS)}", rule_id)
        return (rule_id, *self.target(raw, known, rule_id))

    def target(self, raw: Mapping[str, Any], known: frozenset[str], rule_id: str) -> tuple[str, int, str]:
        queue = raw.get("queue")
        if queue not in known:
            raise self.fail(f"unknown queue {queue!r}; declared: {sorted(known)}", rule_id)
        priority = raw.get("priority", 0)
        if isinstance(priority, bool) or not isinstance(priority, int) or not 0 <= priority <= 100:
            raise self.fail(f"priority must be an integer 0..100, got {priority!r}", rule_id)
        reason = raw.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise self.fail("reason must be a non-empty string (it is shown on the call card)", rule_id)
        return queue, priority, reason

    def call_rules(self, raw_rules: Any, queues: frozenset[str]) -> tuple[CallRule, ...]:
        if not isinstance(raw_rules, list):
            raise self.fail("[[rules]] must be an array of tables")
        seen: set[str] = set()
        out: list[CallRule] = []
        for index, raw in enumerate(raw_rules):
            rule_id, queue, priority, reason = self.header("rule", raw, index, queues, seen)
            if out and out[-1].when.is_catch_all:
                raise self.fail(f"unreachable: rule {out[-1].id!r} before it matches every call", rule_id)
            when = parse_call_conditions(raw.get("when"), source=self.where(rule_id), rule_id=rule_id, queues=queues)
            out.append(CallRule(id=rule_id, queue=queue, priority=priority, reason=reason, when=when))
        return tuple(out)

    def app_rules(
        self, raw_rules: Any, departments: frozenset[str], types: frozenset[str]
    ) -> tuple[ApplicationRule, ...]:
        if not isinstance(raw_rules, list):
            raise self.fail("[[applications]] must be an array of tables")
        seen: set[str] = set()
        out: list[ApplicationRule] = []
        for index, raw in enumerate(raw_rules):
            rule_id, queue, priority, reason = self.header("application rule", raw, index, departments, seen)
            if out and out[-1].types is None and out[-1].regions is None:
                raise self.fail(f"unreachable: rule {out[-1].id!r} before it matches everything", rule_id)
            when = raw.get("when", {})
            if not isinstance(when, Mapping) or set(when) - _APP_WHEN_KEYS:
                raise self.fail(f"'when' may only hold {sorted(_APP_WHEN_KEYS)}", rule_id)
            app_types = self.strings(when, "type", rule_id)
            if app_types is not None and types and not app_types <= types:
                raise self.fail(f"unknown application type(s) {sorted(app_types - types)}", rule_id)
            regions = self.strings(when, "region", rule_id)
            out.append(
                ApplicationRule(
                    id=rule_id,
                    queue=queue,
                    priority=priority,
                    reason=reason,
                    types=app_types,
                    regions=regions,
                )
            )
        return tuple(out)

    def strings(self, when: Mapping[str, Any], key: str, rule_id: str) -> frozenset[str] | None:
        if key not in when:
            return None
        value = when[key]
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items or not all(isinstance(v, str) for v in items):
            raise self.fail(f"'{key}' must be a string or a non-empty list of strings", rule_id)
        return frozenset(items)

    def fallback(self, key: str, raw: Any, known: frozenset[str]) -> RoutingDecision:
        if not isinstance(raw, Mapping):
            raise self.fail(f"[{key}] is required: where to send what no rule matches")
        extra = sorted(set(raw) - {"queue", "priority", "reason"})
        if extra:
            raise self.fail(f"[{key}] unknown key(s) {extra}")
        queue, priority, reason = self.target(raw, known, key)
        return RoutingDecision(queue=queue, priority=priority, reason=reason, rule_id=DEFAULT_RULE_ID)
