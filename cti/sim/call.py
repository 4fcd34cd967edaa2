"""One simulated call: its channels and the signals that drive its flow.

The flow of a call is one asyncio task. Anything from outside (the caller
hanging up, an AMI Hangup/Redirect/BlindTransfer, a phone answering) arrives as
a signal in ``signals``; the flow waits for the next signal or a timeout.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from .channel import SimChannel


@dataclass(frozen=True, slots=True)
class Signal:
    kind: str  # caller_hangup / agent_hangup / answered / redirect / transfer / atxfer
    data: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True, eq=False)
class SimCall:
    call_id: str
    caller: SimChannel
    queue: str | None = None
    priority: int = 0
    patience: float | None = None  # the caller hangs up after this long in queue
    talk_time: float = 30.0
    joined: float = 0.0
    original_position: int = 0
    agent: SimChannel | None = None
    member: str | None = None  # interface of the connected member
    ringing: dict[str, SimChannel] = field(default_factory=dict)  # interface → agent channel
    signals: asyncio.Queue[Signal] = field(default_factory=asyncio.Queue)
    # AgentCompletes held back by a Redirect, sent when the caller hangs up (gotcha 9)
    deferred: list[Callable[[], None]] = field(default_factory=list)

    def signal(self, kind: str, **data: str) -> None:
        self.signals.put_nowait(Signal(kind, data))

    async def next_signal(self, timeout: float | None) -> Signal | None:
        """The next signal, or None when ``timeout`` runs out first."""
        if timeout is not None and timeout <= 0:
            return self.signals.get_nowait() if not self.signals.empty() else None
        # Not wait_for: on Python 3.11 it returns a signal that arrives in the same loop turn as a
        # cancellation and drops the cancellation, so a stopping simulator waited for a flow forever.
        try:
            async with asyncio.timeout(timeout):
                return await self.signals.get()
        except TimeoutError:
            return None
