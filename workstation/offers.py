"""Which offers a customer qualifies for, decided by segment rules kept as data (offers.toml).

Pure: a customer's pop, the time and their earlier answers in, a tuple of offers out. The rules are
read and checked once at start (`load_offers`); an unknown field, operator or placeholder, or a value of
the wrong type, is an OfferRulesError naming the offer and its line.

A rule (see offers.toml):

    [[offers]]
    code = "payment_plan"                       # what the operator's answer is stored under
    title = "Рассрочка погашения долга"
    pitch = "Можем разделить долг {debt} ₽ …"   # what the operator says; {field} shows a fact
    reason = "Долг {debt} ₽, {debt_days} дн."   # why this customer sees it
    all = [["segment", "==", "individual"]]     # every condition must hold …
    any = [["debt", ">=", 3000], ["debt_days", ">=", 60]]   # … and at least one of these (when given)
    cooloff_days = 30                           # optional: overrides declined_cooloff_days

Rules are evaluated in file order and offers come out in that order, at most `max_offers`.
A condition on a fact that is unknown for this customer (None: no payments, no readings) does not hold.
An offer the customer accepted is never shown again; one they declined is hidden for the cool-off;
"later" hides it for `later_pause_days` (so a call back the same day does not repeat it).
"""

from __future__ import annotations

import itertools
import operator
import re
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crm_store.records import CustomerPop
from routing.book import load_book

DEFAULT_FILE = "offers.toml"
_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class OfferRulesError(Exception):
    """The offer rules cannot be used; the message names the file, the offer and its line."""


# --- facts ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerFacts:
    """What an offer rule may look at, derived from a CustomerPop at `now`."""

    segment: str  # individual | organisation
    vip: bool
    paper_bill: bool
    has_email: bool
    debt: int  # kopecks, all accounts; rules write roubles
    debt_days: int  # days since the oldest unpaid debt began; 0 without debt
    accounts: int
    disconnected: bool  # some account is disconnected
    late_payments: int  # payments in the look-back window made after the due day of the month
    days_since_payment: int | None
    readings: int  # meter readings in the look-back window
    reading_gap_days: int | None  # longest gap between readings of one meter, the gap up to today included
    open_applications: frozenset[str]  # types of the open applications
    tariffs: frozenset[str]
    regions: frozenset[str]


