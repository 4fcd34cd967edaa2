"""Text longer than its column is refused with a clear error before the database sees it.

PostgreSQL rejects an over-long VARCHAR with a driver error (a 500 and a traceback); SQLite stores it
whole. So the same input had two outcomes. Every ORM insert and update now checks its text columns
against their declared length (`TooLong`, a StoreError the web layer answers with a 400 naming the field),
and writers that use Core statements check or clip their values with `check` / `clip` (the importer
rejects the row; values that come from the PBX are clipped, since losing the call card would be worse).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import String, event
from sqlalchemy.orm import Mapper

from .errors import StoreError


class TooLong(StoreError, ValueError):
    def __init__(self, table: str, column: str, length: int, limit: int) -> None:
        super().__init__(f"{column} is {length} characters long; at most {limit} fit")
        self.table = table
        self.column = column
        self.length = length
        self.limit = limit


def column_limits(table: Any) -> dict[str, int]:
    """The declared length of each text column of a Table: {"full_name": 300, …}."""
    return {c.name: c.type.length for c in table.columns if isinstance(c.type, String) and c.type.length is not None}


def check(table: Any, values: Mapping[str, object]) -> None:
    """TooLong for the first value longer than its column of `table` (a Table or a mapped class)."""
    table = getattr(table, "__table__", table)
    limits = _limits(table)
    for name, value in values.items():
        limit = limits.get(name)
        if limit is not None and isinstance(value, str) and len(value) > limit:
            raise TooLong(table.name, name, len(value), limit)


def clip(table: Any, values: Mapping[str, object]) -> dict[str, object]:
    """`values` with every text cut to its column's length (for data from outside that must be kept)."""
    table = getattr(table, "__table__", table)
    limits = _limits(table)
    out = dict(values)
    for name, value in values.items():
        limit = limits.get(name)
        if limit is not None and isinstance(value, str) and len(value) > limit:
            out[name] = value[:limit]
    return out


_CACHE: dict[str, dict[str, int]] = {}


def _limits(table: Any) -> dict[str, int]:
    limits = _CACHE.get(table.fullname)
    if limits is None:
        limits = _CACHE[table.fullname] = column_limits(table)
    return limits


def _check_target(mapper: Mapper[Any], _connection: Any, target: Any) -> None:
    table: Any = mapper.local_table
    limits = _limits(table)
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        limit = limits.get(column.name)
        if limit is None:
            continue
        value = target.__dict__.get(attr.key)
        if isinstance(value, str) and len(value) > limit:
            raise TooLong(table.name, column.name, len(value), limit)


def install(base: type) -> None:
    """Check every ORM insert and update of `base`'s mapped classes."""
    event.listen(base, "before_insert", _check_target, propagate=True)
    event.listen(base, "before_update", _check_target, propagate=True)
