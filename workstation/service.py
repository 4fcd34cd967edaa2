"""The workstation's use-cases: fold CTI events into calls, presence and call cards, pop the caller's
history on the ringing operator's screen, and carry out what operators ask (sign in, pause, hang up,
transfer, call back). Pure rules live in live.py, presence.py and cards.py; this module does the I/O.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import uuid4

from crm_store import interactions
from crm_store.audit import audit
from crm_store.db import Database
from crm_store.errors import NotFound
from crm_store.pop import call_pop
from crm_store.records import UserRecord
from cti import control as cc
from cti import events as ev

from . import presence as pr
from .card_writer import CardWriter
from .cards import CardChange, caller_e164, card_change
from .directory import Directory
from .errors import WorkstationError
from .live import LiveCalls
from .metrics import LatencyWindow
from .notify import Notifier
from .presence_service import PresenceService
from .tasks import TaskKeeper

log = logging.getLogger(__name__)

POPS_KEPT = 2_000
Control = Callable[[Any], Any]  # async (command) -> cti.control.ActionResult


class Workstation:
    def __init__(
        self,
        *,
        db: Database,
        directory: Directory,
        notifier: Notifier,
        execute: Control,
        clock: Callable[[], datetime],
        transfer_context: str = "incoming",
        outbound_trunk: str = "PJSIP/{number}@trunk",
        outbound_caller_id: str = "74950000000",
        wrap_up: pr.WrapUpPolicy = pr.no_wrap_up,
    ) -> None:
        self.db = db
        self.directory = directory
        self.notifier = notifier
        self.execute = execute
        self.clock = clock
        self.transfer_context = transfer_context
        self.outbound_trunk = outbound_trunk
        self.outbound_caller_id = outbound_caller_id
        self.calls = LiveCalls()
        self.presence_service = PresenceService(
            db=db, directory=directory, notifier=notifier, execute=execute, clock=clock, wrap_up=wrap_up
        )
        self.presence = self.presence_service.presence  # by interface (read by the supervisor's live view)
        self.pops: dict[str, dict[str, Any]] = {}  # last pop per call, to restore a reloaded page
        self.pbx_health = "connecting"
        self.pop_latency = LatencyWindow()
        self.cards = CardWriter(db, directory, clock, self._announce_cards)
        self._tasks = TaskKeeper("workstation")
        self._originated: dict[str, str] = {}  # call id → the operator's phone it rings first

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        await self.directory.refresh()
        self.cards.start()

    async def close(self) -> None:
        await self._tasks.close()
        await self.presence_service.close()
        await self.cards.close()

    async def drain(self) -> None:
        """Wait until every queued card change is stored (tests and shutdown)."""
        await self.cards.drain()

    # ------------------------------------------------------------------ events in
    async def handle(self, event: object) -> None:
        """One CTI event, in the order the PBX sent it."""
        if isinstance(event, ev.PbxConnected | ev.PbxDisconnected | ev.PbxLoginFailed):
            self.pbx_health = {
                ev.PbxConnected: "connected",
                ev.PbxDisconnected: "disconnected",
                ev.PbxLoginFailed: "login_failed",
            }[type(event)]
            await self.notifier.to_operators("pbx", {"health": self.pbx_health})
            return
        call = self.calls.apply(event)
        call = self._attach_originating_phone(event, call)
        change = card_change(event, call)
        if change is not None:
            self.cards.put(change)
        await self.presence_service.handle(event)
        if isinstance(event, ev.AgentRinging):
            user = await self.directory.lookup_interface(event.agent)
            if user is not None:
                self._tasks.spawn(self._pop(user, event))
        if call is not None and call.agent:
            user = self.directory.by_interface(call.agent)
            if user is not None:
                await self.notifier.to_user(user.id, "call", call.to_json())
        if isinstance(event, ev.CallAbandoned | ev.CallEnded):
            await self.notifier.to_supervisors("call", call.to_json() if call else {"call_id": event.call_id})

    def _attach_originating_phone(self, event: object, call: Any) -> Any:
        """A call-back rings the operator's own phone first: that phone is the call's agent from the start."""
        if call is None or call.call_id not in self._originated:
            return call
        interface = self._originated[call.call_id]
        if isinstance(event, ev.CallOffered):
            call = replace(call, agent=interface, agent_channel=event.channel, state="ringing")
        elif isinstance(event, ev.OriginateResult | ev.CallAnswered) and call.state != "ended":
            call = replace(call, state="talking", answered_at=call.answered_at or event.at)
        elif isinstance(event, ev.CallEnded):
            del self._originated[call.call_id]
            return call
        self.calls.active[call.call_id] = call
        return call

    # ------------------------------------------------------------------ call cards
    async def _announce_cards(self, changes: list[CardChange]) -> None:
        """Send the stored cards to the operators on those calls; tell everyone the call-back list moved."""
        recipients: dict[str, int] = {}
        for change in changes:
            user = self._operator_on(change.call_id)
            if user is not None:
                recipients[change.call_id] = user.id
        for card in await interactions.cards_for_calls(self.db, list(recipients)):
            await self.notifier.to_user(recipients[card.call_id or ""], "card", card.to_json())
        if any(c.fields.get("callback_status") == "pending" for c in changes):
            await self.notifier.to_operators("callbacks", {"changed": True})

    def _operator_on(self, call_id: str) -> UserRecord | None:
        call = self.calls.get(call_id)
        if call is not None and call.agent:
            return self.directory.by_interface(call.agent)
        return next((self.directory.by_interface(i) for i, p in self.presence.items() if p.call_id == call_id), None)

    # ------------------------------------------------------------------ screen pop
    async def _pop(self, user: UserRecord, event: ev.AgentRinging) -> None:
        payload = await self.build_pop(event.call_id, event.caller_number)
        # From the moment the ringing frame was read to the moment the pop is handed to Socket.IO.
        self.pop_latency.add((self.clock() - event.at).total_seconds() * 1000)
        self.pops[event.call_id] = payload
        while len(self.pops) > POPS_KEPT:
            del self.pops[next(iter(self.pops))]
        await self.notifier.to_user(user.id, "pop", payload)

    async def build_pop(self, call_id: str, caller_number: str | None) -> dict[str, Any]:
        matches, card = await call_pop(self.db, call_id, caller_number)
        return {
            "call_id": call_id,
            "card_id": card.id if card else None,
            "caller_number": caller_e164(caller_number),
            "matches": matches,
            "ivr": {
                "path": list(card.ivr_path),
                "identified": card.ivr_identified,
                "self_served": card.self_served,
                "routing_queue": card.routing_queue,
                "routing_reason": card.routing_reason,
            }
            if card
            else None,
        }

    # ------------------------------------------------------------------ operator commands
    def presence_of(self, user: UserRecord) -> pr.Presence:
        return self.presence_service.presence_of(user)

    async def _run(self, commands: tuple[Any, ...]) -> None:
        for command in commands:
            result = await self.execute(command)
            if not result.ok:
                raise WorkstationError(f"the PBX refused: {result.message}")

    # Presence use-cases live in presence_service.py; these keep the workstation's old entry points.
    async def sign_in(self, user: UserRecord, queues: list[str]) -> pr.Presence:
        return await self.presence_service.sign_in(user, queues)

    async def sign_out(self, user: UserRecord) -> pr.Presence:
        return await self.presence_service.sign_out(user)

    async def pause(self, user: UserRecord, reason: str) -> pr.Presence:
        return await self.presence_service.pause(user, reason)

    async def resume(self, user: UserRecord) -> pr.Presence:
        return await self.presence_service.resume(user)

    async def finish_wrap_up(self, user: UserRecord, call_id: str, *, has_result: bool = True) -> None:
        """The card of a call was saved: its wrap-up ends (unless its queue wants a result and there is none)."""
        await self.presence_service.card_saved(user, call_id, has_result=has_result)

    def _my_call(self, user: UserRecord, call_id: str) -> Any:
        call = self.calls.active.get(call_id)
        if call is None:
            raise WorkstationError("this call has already ended")
        if user.role == "operator" and call.agent != pr.interface_for(user.extension or ""):
            raise WorkstationError("this call is not on your phone")
        return call

    async def hangup(self, user: UserRecord, call_id: str) -> None:
        call = self._my_call(user, call_id)
        if not call.agent_channel:
            raise WorkstationError("the call is not connected to a phone yet")
        await self._run((cc.Hangup(channel=call.agent_channel),))
        await audit(self.db, user.id, "call.hangup", "call", call_id)

    async def transfer(self, user: UserRecord, call_id: str, target: str, kind: str) -> None:
        call = self._my_call(user, call_id)
        if not call.agent_channel:
            raise WorkstationError("the call is not connected to a phone yet")
        kind_, _, value = target.partition(":") if ":" in target else ("number", "", target)
        value = value.strip()
        if not value:
            raise WorkstationError("choose where to transfer the call")
        if kind == "attended":
            if kind_ == "queue":
                raise WorkstationError("an attended transfer goes to an operator or a number, not a queue")
            command: Any = cc.AttendedTransfer(channel=call.agent_channel, exten=value)
        elif kind == "blind":
            context = self.transfer_context if kind_ == "queue" else "agents"
            command = cc.BlindTransfer(channel=call.agent_channel, exten=value, context=context)
        else:
            raise WorkstationError(f"unknown transfer kind {kind!r}")
        await self._run((command,))
        await audit(self.db, user.id, "call.transfer", "call", call_id, {"target": target, "kind": kind})

    async def originate(self, user: UserRecord, number: str, customer_id: int | None = None) -> str:
        """Call a customer from the operator's phone: the phone rings first, then the customer is dialed."""
        if not user.extension:
            raise WorkstationError("you have no phone extension")
        e164 = caller_e164(number)
        if not e164 or not e164.startswith("+"):
            raise WorkstationError(f"not a phone number: {number!r}")
        call_id = f"cb-{uuid4().hex[:16]}"
        self._originated[call_id] = pr.interface_for(user.extension)
        await interactions.open_call_card(
            self.db,
            call_id=call_id,
            offered_at=self.clock(),
            direction="outbound",
            caller_number=e164,
            customer_id=customer_id,
        )
        await interactions.update_call_card(
            self.db, call_id, {"agent_id": user.id, "agent_interface": pr.interface_for(user.extension)}
        )
        result = await self.execute(
            cc.Originate(
                destination=pr.interface_for(user.extension),
                application="Dial",
                data=self.outbound_trunk.format(number=e164.lstrip("+")),
                caller_id=f"<{self.outbound_caller_id}>",
                channel_id=call_id,
                variables={"CCDESK_CUSTOMER": str(customer_id or "")},
            )
        )
        if not result.ok:
            self._originated.pop(call_id, None)
            await interactions.update_call_card(
                self.db, call_id, {"state": "ended", "outcome": "failed", "ended_at": self.clock()}
            )
            raise WorkstationError(f"the PBX refused the call: {result.message}")
        await audit(self.db, user.id, "call.originate", "call", call_id, {"number": e164, "customer_id": customer_id})
        return call_id

    # ------------------------------------------------------------------ what a (re)loaded page needs
    async def state_for(self, user: UserRecord) -> dict[str, Any]:
        presence = self.presence_of(user) if user.extension else None
        call = None
        if presence is not None:
            call = self.calls.for_agent(presence.interface) or (
                self.calls.get(presence.call_id or presence.wrap_up_call_id or "")
            )
        card = None
        pop = None
        if call is not None:
            try:
                card = (await interactions.get_call_card(self.db, call_id=call.call_id)).to_json()
            except NotFound:
                card = None
            pop = self.pops.get(call.call_id) or await self.build_pop(call.call_id, call.caller_number)
        return {
            "presence": presence.to_json() if presence else {"state": "signed_out", "queues": []},
            "call": call.to_json() if call else None,
            "card": card,
            "pop": pop,
            "pbx": {"health": self.pbx_health},
        }
