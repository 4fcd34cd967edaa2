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
    held: list[Signal] = field(default_factory=list)  # taken from ``signals`` but not yet handed to a flow
    poke_pending: bool = False  # a "poke" waits in ``signals``: one is enough to look at the queue again

    def signal(self, kind: str, **data: str) -> None:
        if kind == "poke":
            if self.poke_pending:
                return
            self.poke_pending = True
        self.signals.put_nowait(Signal(kind, data))

    async def next_signal(self, timeout: float | None) -> Signal | None:
        """The next signal, or None when ``timeout`` runs out first."""
        sig = await self._next_signal(timeout)
        if sig is not None and sig.kind == "poke":
            self.poke_pending = False
        return sig

    async def _next_signal(self, timeout: float | None) -> Signal | None:
        if self.held:
            return self.held.pop(0)
        if timeout is not None and timeout <= 0:
            return self.signals.get_nowait() if not self.signals.empty() else None
        # The signal is read by a task of its own, as asyncio.wait_for did before: the flows keep the pace
        # (loop turns between a signal and what it causes) that ccdesk's tests were written against. Not
        # wait_for itself: on Python 3.11 it returns a signal that arrives in the same turn as a
        # cancellation and drops the cancellation, and a stopping simulator waited for the flow forever.
        getter = asyncio.ensure_future(self.signals.get())
        try:
            await asyncio.wait({getter}, timeout=timeout)
        except asyncio.CancelledError:
            if getter.done() and not getter.cancelled():
                self.held.append(getter.result())  # taken as the flow was cancelled: kept for the next reader
            else:
                getter.cancel()  # a get that has not run leaves its signal in the queue
            raise
        if getter.done():
            return getter.result()
        getter.cancel()
        return None
