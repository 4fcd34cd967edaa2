"""Where an operator may send a call (pure): a queue of the routing rules, an operator's extension, or a
phone number — each checked before anything reaches the PBX."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from crm_store.vocabulary import TransferKind

from .errors import WorkstationError

_DIGITS = re.compile(r"^\+?\d{2,15}$")
_SEPARATORS = re.compile(r"[\s()\-.]")


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferTarget:
    kind: str  # queue | agent | number
    value: str  # queue name, extension digits, or the number's digits

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.value}" if self.kind != "number" else self.value


def parse_target(raw: str, *, queues: Collection[str], extensions: Collection[str]) -> TransferTarget:
    """``queue:NAME`` | ``agent:EXT`` | a number; an extension typed as a number is that operator."""
    raw = (raw or "").strip()
    kind, sep, value = raw.partition(":")
    if not sep:
        kind, value = "number", raw
    value = value.strip()
    if not value:
        raise WorkstationError("choose where to transfer the call", code="transfer_target_required")
    if kind == "queue":
        if value not in queues:
            raise WorkstationError(f"unknown queue {value!r}", code="unknown_queue", queue=value)
        return TransferTarget(kind="queue", value=value)
    if kind == "agent":
        if value not in extensions:
            raise WorkstationError(f"no operator has extension {value!r}", code="unknown_extension", extension=value)
        return TransferTarget(kind="agent", value=value)
    if kind != "number":
        raise WorkstationError(f"not a transfer target: {raw!r}", code="invalid_transfer_target", target=raw)
    digits = _SEPARATORS.sub("", value)
    if not _DIGITS.match(digits):
        raise WorkstationError(f"not a phone number: {value!r}", code="invalid_number", number=value)
    digits = digits.lstrip("+")
    if digits in extensions:
        return TransferTarget(kind="agent", value=digits)
    return TransferTarget(kind="number", value=digits)


def parse_kind(raw: str | None) -> TransferKind:
    try:
        return TransferKind(raw or TransferKind.BLIND.value)
    except ValueError:
        raise WorkstationError(f"unknown transfer kind {raw!r}", code="invalid_transfer_kind", kind=raw) from None
