"""The workstation: one object the CTI event stream feeds (`handle`) and the web handlers call, composed of
a service per capability — calls (event fold, pop, call control: calls.py), call-backs (callbacks.py),
call cards (card_writer.py stores what events say, card_service.py what operators type) — and the
operators' presence. Pure rules live in live.py, cards.py, transfer.py and presence.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from crm_store import interactions
from crm_store.db import Database
from crm_store.errors import NotFound
from crm_store.records import InteractionRecord, UserRecord
from crm_store.vocabulary import CallbackStatus, CallState, Direction, PresenceState, TransferKind
from cti import events as ev

from . import presence as pr
from .callbacks import CallbackPage, CallbackService
from .calls import CallService, Control
from .card_service import CardEdits, CardService, Serving
from .card_writer import CardWriter
from .cards import CardChange, card_change
from .directory import Directory
from .errors import WorkstationError
from .live import LiveCall
from .notify import Notifier
from .presence_service import PresenceService
from .read_log import ReadLog
from .transfer import TransferTarget

log = logging.getLogger(__name__)
PHONES_OF_CALLS_KEPT = 20_000  # calls whose phones are remembered: hours of a busy floor's wrap-ups


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
        self.reads = ReadLog(db, clock)  # who viewed which customer, and how fast
        self.call_service = CallService(
            db=db,
            directory=directory,
            notifier=notifier,
            execute=execute,
            clock=clock,
            transfer_context=transfer_context,
            outbound_trunk=outbound_trunk,
            outbound_caller_id=outbound_caller_id,
            reads=self.reads,
        )
        self.calls = self.call_service.live
        self.pops = self.call_service.pops
        self.pop_latency = self.call_service.pop_latency
        self.card_service = CardService(db=db, serving=self.serving)
        self.callbacks = CallbackService(db=db, calls=self.call_service, queues_of=self.queues_of)
        self.presence_service = PresenceService(
            db=db, directory=directory, notifier=notifier, execute=execute, clock=clock, wrap_up=wrap_up
        )
        self.presence = self.presence_service.presence  # by interface (read by the supervisor's live view)
        self.pbx_health = "connecting"
        self.cards = CardWriter(db, directory, clock, self._announce_cards)
        # call id -> the phones that had the call, newest calls last: whose screen a card change of a call
        # that has ended goes to, without a walk over every operator's presence for each change
        self._phones_of: dict[str, tuple[str, ...]] = {}

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        await self.directory.refresh()
        self.cards.start()
        self.reads.start()

    async def close(self) -> None:
        await self.call_service.close()
        await self.presence_service.close()
        await self.cards.close()
        await self.reads.close()

    async def drain(self) -> None:
        """Wait until every queued card change is stored (tests and shutdown)."""
        await self.cards.drain()
        await self.reads.drain()

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
        before, call = self.call_service.fold(event)
        self._remember_phones(event, call)
        change = card_change(event, call, before)
        if change is not None:
            self.cards.put(change)
        await self.presence_service.handle(event)
        pop_on = self.call_service.pop_due(event, before, call)
        if pop_on is not None and call is not None:
            user = await self.directory.lookup_interface(pop_on)
            if user is not None:
                self.call_service.spawn(self.call_service.pop(user, call, getattr(event, "at", self.clock())))
        if call is not None:
            await self._tell_operators(before, call)
        if isinstance(event, ev.CallAbandoned | ev.CallEnded):
            await self.notifier.to_supervisors("call", call.to_json() if call else {"call_id": event.call_id})

    async def _tell_operators(self, before: LiveCall | None, call: LiveCall) -> None:
        """The operator on the call sees it change; one who just handed it on (or whose phone stopped ringing)
        sees it leave."""
        told: set[int] = set()
        for interface in (call.agent, before.agent if before else None):
            user = self.directory.by_interface(interface) if interface else None
            if user is not None and user.id not in told:
                told.add(user.id)
                await self.notifier.to_user(user.id, "call", call.to_json())

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
        if any(c.fields.get("callback_status") == CallbackStatus.PENDING for c in changes):
            await self.notifier.to_operators("callbacks", {"changed": True})

    def _remember_phones(self, event: object, call: LiveCall | None) -> None:
        """The phones an event puts a call on (as the presence fold reads them: ringing, answered, handed on)."""
        call_id = getattr(event, "call_id", None)
        if not isinstance(call_id, str):
            return
        for interface in (
            call.agent if call else None,
            getattr(event, "agent", None),
            getattr(event, "to_agent", None),
        ):
            if isinstance(interface, str) and interface:
                phones = self._phones_of.get(call_id, ())
                if interface not in phones:
                    self._phones_of[call_id] = (*phones, interface)
                    if len(self._phones_of) > PHONES_OF_CALLS_KEPT:
                        del self._phones_of[next(iter(self._phones_of))]

    def _operator_on(self, call_id: str) -> UserRecord | None:
        """The operator whose screen shows the call: the one on it, or one of the phones it was on that is
        still in its wrap-up (or on it again)."""
        call = self.calls.get(call_id)
        if call is not None and call.agent:
            return self.directory.by_interface(call.agent)
        for interface in reversed(self._phones_of.get(call_id, ())):
            p = self.presence.get(interface)
            if p is not None and call_id in (p.call_id, p.wrap_up_call_id):
                return self.directory.by_interface(interface)
        return None

    def serving(self, user: UserRecord) -> Serving:
        """The calls on `user`'s phone or in their wrap-up now, and the customers their screen shows for them."""
        if not user.extension:
            return Serving()
        presence = self.presence_of(user)
        call_ids = {c for c in (presence.call_id, presence.wrap_up_call_id) if c}
        live = self.calls.for_agent(presence.interface)
        if live is not None:
            call_ids.add(live.call_id)
        customer_ids: set[int] = set()
        for call_id in call_ids:
            call = self.calls.get(call_id)
            if call is not None and call.customer_id:
                customer_ids.add(call.customer_id)
            pop = self.pops.get(call_id)
            if pop is not None:
                customer_ids.update(m["customer"]["id"] for m in pop["matches"])
                if pop["customer_id"]:
                    customer_ids.add(pop["customer_id"])
        return Serving(call_ids=frozenset(call_ids), customer_ids=frozenset(customer_ids))

    async def save_card(self, user: UserRecord, card_id: int, edits: CardEdits) -> InteractionRecord:
        """Store exactly card `card_id` (its own call, its own customer); the call it belongs to is done."""
        card = await self.card_service.save(user, card_id, edits)
        if user.extension and card.call_id:
            await self.finish_wrap_up(user, card.call_id, has_result=bool(card.result))
        return card

    # ------------------------------------------------------------------ screen pop
    async def build_pop(self, call_id: str, caller_number: str | None = None) -> dict[str, Any]:
        call = self.calls.get(call_id)
        if call is None:
            call = LiveCall(
                call_id=call_id,
                direction=Direction.INBOUND.value,
                state=CallState.ENDED.value,
                caller_number=caller_number,
                dialed_number=None,
                customer_number=caller_number,
                offered_at=self.clock(),
            )
        return await self.call_service.build_pop(call)

    # ------------------------------------------------------------------ operator commands
    def presence_of(self, user: UserRecord) -> pr.Presence:
        return self.presence_service.presence_of(user)

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

    # ------------------------------------------------------------------ calls: control, call-backs
    def queues_of(self, user: UserRecord) -> tuple[str, ...]:
        """An operator's queues: those set for them and those their phone is signed in to now."""
        presence = self.presence_of(user) if user.extension else None
        signed_in = (*presence.queues, *presence.static_queues) if presence else ()
        return tuple(dict.fromkeys((*user.queues, *signed_in)))

    async def hangup(self, user: UserRecord, call_id: str) -> None:
        await self.call_service.hangup(user, call_id)

    async def transfer(self, user: UserRecord, call_id: str, target: TransferTarget, kind: TransferKind) -> LiveCall:
        if kind == TransferKind.BLIND and target.kind == "agent":
            # Sent blind to a phone nobody is signed in at, the customer would ring on with no way back:
            # consult first (attended), which hands the customer back if nobody answers.
            to = self.presence.get(pr.interface_for(target.value))
            if to is None or to.state == PresenceState.SIGNED_OUT:
                raise WorkstationError(
                    f"operator {target.value} is signed out: transfer attended instead",
                    code="operator_signed_out",
                    extension=target.value,
                )
        return await self.call_service.transfer(user, call_id, target, kind)

    async def complete_transfer(self, user: UserRecord, call_id: str) -> LiveCall:
        return await self.call_service.complete_transfer(user, call_id)

    async def cancel_transfer(self, user: UserRecord, call_id: str) -> LiveCall:
        return await self.call_service.cancel_transfer(user, call_id)

    async def originate(self, user: UserRecord, number: str, customer_id: int | None = None) -> str:
        return await self.call_service.originate(user, number, customer_id)

    async def callback_page(self, user: UserRecord, before: str | None = None) -> CallbackPage:
        return await self.callbacks.page(user, before)

    async def call_back(self, user: UserRecord, card_id: int) -> str:
        return await self.callbacks.call_back(user, card_id)

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
            pop = self.pops.get(call.call_id) or await self.call_service.build_pop(call)
        return {
            "presence": presence.to_json() if presence else {"state": "signed_out", "queues": []},
            "call": call.to_json() if call else None,
            "card": card,
            "pop": pop,
            "pbx": {"health": self.pbx_health},
        }
