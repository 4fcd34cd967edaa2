"""The CTI exception family. Foreign exceptions (OSError, asyncio.TimeoutError,
panoramisk quirks) are turned into these at the edge of ``cti``."""

from __future__ import annotations


class CtiError(Exception):
    """Base of every error raised by ``cti``."""


class NotConnected(CtiError):
    """No authenticated AMI session is available (or it dropped mid-action)."""


class LoginFailed(CtiError):
    """Asterisk refused the credentials. The secret is never part of the message."""

    def __init__(self, username: str, message: str) -> None:
        super().__init__(f"AMI login refused for user {username!r}: {message}")
        self.username = username
        self.message = message


class ActionTimeout(CtiError):
    """Asterisk did not answer an action in time."""

    def __init__(self, action: str, timeout: float) -> None:
        super().__init__(f"AMI action {action} got no response within {timeout:g} s")
        self.action = action
        self.timeout = timeout


class ActionFailed(CtiError):
    """Asterisk answered ``Response: Error`` — ``message`` is Asterisk's own text."""

    def __init__(self, action: str, message: str) -> None:
        super().__init__(f"AMI action {action} failed: {message}")
        self.action = action
        self.message = message


class InvalidValue(CtiError, ValueError):
    """A value bound for the PBX failed its check (a control character, a bad
    dial string …). Nothing was sent. ``field`` names the offending field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"invalid {field}: {reason}")
        self.field = field
        self.reason = reason
