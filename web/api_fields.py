"""Checking what a request carries, at the edge and the same on every database backend.

SQLite stores a value longer than its column and PostgreSQL refuses it (a 500 for the user), so a text's
limit is its column's length, read from the models; ids are 1 … 2^63-1 (a BIGINT) — a path id outside that
is 404 like any other id that names nothing, a body id outside it or naming nothing is a bad reference
(400). Text a database cannot store (a NUL, a lone surrogate) is refused here too.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from crm_store.models import Account, Customer, Interaction

from . import keys
from .errors import bad_request

ID_MAX = 2**63 - 1
TEXT_LIMIT = 5000  # a Text column: no database limit, but no reason for more from a form


def column_limit(column: InstrumentedAttribute[Any]) -> int:
    length = getattr(column.property.columns[0].type, "length", None)
    return int(length) if length else TEXT_LIMIT


async def body(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except (ValueError, RecursionError):
        raise bad_request("the request body is not JSON", "body_not_json") from None
    if not isinstance(data, dict):
        raise bad_request("the request body must be a JSON object", "body_not_object")
    return data


def storable(value: str, name: str) -> str:
    if "\x00" in value:
        raise bad_request(f"{name} contains a NUL character", "field_not_text", field=name)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise bad_request(f"{name} is not valid text", "field_not_text", field=name) from None
    return value


def text_field(
    data: dict[str, Any],
    name: str,
    *,
    required: bool = False,
    limit: int = TEXT_LIMIT,
    column: InstrumentedAttribute[Any] | None = None,
) -> str | None:
    """A text; `column` (a model attribute) caps it at that column's length."""
    if column is not None:
        limit = min(limit, column_limit(column))
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise bad_request(f"{name} is required", "field_required", field=name)
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise bad_request(f"{name} must be text", "field_not_text", field=name)
    value = storable(str(value), name).strip()
    if len(value) > limit:
        raise bad_request(f"{name} is longer than {limit} characters", "field_too_long", field=name, limit=limit)
    if required and not value:
        raise bad_request(f"{name} is required", "field_required", field=name)
    return value


def text_list(
    data: dict[str, Any], name: str, *, column: InstrumentedAttribute[Any], most: int = 50
) -> list[str] | None:
    """A list of short texts (phones, tags): None when absent."""
    values = data.get(name)
    if values is None:
        return None
    if not isinstance(values, list) or len(values) > most:
        raise bad_request(f"{name} must be a list of at most {most} texts", "field_not_a_list", field=name, most=most)
    out = []
    for value in values:
        text = text_field({name: value}, name, column=column)
        if text:
            out.append(text)
    return out


def int_field(data: dict[str, Any], name: str) -> int | None:
    """An id sent in a body: a number in 1 … 2^63-1 (anything else references nothing: 400)."""
    value = data.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str | float):
        raise bad_request(f"{name} must be a number", "field_not_a_number", field=name)
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise bad_request(f"{name} must be a number", "field_not_a_number", field=name) from None
    if number != value and not isinstance(value, str):  # 1.5 is no id
        raise bad_request(f"{name} must be a whole number", "field_not_a_number", field=name)
    if not 1 <= number <= ID_MAX:
        raise bad_request(f"{name} {value} references nothing", "bad_reference", field=name, value=str(value))
    return number


def path_id(request: web.Request, name: str) -> int:
    """An id in the path: one that is not a number in 1 … 2^63-1 names nothing (404)."""
    raw = request.match_info[name]
    if raw.isascii() and raw.isdigit() and len(raw) <= 19 and 1 <= int(raw) <= ID_MAX:
        return int(raw)
    raise web.HTTPNotFound(
        text='{"error": "not found", "code": "not_found", "params": {}}', content_type="application/json"
    )


def query_id(request: web.Request, name: str) -> int | None:
    value = request.query.get(name)
    return int_field({name: value}, name) if value else None


REFERENCES: dict[str, InstrumentedAttribute[Any]] = {
    "customer_id": Customer.id,
    "account_id": Account.id,
    "card_id": Interaction.id,
}


async def check_references(request: web.Request, **ids: int | None) -> None:
    """Each given id names an existing record, else 400 bad_reference (never a foreign-key error → 500)."""
    for name, value in ids.items():
        if value is not None and not await exists(request, REFERENCES[name], value):
            raise bad_request(f"{name} {value} references nothing", "bad_reference", field=name, value=str(value))


async def exists(request: web.Request, column: InstrumentedAttribute[Any], value: int) -> bool:
    async with request.app[keys.DB].read_session() as s:
        return await s.scalar(select(column).where(column == value)) is not None
