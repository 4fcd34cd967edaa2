"""Values that the simulator turns into AMI text must not carry control
characters: a CR/LF would end a header (or a whole frame) early and let the
rest pass for headers or frames of its own."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # tab is harmless inside a value


def has_control(value: str) -> bool:
    return _CONTROL.search(value) is not None


def checked(name: str, value: str | None) -> str | None:
    """``value`` unchanged, or ValueError naming the parameter when it holds a control character."""
    if value is not None:
        if not isinstance(value, str):
            raise TypeError(f"{name} must be text, not {type(value).__name__}")
        if has_control(value):
            raise ValueError(f"{name} must not contain control characters (CR, LF…): {value!r}")
    return value
