"""Checks for every value that is about to reach AMI.

AMI is a line protocol: a CR or LF inside a header value ends the header and
lets whoever typed the value append headers, or whole actions, of their own.
So no control character ever passes, and each kind of value has a strict
shape. A refused value raises ``InvalidValue`` naming the field; nothing is sent.
"""

from __future__ import annotations

import re

from .errors import InvalidValue

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

NUMBER = re.compile(r"\+?[0-9]{1,32}")  # a dial string's number: digits, optional leading +
DIGITS = re.compile(r"[0-9*#]{1,32}")  # what survives DTMF (Atxfer)
EXTEN = re.compile(r"[A-Za-z0-9_+*#.-]{1,64}")
NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")  # queue, context, variable names, member names in headers
# PJSIP/1001, PJSIP/1001-0000000a, PJSIP/5555@trunk, Local/1002@agents-00000000;1, Local/agent1@agents/n
CHANNEL = re.compile(r"[A-Za-z][A-Za-z0-9]{0,15}/[A-Za-z0-9_+*#.@;/=:-]{1,120}")
VARIABLE_NAME = re.compile(r"_{0,2}[A-Za-z][A-Za-z0-9_]{0,63}")
APPLICATION = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")


def no_control(field: str, value: str, *, max_length: int = 1024) -> str:
    if not isinstance(value, str):
        raise InvalidValue(field, "not text")
    if _CONTROL.search(value):
        raise InvalidValue(field, "contains a control character")
    if len(value) > max_length:
        raise InvalidValue(field, f"longer than {max_length} characters")
    return value


def matching(field: str, value: str, pattern: re.Pattern[str], what: str) -> str:
    no_control(field, value)
    if not pattern.fullmatch(value):
        raise InvalidValue(field, f"not {what}")
    return value


def number(field: str, value: str) -> str:
    return matching(field, value, NUMBER, "a phone number (digits, optional leading +)")


def digits(field: str, value: str) -> str:
    return matching(field, value, DIGITS, "digits (it is sent as DTMF)")


def exten(field: str, value: str) -> str:
    return matching(field, value, EXTEN, "an extension")


def name(field: str, value: str) -> str:
    return matching(field, value, NAME, "a name (letters, digits, _ . -)")


def channel(field: str, value: str) -> str:
    return matching(field, value, CHANNEL, "a channel or interface name (TECH/resource)")


def variable_name(field: str, value: str) -> str:
    return matching(field, value, VARIABLE_NAME, "a variable name")


def application(field: str, value: str) -> str:
    return matching(field, value, APPLICATION, "an application name")


def text(field: str, value: str, *, max_length: int = 256) -> str:
    """Free text (a caller ID name, a pause reason, application data): any printable character."""
    return no_control(field, value, max_length=max_length)


def check_action(action: dict[str, object]) -> None:
    """The last line of defence, right before a frame is written: no header
    name or value (or list item) carries a control character."""
    for key, value in action.items():
        no_control("header", key, max_length=64)
        items = value if isinstance(value, list) else [value]
        for item in items:
            no_control(key, str(item), max_length=4096)
