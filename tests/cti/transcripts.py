"""Access to the recorded Asterisk transcripts (never copied into the repo).

They live in ``<repo>/../shared/ami-transcripts`` or ``$CCDESK_TRANSCRIPTS_DIR``;
tests that need them skip, saying why, when they are absent."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cti.frames import Frame, FrameParser

T0 = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


def transcripts_dir() -> Path:
    env = os.environ.get("CCDESK_TRANSCRIPTS_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "shared" / "ami-transcripts"


def transcript(name: str) -> Path:
    path = transcripts_dir() / f"{name}.jsonl"
    if not path.is_file():
        pytest.skip(f"AMI transcript {path} not available (set CCDESK_TRANSCRIPTS_DIR)")
    return path


def require_transcripts(*names: str) -> None:
    """Skip now, before the test opens any socket, when a transcript it compares with is absent."""
    for name in names:
        transcript(name)


@dataclass(frozen=True, slots=True)
class Item:
    at: datetime
    stream: str  # "AMI", "AMI#2", …
    direction: str  # "recv" / "send" / "note"
    frame: Frame | None
    note: str = ""


def items(name: str, *, skip: Callable[[bytes], bool] | None = None) -> list[Item]:
    """Every message of a transcript, in order; a fresh parser per connection (`skip`: as the bridge's
    reader drops received messages before parsing them)."""
    parsers: dict[str, FrameParser] = {}
    out: list[Item] = []
    for line in transcript(name).read_text().splitlines():
        rec = json.loads(line)
        at = T0 + timedelta(seconds=rec["t"])
        stream, direction = rec["stream"], rec["dir"]
        if direction == "note":
            out.append(Item(at, stream, direction, None, rec["data"]))
            continue
        if not stream.startswith("AMI"):
            continue
        key = f"{stream}/{direction}"
        if key not in parsers:
            parsers[key] = FrameParser(
                expect_banner=direction == "recv",
                lenient=direction == "send",
                skip=skip if direction == "recv" else None,
            )
        for frame in parsers[key].feed(rec["data"].encode()):
            out.append(Item(at, stream, direction, frame))
    return out


def received(name: str) -> list[Item]:
    return [i for i in items(name) if i.direction == "recv" and i.frame is not None]


def sent(name: str) -> list[Item]:
    return [i for i in items(name) if i.direction == "send" and i.frame is not None]
