"""A living center: inbound calls at a Poisson rate, some through the IVR,
the bots answering and talking, now and then a bot dialling out from its desk
phone (``dial_out_share``). Other outbound calls come from AMI clients."""

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
        # No DIDs configured: the call comes in on the first queue (place_inbound_call picks it).
        dids: list[str | None] = [d for d, _ in cfg.did_queues] or [None]
        while True:
            await asyncio.sleep(sim.rng.expovariate(rate))
            if cfg.dial_out_share > 0 and sim.rng.random() < cfg.dial_out_share and self._bot_dials_out():
                continue
            via_ivr = cfg.agi_address is not None and sim.rng.random() < cfg.ivr_share
            sim.place_inbound_call(did=sim.rng.choice(dids), via_ivr=via_ivr)

    def _bot_dials_out(self) -> bool:
        """Now and then a bot picks up its desk phone and calls a customer (s6)."""
        sim, cfg = self.sim, self.sim.config
        # only the configured bots: an operator's phone (QueueAdd) never dials by itself
        bots = {m.interface for q in cfg.queues for m in q.members if m.bot} | {
            m.interface for m in cfg.phones if m.bot
        }
        idle = sorted(i for i in bots if i in sim.pbx.phones and not sim.pbx.phones[i].busy)
        if not idle:
            return False
        number = "79" + "".join(sim.rng.choice("0123456789") for _ in range(9))
        sim.dial_out(sim.rng.choice(idle), number)
        return True
