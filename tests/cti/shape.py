"""Comparing event streams by shape: names, header names in order, and how
Uniqueids/Linkedids relate — not values such as times and ids."""

from __future__ import annotations

from collections.abc import Iterable

from cti.frames import Frame

ID_KEYS = ("Uniqueid", "Linkedid", "DestUniqueid", "DestLinkedid")


def call_frames(frames: Iterable[Frame], *, skip: tuple[str, ...] = ()) -> list[Frame]:
    """Events from the first call event on, without login/security noise."""
    out: list[Frame] = []
    started = False
    for f in frames:
        name = f.get("Event")
        if name is None or name in ("FullyBooted", "SuccessfulAuth") or name in skip:
            continue
        if name == "Newchannel":
            started = True
        if started:
            out.append(f)
    return out


def signature(frames: list[Frame]) -> list[tuple[str, tuple[str, ...], tuple[int, ...]]]:
    ids: dict[str, int] = {}

    def ref(value: str | None) -> int:
        if value is None or value == "<unknown>":
            return -1
        return ids.setdefault(value, len(ids))

    return [
        (f.name, tuple(k for k in f if k != "SystemName"), tuple(ref(f.get(k)) for k in ID_KEYS if k in f))
        for f in frames
    ]


def diff(expected: list, actual: list) -> str:
    import difflib

    return "\n".join(difflib.unified_diff([repr(e) for e in expected], [repr(a) for a in actual], lineterm="", n=2))
