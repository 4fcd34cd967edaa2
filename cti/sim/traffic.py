"""A living center: inbound calls at a Poisson rate, some through the IVR,
the bots answering and talking. Outbound calls come from the dialer (AMI)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .simulator import PbxSimulator


class Traffic:
    def __init__(self, sim: PbxSimulator) -> None:
        self.sim = sim
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        sim, cfg = self.sim, self.sim.config
        rate = cfg.calls_per_minute / 60.0
        dids = [d for d, _ in cfg.did_queues] or [None]
        while True:
            await asyncio.sleep(sim.rng.expovariate(rate))
            via_ivr = cfg.agi_address is not None and sim.rng.random() < cfg.ivr_share
            sim.place_inbound_call(did=sim.rng.choice(dids), via_ivr=via_ivr)
