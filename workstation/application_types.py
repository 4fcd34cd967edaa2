"""Application types: a validated TOML book (workstation/application_types.toml by default, or the file
in CCDESK_APPLICATION_TYPES) read through routing.book like the other books, so an error names the file,
the type and the line.

Each type has typed form fields, a default department, an SLA in working hours or working days on the
calendar of the book, the attachments it needs and the channels it can be filed on. Pure: no I/O past
reading the file, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from routing.book import Book, load_book

from .application_types_calendar import WorkCalendar

CHANNELS = ("phone", "ivr", "web", "email")
FIELD_KINDS = ("text", "integer", "decimal", "date", "choice", "phone", "email")
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
_PHONE = re.compile(r"^\+?[\d\s()\-]{5,24}$")
TEXT_LIMIT = 2000


class ApplicationTypesError(ValueError):
    """The types book cannot be used; the message names the file, the type and the line."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldSpec:
    name: str
    label: str
    kind: str
    required: bool = False
    max_length: int = 200
    min: Decimal | None = None
    max: Decimal | None = None
    options: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "kind": self.kind,
            "required": self.required,
            "max_length": self.max_length,
            "min": None if self.min is None else str(self.min),
            "max": None if self.max is None else str(self.max),
            "options": list(self.options),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class AttachmentNeed:
    min: int = 0
    max: int = 0
    hint: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplicationType:
    code: str
    title: str
    department: str
    sla_hours: int  # working hours (working days are converted with the calendar's day length)
    channels: tuple[str, ...]
    fields: tuple[FieldSpec, ...]
    attachments: AttachmentNeed
    follow_up_queue: str

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "department": self.department,
            "sla_hours": self.sla_hours,  # working hours
            "channels": list(self.channels),
            "fields": [f.to_json() for f in self.fields],
            "attachments": {"min": self.attachments.min, "max": self.attachments.max, "hint": self.attachments.hint},
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplicationTypes:
    source: str
    types: Mapping[str, ApplicationType]
    calendar: WorkCalendar
    accept: tuple[str, ...]  # MIME types the public form takes
    max_bytes: int  # the largest attachment
    follow_up_days: int
    follow_up_queue: str

    def get(self, code: str) -> ApplicationType | None:
        return self.types.get(code)

    def for_channel(self, channel: str) -> list[ApplicationType]:
        return [t for t in self.types.values() if channel in t.channels]


# ------------------------------------------------------------------ form values


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldErrors:
    errors: Mapping[str, str]  # field name -> error code (required, too_long, not_integer, …)


def validate_fields(
    app_type: ApplicationType, raw: Mapping[str, object], *, require: bool = True
) -> tuple[dict[str, str], dict[str, str]]:
    """(clean values as text, errors by field) for the type's fields; unknown names are dropped.

    `require` is False for an operator filing from the call card (they write what the customer said in the
    text; the back office asks for the rest), True for the customer's own form."""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for spec in app_type.fields:
        value = raw.get(spec.name)
        text = "" if value is None else str(value).strip()
        if not text:
            if spec.required and require:
                errors[spec.name] = "required"
            continue
        problem = _check(spec, text)
        if problem:
            errors[spec.name] = problem
        else:
            values[spec.name] = text
    return values, errors


def _check(spec: FieldSpec, text: str) -> str | None:
    if len(text) > spec.max_length:
        return "too_long"
    if spec.kind in ("integer", "decimal"):
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation:
            return "not_a_number"
        if not number.is_finite() or (spec.kind == "integer" and number != number.to_integral_value()):
            return "not_an_integer" if spec.kind == "integer" else "not_a_number"
        if (spec.min is not None and number < spec.min) or (spec.max is not None and number > spec.max):
            return "out_of_range"
    elif spec.kind == "date":
        try:
            date.fromisoformat(text)
        except ValueError:
            return "not_a_date"
    elif spec.kind == "choice" and text not in spec.options:
        return "not_an_option"
    elif spec.kind == "phone" and not _PHONE.match(text):
        return "not_a_phone"
    elif spec.kind == "email" and not _EMAIL.match(text):
        return "not_an_email"
    return None


# ------------------------------------------------------------------ loading


