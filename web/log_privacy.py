"""Personal data stays out of the logs: a filter on every log handler masks phone numbers, e-mail
addresses and SQL parameters in messages and tracebacks.

The engines already hide SQL parameters in their errors (crm_store/db.py, hide_parameters); this catches
what other code writes: a driver's own message, an exception that quotes a value, a careless log line.
A masked phone keeps its first two and last two digits, enough to tell two calls apart in a log.
"""

from __future__ import annotations

import logging
import re

_SQL_PARAMETERS = re.compile(r"\[parameters: [^\n]*")
_PHONE = re.compile(r"(?<![\w.:/-])(\+?\d)([\d ()-]{7,16})(\d{2})(?![\w.:-])")
_EMAIL = re.compile(r"\b[\w.+-]+@([\w-]+(?:\.[\w-]+)+)\b")


def _phone(match: re.Match[str]) -> str:
    middle = match.group(2)
    digits = sum(ch.isdigit() for ch in middle)
    if digits < 7:  # too few digits for a phone number (a date, a port)
        return match.group(0)
    return f"{match.group(1)}{'*' * digits}{match.group(3)}"


def mask(text: str) -> str:
    text = _SQL_PARAMETERS.sub("[parameters: hidden]", text)
    text = _EMAIL.sub(r"***@\1", text)
    return _PHONE.sub(_phone, text)


class PersonalDataFilter(logging.Filter):
    """Rewrites the record in place (message, arguments and traceback); never drops it."""

    def __init__(self) -> None:
        super().__init__()
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler to report
            return True
        record.msg, record.args = mask(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Put the filter on every handler of `logger` (the root logger by default), once."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
            handler.addFilter(PersonalDataFilter())
