"""The ivr package's exception family; socket and driver errors are turned into these at the edge."""

from __future__ import annotations


class IvrError(Exception):
    """Base class of every error raised by ivr/."""


class MenuError(IvrError):
    """The menu file cannot be used (unknown node, missing prompt, bad digit, …).

    The message names the file and the node so the administrator knows what to fix.
    """

    def __init__(self, message: str, *, source: str = "", node: str | None = None) -> None:
        where = f"{source}: " if source else ""
        at = f"node {node!r}: " if node else ""
        super().__init__(f"{where}{at}{message}")
        self.source = source
        self.node = node


class AgiError(IvrError):
    """The AGI conversation broke: the peer closed, stalled past a timeout or sent nonsense."""


class AgiClosed(AgiError):
    """The peer closed the socket (or it reset)."""


class AgiTimeout(AgiError):
    """No complete line from the peer within the allowed time."""


class AgiProtocolError(AgiError):
    """A line that is not an AGI reply, or a 510/520 error for one of our own commands."""


class AgiUnsafeValue(AgiError):
    """A value we were about to send to Asterisk holds a control character or does not have its shape.

    Sent, a line break would end our command early and start another one of the sender's choosing.
    """


class BackendError(IvrError):
    """The data backend could not answer; the IVR hands the caller to an operator instead."""