INT, MONEY, BOOL, STR, SET = "int", "money", "bool", "str", "set"
FIELD_KINDS: dict[str, str] = {
    "segment": STR,
    "vip": BOOL,
    "paper_bill": BOOL,
    "has_email": BOOL,
    "debt": MONEY,
    "debt_days": INT,
    "accounts": INT,
    "disconnected": BOOL,
    "late_payments": INT,
    "days_since_payment": INT,
    "readings": INT,
    "reading_gap_days": INT,
    "open_applications": SET,
    "tariffs": SET,
    "regions": SET,
}
assert set(FIELD_KINDS) == {f.name for f in fields(CustomerFacts)}

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
OPERATORS: dict[str, dict[str, Callable[[Any, Any], bool]]] = {
    INT: _COMPARE,
    MONEY: _COMPARE,
    BOOL: {"==": operator.eq, "!=": operator.ne},
    STR: {"==": operator.eq, "!=": operator.ne, "in": lambda a, b: a in b, "not_in": lambda a, b: a not in b},
    SET: {"has": lambda a, b: b in a, "lacks": lambda a, b: b not in a},
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    timezone: ZoneInfo
    payment_due_day: int = 10  # bills for a month are due by this day of the next one
    lookback_days: int = 180
    declined_cooloff_days: int = 90
    later_pause_days: int = 1
    max_offers: int = 3


def _local_date(at: datetime, tz: ZoneInfo) -> date:
    return at.astimezone(tz).date()


def customer_facts(pop: CustomerPop, now: datetime, settings: Settings) -> CustomerFacts:
    today = _local_date(now, settings.timezone)
    since = now - timedelta(days=settings.lookback_days)
    accounts = pop.accounts
    debt_starts = [a.debt_since for a in accounts if a.debt_kop > 0 and a.debt_since is not None]
    payments = [p for a in accounts for p in a.payments]
    recent_payments = [p for p in payments if since <= p.paid_at <= now]
    readings = [r for a in accounts for r in a.readings if r.taken_at <= now]
    gaps: list[int] = []
    by_meter: dict[tuple[int, str], list[date]] = {}
    for r in readings:
        by_meter.setdefault((r.account_id, r.meter), []).append(_local_date(r.taken_at, settings.timezone))
    for days in by_meter.values():
        days = [*sorted(days), today]
        gaps.extend((b - a).days for a, b in itertools.pairwise(days))
    return CustomerFacts(
        segment=pop.customer.kind,
        vip=pop.customer.vip,
        paper_bill=pop.customer.paper_bill,
        has_email=bool(pop.customer.email),
        debt=pop.total_debt_kop,
        debt_days=max(((today - d).days for d in debt_starts), default=0),
        accounts=len(accounts),
        disconnected=any(a.status == "disconnected" for a in accounts),
        late_payments=sum(
            1 for p in recent_payments if p.paid_at.astimezone(settings.timezone).day > settings.payment_due_day
        ),
        days_since_payment=min(
            ((today - _local_date(p.paid_at, settings.timezone)).days for p in payments), default=None
        ),
        readings=sum(1 for r in readings if r.taken_at >= since),
        reading_gap_days=max(gaps, default=None),
        open_applications=frozenset(a.type for a in pop.open_applications),
        tariffs=frozenset(a.tariff for a in accounts if a.tariff),
        regions=frozenset(a.region for a in accounts if a.region),
    )


def _show(kind: str, value: Any) -> str:
    """A fact as the operator reads it in a pitch or reason."""
    if value is None:
        return "—"
    if kind == MONEY:
        roubles, kop = divmod(abs(value), 100)
        text = f"{roubles:,}".replace(",", "\u00a0") + (f",{kop:02d}" if kop else "")
        return ("-" if value < 0 else "") + text
    if kind == BOOL:
        return "да" if value else "нет"
    if kind == SET:
        return ", ".join(sorted(value))
    return str(value)


# --- rules ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Condition:
    field: str
    op: str
    value: Any

    def holds(self, facts: CustomerFacts) -> bool:
        actual = getattr(facts, self.field)
        if actual is None:
            return False
        return OPERATORS[FIELD_KINDS[self.field]][self.op](actual, self.value)


@dataclass(frozen=True, slots=True, kw_only=True)
class OfferRule:
    code: str
    title: str
    pitch: str
    reason: str
    all: tuple[Condition, ...] = ()
    any: tuple[Condition, ...] = ()
    cooloff_days: int | None = None

    def matches(self, facts: CustomerFacts) -> bool:
        return all(c.holds(facts) for c in self.all) and (not self.any or any(c.holds(facts) for c in self.any))


@dataclass(frozen=True, slots=True, kw_only=True)
class Offer:
    code: str
    title: str
    pitch: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return asdict(self)


class Response(Protocol):
    """An earlier answer (crm_store.offers.OfferResponseRecord has these)."""

    @property
    def offer_code(self) -> str: ...
    @property
    def response(self) -> str: ...
    @property
    def at(self) -> datetime: ...


def _render(template: str, facts: CustomerFacts) -> str:
    return template.format_map({name: _show(kind, getattr(facts, name)) for name, kind in FIELD_KINDS.items()})


@dataclass(frozen=True, slots=True, kw_only=True)
class OfferBook:
    settings: Settings
    rules: tuple[OfferRule, ...]

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(r.code for r in self.rules)

    def hidden(self, responses: Iterable[Response], now: datetime) -> frozenset[str]:
        """Codes not to offer now: accepted ever, or declined / put off within their pause."""
        accepted: set[str] = set()
        latest: dict[str, Response] = {}
        for r in responses:
            if r.response == "accepted":
                accepted.add(r.offer_code)
            elif r.offer_code not in latest or r.at > latest[r.offer_code].at:
                latest[r.offer_code] = r
        cooloff = {rule.code: rule.cooloff_days for rule in self.rules if rule.cooloff_days is not None}
        hidden = set(accepted)
        for code, r in latest.items():
            days = (
                cooloff.get(code, self.settings.declined_cooloff_days)
                if r.response == "declined"
                else self.settings.later_pause_days
            )
            if now - r.at < timedelta(days=days):
                hidden.add(code)
        return frozenset(hidden)

    def offers_for(self, pop: CustomerPop, now: datetime, responses: Iterable[Response] = ()) -> tuple[Offer, ...]:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        facts = customer_facts(pop, now, self.settings)
        hidden = self.hidden(responses, now)
        offers = []
        for rule in self.rules:
            if rule.code in hidden or not rule.matches(facts):
                continue
            offers.append(
                Offer(
                    code=rule.code,
                    title=_render(rule.title, facts),
                    pitch=_render(rule.pitch, facts),
                    reason=_render(rule.reason, facts),
                )
            )
            if len(offers) == self.settings.max_offers:
                break
        return tuple(offers)


# --- loading -------------------------------------------------------------------------------------

_TOP_KEYS = frozenset({f.name for f in fields(Settings)} | {"offers"})
_RULE_KEYS = frozenset({"code", "title", "pitch", "reason", "all", "any", "cooloff_days"})


class _Parser:
    def __init__(self, source: str, text: str | None) -> None:
        self.source = source
        self.lines = text.splitlines() if text else []

    def line_of(self, code: str) -> str:
        pattern = re.compile(rf"""^\s*code\s*=\s*["']{re.escape(code)}["']""")
        for number, line in enumerate(self.lines, 1):
            if pattern.match(line):
                return f":{number}"
        return ""

    def fail(self, message: str, rule: int | None = None, code: str | None = None) -> OfferRulesError:
        where = self.source
        if rule is not None:
            where += (self.line_of(code) if code else "") + f": offer #{rule + 1}" + (f" {code!r}" if code else "")
        return OfferRulesError(f"{where}: {message}")

    def non_negative(self, data: Mapping[str, Any], key: str, default: int, low: int = 0, high: int = 3650) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(f"'{key}' must be a whole number from {low} to {high}, got {value!r}")
        return value

    def settings(self, data: Mapping[str, Any]) -> Settings:
        unknown = sorted(set(data) - _TOP_KEYS)
        if unknown:
            raise self.fail(f"unknown setting(s) {unknown}; known: {sorted(_TOP_KEYS)}")
        try:
            tz = ZoneInfo(data.get("timezone", "Europe/Moscow"))
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise self.fail(f"unknown time zone {data.get('timezone')!r}") from None
        return Settings(
            timezone=tz,
            payment_due_day=self.non_negative(data, "payment_due_day", 10, 1, 28),
            lookback_days=self.non_negative(data, "lookback_days", 180, 1),
            declined_cooloff_days=self.non_negative(data, "declined_cooloff_days", 90),
            later_pause_days=self.non_negative(data, "later_pause_days", 1),
            max_offers=self.non_negative(data, "max_offers", 3, 1, 20),
        )

    def condition(self, raw: Any, where: str, fail: Callable[[str], OfferRulesError]) -> Condition:
        if not isinstance(raw, list) or len(raw) != 3 or not isinstance(raw[0], str) or not isinstance(raw[1], str):
            raise fail(f"{where} must be [field, operator, value], got {raw!r}")
        name, op, value = raw
        kind = FIELD_KINDS.get(name)
        if kind is None:
            raise fail(f"{where}: unknown field {name!r}; known: {', '.join(FIELD_KINDS)}")
        if op not in OPERATORS[kind]:
            raise fail(f"{where}: operator {op!r} does not apply to {name!r}; use {' '.join(OPERATORS[kind])}")
        if kind == MONEY:
            try:
                amount = (
                    Decimal(str(value))
                    if not isinstance(value, bool) and isinstance(value, int | float | str)
                    else None
                )
            except InvalidOperation:
                amount = None
            if amount is None or not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
                raise fail(f"{where}: {name!r} is compared with an amount in roubles, got {value!r}")
            return Condition(field=name, op=op, value=int(amount * 100))
        if kind == INT and (isinstance(value, bool) or not isinstance(value, int)):
            raise fail(f"{where}: {name!r} is compared with a whole number, got {value!r}")
        if kind == BOOL and not isinstance(value, bool):
            raise fail(f"{where}: {name!r} is compared with true or false, got {value!r}")
        if kind == STR and op in ("in", "not_in"):
            if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
                raise fail(f"{where}: '{op}' needs a list of strings, got {value!r}")
            return Condition(field=name, op=op, value=frozenset(value))
        if kind in (STR, SET) and not isinstance(value, str):
            raise fail(f"{where}: {name!r} is compared with a string, got {value!r}")
        return Condition(field=name, op=op, value=value)

    def text(self, raw: Mapping[str, Any], key: str, fail: Callable[[str], OfferRulesError]) -> str:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise fail(f"'{key}' must be a non-empty string")
        try:
            names = [f for _, f, spec, conv in string.Formatter().parse(value) if f is not None]
            specs = [(spec, conv) for _, f, spec, conv in string.Formatter().parse(value) if f is not None]
        except ValueError as e:
            raise fail(f"'{key}': {e} (write {{{{ and }}}} for literal braces)") from None
        for name in names:
            if name not in FIELD_KINDS:
                raise fail(f"'{key}': unknown placeholder {{{name}}}; known: {', '.join(FIELD_KINDS)}")
        if any(spec or conv for spec, conv in specs):
            raise fail(f"'{key}': placeholders take no format spec or conversion")
        return value.strip()

    def rule(self, index: int, raw: Any) -> OfferRule:
        code = raw.get("code") if isinstance(raw, Mapping) else None
        code = code if isinstance(code, str) else None

        def fail(message: str) -> OfferRulesError:
            return self.fail(message, index, code)

        if not isinstance(raw, Mapping):
            raise fail(f"must be a table, got {raw!r}")
        unknown = sorted(set(raw) - _RULE_KEYS)
        if unknown:
            raise fail(f"unknown key(s) {unknown}; known: {sorted(_RULE_KEYS)}")
        if code is None or not _CODE.match(code):
            raise fail(f"'code' must be lower-case letters, digits, '_' or '-', got {raw.get('code')!r}")
        groups = {}
        for key in ("all", "any"):
            items = raw.get(key, [])
            if not isinstance(items, list):
                raise fail(f"'{key}' must be a list of [field, operator, value]")
            groups[key] = tuple(self.condition(c, f"{key}[{i}]", fail) for i, c in enumerate(items))
        cooloff = raw.get("cooloff_days")
        if cooloff is not None and (
            isinstance(cooloff, bool) or not isinstance(cooloff, int) or not 0 <= cooloff <= 3650
        ):
            raise fail(f"'cooloff_days' must be a whole number from 0 to 3650, got {cooloff!r}")
        return OfferRule(
            code=code,
            title=self.text(raw, "title", fail),
            pitch=self.text(raw, "pitch", fail),
            reason=self.text(raw, "reason", fail),
            all=groups["all"],
            any=groups["any"],
            cooloff_days=cooloff,
        )

    def book(self, data: Mapping[str, Any]) -> OfferBook:
        settings = self.settings(data)
        raw_rules = data.get("offers", [])
        if not isinstance(raw_rules, list):
            raise self.fail("'offers' must be an array of tables ([[offers]])")
        rules = tuple(self.rule(i, r) for i, r in enumerate(raw_rules))
        seen: set[str] = set()
        for i, r in enumerate(rules):
            if r.code in seen:
                raise self.fail("duplicate code: each offer needs its own", i, r.code)
            seen.add(r.code)
        return OfferBook(settings=settings, rules=rules)


def parse_offers(data: Mapping[str, Any], *, source: str = "<offers>", text: str | None = None) -> OfferBook:
    """Validate already-parsed rules (`text`, when given, lets errors name the line)."""
    return _Parser(source, text).book(data)


def load_offers(path: str | Path | None = None) -> OfferBook:
    """Read and validate a rules file; the packaged offers.toml by default."""
    book = load_book(path, package="workstation", default=DEFAULT_FILE, error=OfferRulesError)
    return parse_offers(book.data, source=book.source, text=book.text)


@cache
def default_book() -> OfferBook:
    return load_offers()


def offers_for(
    pop: CustomerPop, now: datetime, responses: Iterable[Response] = (), *, book: OfferBook | None = None
) -> tuple[Offer, ...]:
    """The offers `pop`'s customer qualifies for now, best first, minus those already answered."""
    return (book or default_book()).offers_for(pop, now, responses)


__all__ = [
    "FIELD_KINDS",
    "OPERATORS",
    "Condition",
    "CustomerFacts",
    "Offer",
    "OfferBook",
    "OfferRule",
    "OfferRulesError",
    "Settings",
    "customer_facts",
    "default_book",
    "load_offers",
    "offers_for",
    "parse_offers",
]
