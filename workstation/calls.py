"""Calls: the event fold (live calls), the screen pop, and call control (hang up, transfer blind or
attended — consult, complete, cancel —, call a customer). Typed inputs in, records out; the web layer
only parses requests and renders what this returns."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import uuid4

from crm_store import interactions
from crm_store.audit import audit
from crm_store.db import Database
from crm_store.pop import call_pop
from crm_store.records import UserRecord
from crm_store.vocabulary import CallbackStatus, CallOutcome, CallState, ConsultState, Direction, Role, TransferKind
from cti import control as cc
from cti import events as ev
from cti.errors import InvalidValue

from .cards import caller_e164
from .directory import Directory
from .errors import ForbiddenError, WorkstationError
from .live import LiveCall, LiveCalls, end_consult, is_consult_leg, start_consult
from .metrics import LatencyWindow
from .notify import Notifier
from .presence import interface_for
from .read_log import ReadLog
from .tasks import TaskKeeper
from .transfer import TransferTarget

log = logging.getLogger(__name__)

POPS_KEPT = 2_000
ORIGINATES_KEPT = 1_000
Control = Callable[[Any], Awaitable[Any]]  # async (command) -> cti.control.ActionResult


@dataclass(frozen=True, slots=True, kw_only=True)
class Originated:
    """A call ccdesk placed for an operator: their phone rings first, then the customer is dialled."""

    interface: str
    number: str  # the customer's number, E.164
    customer_id: int | None
    callback_card_id: int | None  # the missed call this call-back answers


class CallService:
    def __init__(
        self,
        *,
        db: Database,
        directory: Directory,
        notifier: Notifier,
        execute: Control,
        clock: Callable[[], datetime],
        transfer_context: str = "incoming",
        agents_context: str = "agents",
        outbound_trunk: str = "PJSIP/{number}@trunk",
        outbound_caller_id: str = "74950000000",
        reads: ReadLog | None = None,
    ) -> None:
        self.db = db
        self.directory = directory
        self.notifier = notifier
        self.execute = execute
        self.clock = clock
        self.transfer_context = transfer_context
        self.agents_context = agents_context
        self.outbound_trunk = outbound_trunk
        self.outbound_caller_id = outbound_caller_id
        self.reads = reads
        self.live = LiveCalls()
        self.pops: dict[str, dict[str, Any]] = {}  # last pop per call, to restore a reloaded page
        self.pop_latency = LatencyWindow()
        self.originated: dict[str, Originated] = {}
        self._tasks = TaskKeeper("calls")

    async def close(self) -> None:
        await self._tasks.close()

    async def settle(self) -> None:
        """Let the pops and call-back updates under way finish (tests, a replay)."""
        await self._tasks.wait()

    # ------------------------------------------------------------------ the event fold
    def fold(self, event: object) -> tuple[LiveCall | None, LiveCall | None]:
        """The call before and after `event`."""
        before = self.live.get(getattr(event, "call_id", "") or "")
        after = self.live.apply(event)
        if (
            isinstance(event, ev.OriginateResult)
            and event.outcome != ev.OriginateOutcome.ANSWERED
            and (after is None or after.state == CallState.OFFERED or after.state == CallState.RINGING)
        ):
            # The operator's own phone was never picked up (or the PBX could not ring it): no call follows.
            self._give_up(event.call_id)
        after = self._own_originate(event, after)
        return before, after

    def _give_up(self, call_id: str) -> None:
        mine = self.originated.pop(call_id, None)
        if mine is not None and mine.callback_card_id is not None:
            self._tasks.spawn(self._reopen_callback(mine.callback_card_id))

    def _own_originate(self, event: object, call: LiveCall | None) -> LiveCall | None:
        """A call ccdesk placed rings the operator's own phone first: that phone is the call's agent from the
        start, and the other party is the customer dialled, not the phone the PBX reports as the caller."""
        if call is None or call.call_id not in self.originated:
            return call
        mine = self.originated[call.call_id]
        if isinstance(event, ev.CallOffered):
            call = replace(
                call,
                direction=Direction.OUTBOUND.value,
                agent=mine.interface,
                agent_channel=call.agent_channel or event.channel,
                # Offered when the phone dials the customer (the operator answered), or — where the PBX link
                # reports the phone's own leg first — while the operator's phone still rings.
                state=(CallState.DIALING if event.agent else CallState.RINGING)
                if call.state in (CallState.OFFERED, CallState.DIALING)
                else call.state,
                customer_number=mine.number,
                customer_id=mine.customer_id,
            )
        elif isinstance(event, ev.OriginateResult) and event.outcome == ev.OriginateOutcome.ANSWERED:
            if call.state != CallState.RINGING:
                return call
            call = replace(call, state=CallState.DIALING)  # the operator picked up: the customer is dialled
        elif isinstance(event, ev.CallEnded):
            if event.answered:
                del self.originated[call.call_id]
            else:
                self._give_up(call.call_id)
            return call
        else:
            return call
        return self.live.update(call)

    def pop_due(self, event: object, before: LiveCall | None, after: LiveCall | None) -> str | None:
        """The phone interface to pop the customer on, when `event` is the moment to: an inbound call ringing
        an operator, a call ccdesk placed ringing its operator, an outbound call the customer answered."""
        if after is None or is_consult_leg(before, event):
            return None
        if isinstance(event, ev.AgentRinging) and after.direction == Direction.INBOUND:
            return event.agent
        if isinstance(event, ev.CallOffered) and event.call_id in self.originated:
            return after.agent
        if isinstance(event, ev.CallTransferred) and after.agent and after.agent != (before.agent if before else None):
            return after.agent  # the consultee has the customer now: their screen shows who it is
        if isinstance(event, ev.CallAnswered) and after.direction == Direction.OUTBOUND:
            if after.call_id not in self.pops and after.call_id not in self.originated and after.agent:
                return after.agent
        return None

    async def pop(self, user: UserRecord, call: LiveCall, since: datetime) -> dict[str, Any]:
        payload = await self.build_pop(call)
        # From the moment the frame was read to the moment the pop is handed to Socket.IO.
        self.pop_latency.add((self.clock() - since).total_seconds() * 1000)
        self.pops[call.call_id] = payload
        while len(self.pops) > POPS_KEPT:
            del self.pops[next(iter(self.pops))]
        current = self.live.get(call.call_id) or call
        if payload["ivr_path"] or payload["routing_reason"]:
            current = self.live.update(
                replace(current, ivr_path=tuple(payload["ivr_path"]), routing_reason=payload["routing_reason"])
            )
        await self.notifier.to_user(user.id, "pop", payload)
        if self.reads is not None:  # queued, written in batches: the pop never waits for the audit log
            for match in payload["matches"]:
                self.reads.viewed(user.id, match["customer"]["id"], "pop", call_id=call.call_id)
        if current.state != CallState.ENDED:
            await self.notifier.to_user(user.id, "call", current.to_json())
        return payload

    async def build_pop(self, call: LiveCall) -> dict[str, Any]:
        """Who is on the other end of `call`: the customer being called (an outbound call, a call-back) or
        the caller, with their history — the call itself left out of it — and what the IVR did."""
        number = call.customer_number
        matches, card = await call_pop(self.db, call.call_id, number, call.customer_id)
        customer_id = call.customer_id or (card.customer_id if card else None)
        if customer_id is None and len(matches) == 1:
            customer_id = matches[0]["customer"]["id"]
        ivr_path = list(card.ivr_path) if card else []
        routing_reason = card.routing_reason if card else None
        return {
            "call_id": call.call_id,
            "direction": call.direction,
            "card_id": card.id if card else None,
            "customer_number": caller_e164(number),
            "caller_number": caller_e164(number),  # the name older screens read
            "customer_id": customer_id,
            "matches": matches,
            "ivr_path": ivr_path,
            "routing_reason": routing_reason,
            "ivr": {
                "path": ivr_path,
                "identified": card.ivr_identified,
                "self_served": card.self_served,
                "routing_queue": card.routing_queue,
                "routing_reason": routing_reason,
            }
            if card
            else None,
        }

    def spawn(self, coro: Any) -> None:
        self._tasks.spawn(coro)

    # ------------------------------------------------------------------ whose call
    def call_of(self, user: UserRecord) -> LiveCall | None:
        if not user.extension:
            return None
        return self.live.for_agent(interface_for(user.extension))

    def my_call(self, user: UserRecord, call_id: str) -> LiveCall:
        call = self.live.active.get(call_id)
        if call is None:
            raise WorkstationError("this call has already ended", code="call_ended")
        if user.role not in (Role.SUPERVISOR, Role.ADMIN) and call.agent != interface_for(user.extension or ""):
            # Only those who watch the floor act on others' calls: an operator (or a department user, who has
            # no phone on the floor) acts on the call on their own phone.
            raise ForbiddenError("this call is not on your phone", code="call_not_yours")
        return call

    @staticmethod
    def _connected(call: LiveCall) -> str:
        if not call.agent_channel:
            raise WorkstationError("the call is not connected to a phone yet", code="call_not_connected")
        return call.agent_channel

    async def _run(self, command: Any) -> None:
        try:
            result = await self.execute(command)
        except InvalidValue as exc:  # nothing unchecked reaches the PBX: cti/ refused it before sending
            raise WorkstationError(str(exc), code="invalid_value", field=exc.field) from None
        if not result.ok:
            raise WorkstationError(f"the PBX refused: {result.message}", code="pbx_refused", reason=result.message)

    async def _announce(self, user: UserRecord, call: LiveCall) -> None:
        await self.notifier.to_user(user.id, "call", call.to_json())

    # ------------------------------------------------------------------ call control
    async def hangup(self, user: UserRecord, call_id: str) -> None:
        call = self.my_call(user, call_id)
        channel = call.agent_channel
        if channel is None and call.transferred_at is not None and call.state == CallState.TALKING:
            # Handed over by an attended transfer: the consultee's own channel is not reported, but ending the
            # customer's leg ends this two-party call just the same.
            channel = call.customer_channel
        if channel is None:
            raise WorkstationError("the call is not connected to a phone yet", code="call_not_connected")
        await self._run(cc.Hangup(channel=channel))
        await audit(self.db, user.id, "call.hangup", "call", call_id)

    async def transfer(self, user: UserRecord, call_id: str, target: TransferTarget, kind: TransferKind) -> LiveCall:
        """Blind: the call goes to `target` now. Attended: a consultation with `target` starts while the
        customer is held; complete_transfer or cancel_transfer ends it (or the consultee never answers)."""
        call = self.my_call(user, call_id)
        channel = self._connected(call)
        if kind == TransferKind.ATTENDED:
            if target.kind == "queue":
                raise WorkstationError(
                    "an attended transfer goes to an operator or a number, not a queue", code="attended_to_queue"
                )
            if call.consult is not None and call.consult.state != ConsultState.FAILED:
                raise WorkstationError("a consultation is already going on", code="consult_in_progress")
            if target.kind == "agent" and interface_for(target.value) == call.agent:
                raise WorkstationError("that is your own phone", code="transfer_to_self")
            # Exten as digits: Asterisk dials the consultee by DTMF, letters would be lost (s7).
            await self._run(cc.AttendedTransfer(channel=channel, exten=target.value, context=self.agents_context))
            call = self.live.update(start_consult(call, target.label))
            await self._announce(user, call)
        else:
            if call.consult is not None and call.consult.state != ConsultState.FAILED:
                raise WorkstationError("finish or cancel the consultation first", code="consult_in_progress")
            context = self.transfer_context if target.kind == "queue" else self.agents_context
            await self._run(cc.BlindTransfer(channel=channel, exten=target.value, context=context))
        await audit(self.db, user.id, "call.transfer", "call", call_id, {"target": target.label, "kind": kind.value})
        return call

    async def complete_transfer(self, user: UserRecord, call_id: str) -> LiveCall:
        """Hand the customer to the consultee: the operator's own leg hangs up (that is how Asterisk completes
        an attended transfer, s7)."""
        call = self.my_call(user, call_id)
        consult = call.consult
        if consult is None or consult.state == ConsultState.FAILED:
            raise WorkstationError("there is no consultation to complete", code="no_consult")
        await self._run(cc.CompleteTransfer(channel=self._connected(call)))
        await audit(self.db, user.id, "call.transfer_complete", "call", call_id, {"target": consult.target})
        return call

    async def cancel_transfer(self, user: UserRecord, call_id: str) -> LiveCall:
        """Drop the consultation and go back to the held customer: the consultee's leg hangs up and Asterisk
        reconnects the operator (s7). A consultation that already failed is just cleared."""
        call = self.my_call(user, call_id)
        consult = call.consult
        if consult is None:
            raise WorkstationError("there is no consultation to cancel", code="no_consult")
        if consult.state != ConsultState.FAILED and consult.channel:
            await self._run(cc.CancelTransfer(channel=consult.channel))
        # No consult leg ever showed up (a number that rings nothing): there is nothing to hang up.
        call = self.live.update(end_consult(call))
        await self._announce(user, call)
        await audit(self.db, user.id, "call.transfer_cancel", "call", call_id, {"target": consult.target})
        return call

    async def consult_failed(self, call_id: str) -> None:
        """The consultee did not answer (or could not be reached): the operator keeps the customer."""
        call = self.live.active.get(call_id)
        if call is None or call.consult is None:
            return
        call = self.live.update(end_consult(call, ConsultState.FAILED))
        user = self.directory.by_interface(call.agent)
        if user is not None:
            await self._announce(user, call)

    async def originate(
        self, user: UserRecord, number: str, customer_id: int | None = None, callback_card_id: int | None = None
    ) -> str:
        """Call a customer from the operator's phone: the phone rings first, then the customer is dialled.
        The attempt gets its own card at once, with the customer called."""
        if not user.extension:
            raise WorkstationError("you have no phone extension", code="no_extension")
        e164 = caller_e164(number)
        if not e164 or not e164.startswith("+"):
            raise WorkstationError(f"not a phone number: {number!r}", code="invalid_number", number=number)
        interface = interface_for(user.extension)
        call_id = f"cb-{uuid4().hex[:16]}"
        while len(self.originated) >= ORIGINATES_KEPT:  # fates the PBX never told (a lost connection)
            del self.originated[next(iter(self.originated))]
        self.originated[call_id] = Originated(
            interface=interface, number=e164, customer_id=customer_id, callback_card_id=callback_card_id
        )
        await interactions.open_call_card(
            self.db,
            call_id=call_id,
            offered_at=self.clock(),
            direction=Direction.OUTBOUND.value,
            caller_number=e164,
            called_number=e164,
            customer_id=customer_id,
        )
        await interactions.update_call_card(self.db, call_id, {"agent_id": user.id, "agent_interface": interface})
        result = await self.execute(
            cc.Originate(
                destination=interface,
                application="Dial",
                data=self.outbound_trunk.format(number=e164.lstrip("+")),
                caller_id=f"<{self.outbound_caller_id}>",
                channel_id=call_id,
                variables={"CCDESK_CUSTOMER": str(customer_id or "")},
            )
        )
        if not result.ok:
            self.originated.pop(call_id, None)
            await interactions.update_call_card(
                self.db,
                call_id,
                {"state": CallState.ENDED.value, "outcome": CallOutcome.FAILED.value, "ended_at": self.clock()},
            )
            raise WorkstationError(
                f"the PBX refused the call: {result.message}", code="pbx_refused", reason=result.message
            )
        await audit(self.db, user.id, "call.originate", "call", call_id, {"number": e164, "customer_id": customer_id})
        return call_id

    async def _reopen_callback(self, card_id: int) -> None:
        """A call-back nobody answered puts the missed call back on the list."""
        card = await interactions.get_call_card(self.db, interaction_id=card_id)
        if card.call_id and card.callback_status == CallbackStatus.DONE:
            await interactions.update_call_card(
                self.db, card.call_id, {"callback_status": CallbackStatus.PENDING.value}
            )
            await self.notifier.to_operators("callbacks", {"changed": True})
