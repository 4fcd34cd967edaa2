"""``PbxSimulator``: the in-process face of the simulated PBX (used by tests,
``ccdesk pbx-sim`` and ``ccdesk serve --pbx sim``)."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from typing import Any

from .call import SimCall
from .config import SimConfig
from .dialout import dial_trunk, start_dial_out
from .inbound import inbound_call
from .outbound import OUTCOMES
from .queueing import answer_phone
from .safety import checked
from .server import AmiServer
from .state import Pbx, Phone
from .traffic import Traffic

log = logging.getLogger(__name__)
STOP_ROUNDS = 5
STOP_WAIT = 1.0  # seconds for one round; a flow ends within milliseconds of its cancellation


class PbxSimulator:
    def __init__(
        self,
        config: SimConfig,
        *,
        caller_numbers: Callable[[], str] | None = None,
        ivr_digits: Callable[[], list[str]] | None = None,
    ) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.pbx = Pbx(config, self.rng)
        self._caller_numbers = caller_numbers or (
            lambda: "79" + "".join(self.rng.choice("0123456789") for _ in range(9))
        )
        self._ivr_digits = ivr_digits or (lambda: [])
        self._server: AmiServer | None = None
        self._traffic: Traffic | None = None
        self.port = config.port

    # --------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Listen for AMI clients (again, after ``stop(keep_calls=True)``)."""
        if self._server is None:
            self._server = AmiServer(self.pbx, self.config.host, self.port)
            await self._server.start()
            self.port = self._server.port
        if self._traffic is None and self.config.calls_per_minute > 0:
            self._traffic = Traffic(self)
            self._traffic.start()

    async def stop(self, *, keep_calls: bool = False) -> None:
        """Close the AMI port and every session. ``keep_calls`` leaves the calls
        running, like an AMI outage (or a bridge-side network cut) would."""
        if self._server is not None:
            await self._server.stop()
            self._server = None
        if keep_calls:
            return
        if self._traffic is not None:
            await self._traffic.stop()
            self._traffic = None
        # Bounded rounds: a flow being cancelled may start another (a hang-up that wakes a queue), and one
        # that swallowed its cancellation (asyncio.wait_for on Python 3.11 can) is cancelled again.
        for _ in range(STOP_ROUNDS):
            tasks = list(self.pbx.tasks)
            if not tasks:
                return
            for task in tasks:
                task.cancel()
            done, _ = await asyncio.wait(tasks, timeout=STOP_WAIT)
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    log.error("simulated call failed while stopping", exc_info=task.exception())
        log.warning("simulated calls still running after %d rounds of stopping them", STOP_ROUNDS)

    def stall(self, stalled: bool = True) -> None:
        """Keep the sockets open but answer nothing (a hung PBX)."""
        if self._server is not None:
            self._server.stalled = stalled

    # ---------------------------------------------------------------- controls

    def place_inbound_call(
        self,
        caller_number: str | None = None,
        *,
        did: str | None = None,
        queue: str | None = None,
        via_ivr: bool = False,
        caller_name: str | None = None,
        patience: float | None = None,
        talk_time: float | None = None,
        ivr_digits: list[str] | None = None,
    ) -> str:
        """Start an inbound call from the trunk; returns its call id (Linkedid).
        ValueError for text with control characters."""
        for name, value in (
            ("caller_number", caller_number),
            ("did", did),
            ("queue", queue),
            ("caller_name", caller_name),
        ):
            checked(name, value)
        for digit in ivr_digits or ():
            checked("ivr_digits", digit)
        cfg = self.config
        if queue is None and did is not None:
            queue = dict(cfg.did_queues).get(did)
        if queue is None and not via_ivr:
            queue = next(iter(self.pbx.queues))
        if did is None:
            did = next((d for d, q in cfg.did_queues if q == queue), queue or "s")
        number = caller_number or self._caller_numbers()
        ch = self.pbx.new_channel(
            f"PJSIP/{cfg.trunk}", context="incoming", exten=did, state=4, cid_num=number, cid_name=caller_name or number
        )
        ch.role = "caller"
        call = SimCall(
            call_id=ch.linkedid,
            caller=ch,
            patience=patience if patience is not None else self.rng.uniform(*cfg.abandon_patience),
            talk_time=talk_time if talk_time is not None else self.rng.uniform(*cfg.talk_time),
        )
        ch.call = call
        digits = ivr_digits if ivr_digits is not None else (self._ivr_digits() if via_ivr else None)
        self.pbx.spawn(inbound_call(self.pbx, call, did=did, queue=queue, via_ivr=via_ivr, ivr_digits=digits))
        return call.call_id

    def dial_out(
        self,
        extension: str,
        number: str,
        *,
        outcome: str | None = None,
        talk_time: float | None = None,
    ) -> str:
        """The operator of ``extension`` picks up the desk phone and dials ``number``
        (s6/s6b): their own channel is the first leg, Dial() to the trunk. The
        customer answers, is busy, doesn't answer… by ``outcome`` (see
        ``set_outbound_outcome``) or the configured ratios. Returns the call id."""
        checked("extension", extension)
        checked("number", number)
        if not extension:
            raise ValueError("extension is empty")
        if not number.isdigit() or len(number) < 5:  # [agents-out] _XXXXX. — anything else matches nothing
            raise ValueError(f"not a number the desk phone can dial out to: {number!r}")
        if outcome is not None and outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
        interface = extension if "/" in extension else f"PJSIP/{extension}"
        self.pbx.phones.setdefault(interface, Phone(interface, None))
        name = next((q.members[interface].name for q in self.pbx.queues.values() if interface in q.members), "")
        call = start_dial_out(self.pbx, interface, number, name=name)
        self.pbx.spawn(dial_trunk(self.pbx, call, call.caller, number, outcome=outcome, talk_time=talk_time))
        return call.call_id

    def hangup_channel(self, channel: str) -> bool:
        """Hang up one channel as its phone would (the operator puts the handset down,
        the consultee rejects the consultation); False if there is no such channel."""
        ch = self.pbx.channels.get(checked("channel", channel) or "")
        if ch is None or ch.call is None:
            return False
        kind = {"agent": "agent_hangup", "consult": "consult_hangup"}.get(ch.role, "caller_hangup")
        ch.call.signal(kind, channel=ch.name)
        return True

    def answer(self, interface: str) -> bool:
        """Pick up the ringing phone of ``interface`` (the simulator-mode button)."""
        return answer_phone(self.pbx, interface)

    def hangup_caller(self, call_id: str) -> bool:
        for ch in self.pbx.channels.values():
            if ch.linkedid == call_id and ch.role in ("caller", "outbound") and ch.call:
                ch.call.signal("caller_hangup")
                return True
        return False

    def set_auto_answer(self, interface: str, delay: float | None) -> None:
        checked("interface", interface)
        phone = self.pbx.phones.setdefault(interface, Phone(interface, delay))
        phone.auto_answer = delay

    def ensure_phone(self, interface: str, *, auto_answer: float | None = None) -> None:
        """Make a desk phone that is no queue member (a supervisor's) known to the PBX, as its PJSIP endpoint
        would be; a phone the PBX knows already keeps its settings."""
        checked("interface", interface)
        if interface not in self.pbx.phones:
            self.pbx.phones[interface] = Phone(interface, auto_answer)

    def set_outbound_outcome(self, number: str, outcome: str | None) -> None:
        """Force what happens when ``number`` is dialed (answered/busy/no_answer/
        congestion/failed); None returns to the configured ratios."""
        checked("number", number)
        if outcome is not None and outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
        if outcome is None:
            self.pbx.outbound_overrides.pop(number, None)
        else:
            self.pbx.outbound_overrides[number] = outcome

    def snapshot(self) -> dict[str, Any]:
        pbx = self.pbx
        return {
            "queues": {
                q.name: {
                    "waiting": [c.call_id for c in q.waiting],
                    "completed": q.completed,
                    "abandoned": q.abandoned,
                    "members": {
                        m.interface: {
                            "name": m.name,
                            "paused": m.paused,
                            "reason": m.paused_reason,
                            "dynamic": m.dynamic,
                            "status": pbx.member_status(m),
                            "calls_taken": m.calls_taken,
                        }
                        for m in q.members.values()
                    },
                }
                for q in pbx.queues.values()
            },
            "channels": [
                {
                    "channel": c.name,
                    "uniqueid": c.uniqueid,
                    "call_id": c.linkedid,
                    "state": c.state,
                    "role": c.role,
                    "caller_number": c.cid_num,
                }
                for c in pbx.channels.values()
            ],
            "ringing": sorted(p.interface for p in pbx.phones.values() if p.ring is not None and not p.ring.done()),
        }