def load_application_types(path: str | Path | None = None, *, departments: Collection[str] = ()) -> ApplicationTypes:
    """The book at `path` (None: the shipped one). `departments`, when given, are the routing rules' department
    queues: a type naming another one is an error."""
    book = load_book(path, package="workstation", default="application_types.toml", error=ApplicationTypesError)
    return _Loader(book, frozenset(departments)).load()


class _Loader:
    def __init__(self, book: Book, departments: frozenset[str]) -> None:
        self.book = book
        self.departments = departments

    def fail(self, message: str, code: str | None = None, table: str | None = None) -> ApplicationTypesError:
        line = self.book.line_of_key("code", code) if code else self.book.line_of_table(table) if table else None
        what = f"type {code!r}: " if code else ""
        return ApplicationTypesError(f"{self.book.at(line)}: {what}{message}")

    def load(self) -> ApplicationTypes:
        data = self.book.data
        unknown = set(data) - {"calendar", "attachments", "follow_up", "types"}
        if unknown:
            raise self.fail(f"unknown table(s) {sorted(unknown)}")
        calendar = self.calendar(self._table(data, "calendar"))
        att = self._table(data, "attachments")
        accept = att.get("accept", ["image/jpeg", "image/png", "application/pdf"])
        if not isinstance(accept, list) or not all(isinstance(a, str) and "/" in a for a in accept):
            raise self.fail("accept must be a list of MIME types", table="attachments")
        max_kb = self._int(att.get("max_kb", 5120), "max_kb", 1, 100_000, table="attachments")
        follow = self._table(data, "follow_up")
        days = self._int(follow.get("days", 7), "days", 0, 365, table="follow_up")
        queue = follow.get("queue", "support")
        if not isinstance(queue, str) or not queue:
            raise self.fail("queue must be a queue name", table="follow_up")
        raw_types = data.get("types")
        if not isinstance(raw_types, list) or not raw_types:
            raise self.fail("[[types]] must list at least one application type")
        types: dict[str, ApplicationType] = {}
        for index, raw in enumerate(raw_types):
            item = self.app_type(raw, index, calendar, queue)
            if item.code in types:
                raise self.fail("defined twice", item.code)
            types[item.code] = item
        return ApplicationTypes(
            source=self.book.source,
            types=types,
            calendar=calendar,
            accept=tuple(accept),
            max_bytes=max_kb * 1024,
            follow_up_days=days,
            follow_up_queue=queue,
        )

    def _table(self, data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
        value = data.get(name, {})
        if not isinstance(value, dict):
            raise self.fail(f"[{name}] must be a table")
        return value

    def _int(
        self, value: Any, key: str, low: int, high: int, *, code: str | None = None, table: str | None = None
    ) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(f"{key} must be a whole number from {low} to {high}, got {value!r}", code, table)
        return value

    def calendar(self, raw: Mapping[str, Any]) -> WorkCalendar:
        try:
            zone = ZoneInfo(str(raw.get("timezone", "Europe/Moscow")))
        except (ZoneInfoNotFoundError, ValueError):
            raise self.fail(f"unknown time zone {raw.get('timezone')!r}", table="calendar") from None
        bounds = []
        for key, default in (("day_start", "09:00"), ("day_end", "18:00")):
            found = _HHMM.match(str(raw.get(key, default)))
            if not found:
                raise self.fail(f"{key} must be HH:MM", table="calendar")
            bounds.append(time(int(found.group(1)), int(found.group(2))))
        if bounds[0] >= bounds[1]:
            raise self.fail("day_start must be before day_end", table="calendar")
        country = str(raw.get("country", "RU"))
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise self.fail("country must be a two-letter code such as RU", table="calendar")
        return WorkCalendar(timezone=zone, country=country, day_start=bounds[0], day_end=bounds[1])

    def app_type(self, raw: Any, index: int, calendar: WorkCalendar, default_queue: str) -> ApplicationType:
        if not isinstance(raw, dict):
            raise ApplicationTypesError(f"{self.book.at(self.book.line_of_item('types', index))}: a type is a table")
        code = raw.get("code")
        if not isinstance(code, str) or not _CODE.match(code):
            where = self.book.at(self.book.line_of_item("types", index))
            raise ApplicationTypesError(f"{where}: code must be lower-case letters, digits and _, got {code!r}")
        known = {"code", "title", "department", "sla", "channels", "fields", "attachments", "follow_up_queue"}
        if set(raw) - known:
            raise self.fail(f"unknown key(s) {sorted(set(raw) - known)}", code)
        title = raw.get("title")
        if not isinstance(title, str) or not title.strip():
            raise self.fail("needs a title", code)
        department = raw.get("department")
        if not isinstance(department, str) or not department:
            raise self.fail("needs a department", code)
        if self.departments and department not in self.departments:
            raise self.fail(f"unknown department {department!r} (not in the routing rules' [departments])", code)
        sla = raw.get("sla")
        if not isinstance(sla, dict) or len(sla) != 1 or next(iter(sla)) not in ("working_hours", "working_days"):
            raise self.fail("sla must be { working_hours = N } or { working_days = N }", code)
        unit, amount = next(iter(sla.items()))
        amount = self._int(amount, f"sla.{unit}", 1, 10_000, code=code)
        hours = amount if unit == "working_hours" else amount * calendar.hours_per_day
        channels = raw.get("channels", list(CHANNELS))
        if not isinstance(channels, list) or not channels or not set(channels) <= set(CHANNELS):
            raise self.fail(f"channels must be a list of {', '.join(CHANNELS)}", code)
        att = raw.get("attachments", {})
        if not isinstance(att, dict) or set(att) - {"min", "max", "hint"}:
            raise self.fail("attachments must be { min, max, hint }", code)
        need = AttachmentNeed(
            min=self._int(att.get("min", 0), "attachments.min", 0, 20, code=code),
            max=self._int(att.get("max", 0), "attachments.max", 0, 20, code=code),
            hint=str(att.get("hint", "")),
        )
        if need.min > need.max:
            raise self.fail("attachments.min is more than attachments.max", code)
        queue = raw.get("follow_up_queue", default_queue)
        if not isinstance(queue, str) or not queue:
            raise self.fail("follow_up_queue must be a queue name", code)
        raw_fields = raw.get("fields", [])
        if not isinstance(raw_fields, list):
            raise self.fail("fields must be [[types.fields]] tables", code)
        fields = tuple(self.field(f, code) for f in raw_fields)
        names = [f.name for f in fields]
        if len(set(names)) != len(names):
            raise self.fail("a field name is used twice", code)
        return ApplicationType(
            code=code,
            title=title.strip(),
            department=department,
            sla_hours=hours,
            channels=tuple(channels),
            fields=fields,
            attachments=need,
            follow_up_queue=queue,
        )

    def field(self, raw: Any, code: str) -> FieldSpec:
        if not isinstance(raw, dict):
            raise self.fail("a field is a table", code)
        name = raw.get("name")
        if not isinstance(name, str) or not _CODE.match(name):
            raise self.fail(f"field name must be lower-case letters, digits and _, got {name!r}", code)
        known = {"name", "label", "kind", "required", "max_length", "min", "max", "options"}
        if set(raw) - known:
            raise self.fail(f"field {name!r}: unknown key(s) {sorted(set(raw) - known)}", code)
        kind = raw.get("kind", "text")
        if kind not in FIELD_KINDS:
            raise self.fail(f"field {name!r}: kind must be one of {', '.join(FIELD_KINDS)}, got {kind!r}", code)
        required = raw.get("required", False)
        if not isinstance(required, bool):
            raise self.fail(f"field {name!r}: required must be true or false", code)
        options = raw.get("options", [])
        if kind == "choice" and (
            not isinstance(options, list) or not options or not all(isinstance(o, str) for o in options)
        ):
            raise self.fail(f'field {name!r}: a choice needs options = ["…", …]', code)
        bounds: list[Decimal | None] = []
        for key in ("min", "max"):
            value = raw.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise self.fail(f"field {name!r}: {key} must be a number", code)
            bounds.append(None if value is None else Decimal(str(value)))
        return FieldSpec(
            name=name,
            label=str(raw.get("label", name)),
            kind=kind,
            required=required,
            max_length=self._int(raw.get("max_length", 200), f"field {name!r}: max_length", 1, TEXT_LIMIT, code=code),
            min=bounds[0],
            max=bounds[1],
            options=tuple(options) if kind == "choice" else (),
        )
