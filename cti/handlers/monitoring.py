"""Listening (ChanSpy) and recording (MixMonitor)."""

from __future__ import annotations

from datetime import datetime

from ..calls import interface_of
from ..events import Event, RecordingStarted, RecordingStopped, SpyStarted, SpyStopped
from ..table import CallTable, Frame


def recording_file(t: CallTable, f: Frame) -> None:
    call = t.call_of(f)
    if call is not None:
        call.recordings[f.get("Uniqueid", "")] = f.get("Value", "")


def _spy(t: CallTable, f: Frame, at: datetime, out: list[Event], started: bool) -> None:
    # The supervisor's leg has its own Linkedid: it is a listener, never a call.
    spyer = t.call_of(f, "SpyerUniqueid", "SpyerLinkedid")
    spied = t.call_of(f, "SpyeeUniqueid", "SpyeeLinkedid")
    if spyer is not None and spyer is not spied:
        spyer.silent = True
    call_id = spied.call_id if spied is not None else f.get("SpyeeLinkedid", "")
    if not call_id:
        return
    kind = SpyStarted if started else SpyStopped
    spied_channel = f.get("SpyeeChannel", "")
    out.append(
        kind(
            call_id=call_id,
            at=at,
            spy=interface_of(f.get("SpyerChannel", "")),
            spy_channel=f.get("SpyerChannel", ""),
            spied_agent=interface_of(spied_channel) if spied_channel else None,
            spied_channel=spied_channel,
        )
    )


def chanspystart(t: CallTable, f: Frame, at: datetime, out: list[Event]) -> None:
    _spy(t, f, at, out, True)


def chanspystop(t: CallTable, f: Frame, at: datetime, out: list[Event]) -> None:
    _spy(t, f, at, out, False)


def _recording(t: CallTable, f: Frame, at: datetime, out: list[Event], started: bool) -> None:
    call = t.call_of(f)
    if call is None or call.silent:
        return
    uid = f.get("Uniqueid", "")
    file = call.recordings.get(uid) or None
    kind = RecordingStarted if started else RecordingStopped
    out.append(kind(call_id=call.call_id, at=at, channel=f.get("Channel", ""), file=file))


def mixmonitorstart(t: CallTable, f: Frame, at: datetime, out: list[Event]) -> None:
    _recording(t, f, at, out, True)


def mixmonitorstop(t: CallTable, f: Frame, at: datetime, out: list[Event]) -> None:
    _recording(t, f, at, out, False)
