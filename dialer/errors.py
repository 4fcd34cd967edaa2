"""The dialer package's exception family."""

from __future__ import annotations


class DialerError(Exception):
    """Base class of every error raised by dialer/."""


class PolicyError(DialerError, ValueError):
    """A campaign's compliance settings cannot be used (unknown zone, an empty window, a bad limit)."""


class NotCleared(DialerError):
    """Something tried to build a Dial that did not come from the compliance gate."""
