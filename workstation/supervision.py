"""What a supervisor does to operators and waiting calls: pause, unpause, log out, move between queues, listen
(whisper, barge) to a call, take over a waiting call and change its priority.

The rules — which action an operator's state allows, what ChanSpy is asked for — are pure functions here. The
service checks who asks and with what, carries the action out (through the operator's own presence service
for pauses and sign-out, as PBX commands for the rest), audits it and tells the supervisors' screens. Every
value bound for the PBX passes cti.values when the command becomes an AMI action: a forged one sends nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from crm_store import desk_phones
from crm_store.audit import audit
from crm_store.db import Database
from crm_store.records import UserRecord
from crm_store.vocabulary import SUPERVISING_ROLES, CallState, PauseReason, SpyMode, codes
from cti import control as cc
from cti import events as ev
from cti.errors import InvalidValue

from . import presence as pr
from .errors import ForbiddenError, NotFoundError, WorkstationError
from .live import LiveCall, LiveCalls
from .notify import Notifier
from .presence_service import PresenceService

log = logging.getLogger(__name__)
Control = Callable[[Any], Any]  # async (command) -> cti.control.ActionResult

# ------------------------------------------------------------------ the rules (pure)

PAUSE, UNPAUSE, LOG_OUT, MOVE = "pause", "unpause", "log_out", "move"
TAKE_OVER, PRIORITY = "take_over", "priority"
SPY_MODES = codes(SpyMode)
# A supervisor pauses for a person's reason; after-call work is ccdesk's own pause, never chosen.
PAUSE_REASONS = tuple(r for r in codes(PauseReason) if r != PauseReason.AFTER_CALL_WORK)
WAITING = (CallState.QUEUED.value, CallState.RINGING.value)  # in a queue, perhaps ringing a member: not answered
NOT_DYNAMIC = "Member not dynamic"  # app_queue's answer to QueueRemove of a queues.conf member
# ChanSpy options: q no beep, E end when the spied channel hangs up (else the supervisor hears silence);
# w whisper (the operator hears the supervisor), B barge (both do).
_SPY_OPTIONS = {SpyMode.LISTEN: "qE", SpyMode.WHISPER: "qEw", SpyMode.BARGE: "qEB"}


def spy_options(mode: SpyMode) -> str:
    return _SPY_OPTIONS[mode]


def agent_actions(p: pr.Presence, *, operator: bool, spy_modes: tuple[str, ...] = SPY_MODES) -> tuple[str, ...]:
    """What a supervisor may do to this phone now. `operator`: a ccdesk user sits at it (a phone nobody signs
    in at — a simulated bot, a static member — can be listened to but not managed); `spy_modes`: the ways of
    joining a call this PBX allows (CCDESK_SPY_MODES)."""
    actions: list[str] = []
    if operator and p.signed_in:
        hand_paused = p.paused and p.paused_reason not in (None, pr.AFTER_CALL_WORK, pr.SIGNED_OUT)
        if not hand_paused:
            actions.append(PAUSE)
        if p.paused or p.in_wrap_up:
            actions.append(UNPAUSE)
        if p.queues:
            actions.append(MOVE)
        actions.append(LOG_OUT)
    if p.call_state == "talking":
        actions += [m for m in SPY_MODES if m in spy_modes]
    return tuple(actions)


def call_actions(call: LiveCall) -> tuple[str, ...]:
    """A waiting call (in a queue, not answered) whose caller's channel is known can be taken or moved up."""
    if call.state in WAITING and call.queue and call.customer_channel and not call.answered_at:
        return (TAKE_OVER, PRIORITY)
    return ()


def move_commands(
    p: pr.Presence, from_queue: str, to_queue: str, *, queues: Mapping[str, str], member_name: str
) -> tuple[cc.QueueAdd, cc.QueueRemove]:
    """Into the new queue first, then out of the old: the operator is never in no queue at all. A static
    member (queues.conf) cannot be removed over AMI: refused here, before anything is sent."""
    if to_queue not in queues:
        raise WorkstationError(f"no queue {to_queue!r}", code="unknown_queue")
    if from_queue in p.static_queues:
        raise WorkstationError(
            f"{p.interface} is a static member of {from_queue} (queues.conf)", code="member_static", queue=from_queue
        )
    if from_queue not in p.queues:
        raise WorkstationError(f"{p.interface} is not in {from_queue}", code="not_in_queue", queue=from_queue)
    if to_queue in p.queues or to_queue in p.static_queues:
        raise WorkstationError(f"{p.interface} is in {to_queue} already", code="already_in_queue", queue=to_queue)
    add = cc.QueueAdd(
        queue=to_queue,
        interface=p.interface,
        member_name=member_name,
        paused=p.paused,
        reason=p.paused_reason if p.paused else None,
    )
    return add, cc.QueueRemove(queue=from_queue, interface=p.interface)


def check_priority(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= cc.MAX_PRIORITY:
        raise WorkstationError("priority is a whole number", code="bad_priority", max=cc.MAX_PRIORITY)
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class Spying:
    """A supervisor's phone listening to an operator's call (ChanSpyStart … ChanSpyStop)."""

    spy: str
    spy_channel: str
    spied_agent: str | None
    call_id: str
    since: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "spy": self.spy,
            "spied_agent": self.spied_agent,
            "call_id": self.call_id,
            "since": self.since.isoformat(),
        }


SHOWN = ("queued", "ringing", "talking")  # what the page shows of a call: waiting in a queue, or on a phone


@dataclass(frozen=True, slots=True, kw_only=True)
class FloorCall:
    """A call as the supervisor's page shows it, folded from the CTI events by this service itself, so that
    what it pushes and what its board says come from one fold (the workstation's own fold runs on another
    subscriber of the stream, and may be a step behind or ahead)."""

    call_id: str
    number: str | None
    state: str  # offered (not shown yet) | queued | ringing (a member rings, still waiting) | talking
    since: datetime  # waiting since, talking since
    queue: str | None = None
    agent: str | None = None  # the phone talking on it
    priority: int | None = None  # what a supervisor set (the PBX tells no one)

    @property
    def shown(self) -> bool:
        return self.state in SHOWN

    @property
    def waiting(self) -> bool:
        return self.state in ("queued", "ringing")

    def to_json(self) -> dict[str, Any]:
        return {
            "call_id": self.call_id,
            "customer_number": self.number,
            "state": self.state,
            "since": self.since.isoformat(),
            "queue": self.queue,
            "agent": self.agent,
            "priority": self.priority,
            "actions": [TAKE_OVER, PRIORITY] if self.waiting else [],
        }


def floor_step(call: FloorCall | None, event: object) -> FloorCall | None:
    """One CTI event into the call's picture; None: the call is over (or was never one to show)."""
    match event:
        case ev.CallOffered():
            return call or FloorCall(call_id=event.call_id, number=event.caller_number, state="offered", since=event.at)
        case ev.CallQueued():
            number = (call.number if call else None) or event.caller_number
            return FloorCall(call_id=event.call_id, number=number, state="queued", since=event.at, queue=event.queue)
        case ev.AgentRinging() if call is not None and call.state == "queued":
            if event.queue is None:  # out of the queue, ringing a phone directly (taken over): no longer waiting
                return replace(call, state="offered", queue=None, priority=None)
            return replace(call, state="ringing")
        case ev.AgentRingNoAnswer() if call is not None and call.state == "ringing":
            return replace(call, state="queued")
        case ev.CallAnswered() if event.agent:
            base = call or FloorCall(call_id=event.call_id, number=None, state="talking", since=event.at)
            return replace(base, state="talking", since=event.at, agent=event.agent, queue=event.queue or base.queue)
        case ev.CallTransferred() if call is not None:
            if event.to_agent:
                return replace(call, state="talking", agent=event.to_agent)
            return replace(call, state="offered", agent=None, priority=None)  # on its way to another queue
        case ev.CallAbandoned() | ev.CallEnded():
            return None
    return call


# ------------------------------------------------------------------ the service


class SupervisionService:
    def __init__(
        self,
        *,
        db: Database,
        presence: PresenceService,
        calls: LiveCalls,
        notifier: Notifier,
        execute: Control,
        queues: Mapping[str, str],
        phones_context: str = "agents",
        spy_modes: tuple[str, ...] = SPY_MODES,
        prepare_phone: Callable[[str], None] = lambda _interface: None,
    ) -> None:
        self.db = db
        self.presence = presence
        self.directory = presence.directory
        self.calls = calls
        self.notifier = notifier
        self.execute = execute
        self.queues = queues  # name → title, from the routing rules
        self.phones_context = phones_context  # [agents]: EXT rings the desk phone PJSIP/EXT
        self.spy_modes = tuple(m for m in SPY_MODES if m in spy_modes)  # what this PBX allows, in their order
        self.prepare_phone = prepare_phone  # the simulator learns of a desk phone (a real PBX has its endpoints)
        self.floor: dict[str, FloorCall] = {}  # by call id: every call not over (floor_step)
        self.spies: dict[str, Spying] = {}  # by the spy's channel

    # ------------------------------------------------------------------ CTI events in
    async def handle(self, event: object) -> None:
        """One CTI event, in the order the PBX sent it: the floor's calls, and who listens to which."""
        call_id = getattr(event, "call_id", None)
        if isinstance(call_id, str):
            before = self.floor.get(call_id)
            after = floor_step(before, event)
            if after is None:
                self.floor.pop(call_id, None)
            else:
                self.floor[call_id] = after
            await self._tell(before, after, call_id)
        await self._follow_spies(event)

    async def _tell(self, before: FloorCall | None, after: FloorCall | None, call_id: str) -> None:
        if after == before or not ((before and before.shown) or (after and after.shown)):
            return
        shown = after.to_json() if after is not None and after.shown else {"call_id": call_id, "gone": True}
        await self.notifier.to_supervisors("floor_call", shown)

    async def _follow_spies(self, event: object) -> None:
        if isinstance(event, ev.SpyStarted):
            self.spies[event.spy_channel] = Spying(
                spy=event.spy,
                spy_channel=event.spy_channel,
                spied_agent=event.spied_agent,
                call_id=event.call_id,
                since=event.at,
            )
        elif isinstance(event, ev.SpyStopped):
            if self.spies.pop(event.spy_channel, None) is None:
                return
        elif isinstance(event, ev.CallEnded | ev.CallAbandoned):
            # ChanSpyStop comes after the spied call's Hangup, and the tracker drops what follows a call's end:
            # the call's end is the end of every spy on it.
            gone = [channel for channel, s in self.spies.items() if s.call_id == event.call_id]
            if not gone:
                return
            for channel in gone:
                del self.spies[channel]
        else:
            return
        await self.notifier.to_supervisors("spies", [s.to_json() for s in self.spies.values()])

    # ------------------------------------------------------------------ what the page shows
    def board(self) -> dict[str, Any]:
        spied: dict[str, list[str]] = {}
        for s in self.spies.values():
            if s.spied_agent:
                spied.setdefault(s.spied_agent, []).append(s.spy)
        agents = []
        for interface, p in sorted(self.presence.presence.items()):
            user = self.directory.by_interface(interface)
            agents.append(
                {
                    "interface": interface,
                    "user": user.username if user else None,
                    "name": (user.full_name or user.username) if user else None,
                    **p.to_json(),
                    "spied_by": spied.get(interface, []),
                    "actions": list(agent_actions(p, operator=user is not None, spy_modes=self.spy_modes)),
                }
            )
        return {
            "agents": agents,
            "calls": [c.to_json() for c in self.floor.values() if c.shown],
            "spies": [s.to_json() for s in self.spies.values()],
            "queues": [{"name": n, "title": t} for n, t in self.queues.items()],
            "pause_reasons": list(PAUSE_REASONS),
            "spy_modes": list(self.spy_modes),
            "max_priority": cc.MAX_PRIORITY,
        }

    # ------------------------------------------------------------------ operators
    async def pause(self, by: UserRecord, interface: str, reason: str) -> pr.Presence:
        user = self._operator(by, interface, PAUSE)
        if reason not in PAUSE_REASONS:
            raise WorkstationError(f"unknown pause reason {reason!r}", code="unknown_pause_reason")
        return await self.presence.pause(user, reason, by_user_id=by.id)  # one audit entry: by whom, to whom

    async def unpause(self, by: UserRecord, interface: str) -> pr.Presence:
        user = self._operator(by, interface, UNPAUSE)
        return await self.presence.resume(user, by_user_id=by.id)

    async def log_out(self, by: UserRecord, interface: str) -> pr.Presence:
        """Out of every queue, as the operator's own sign-out (static memberships are paused instead)."""
        user = self._operator(by, interface, LOG_OUT)
        return await self.presence.sign_out(user, by_user_id=by.id)

    async def move(self, by: UserRecord, interface: str, from_queue: str, to_queue: str) -> None:
        """The presence follows from the PBX's QueueMemberAdded/Removed, like every membership change."""
        user = self._operator(by, interface, MOVE)
        p = self.presence.presence[interface]
        add, remove = move_commands(
            p, from_queue, to_queue, queues=self.queues, member_name=user.full_name or user.username
        )
        await self._run(add)
        try:
            await self._run(remove)
        except WorkstationError as exc:
            if exc.params.get("reason") != NOT_DYNAMIC:
                raise
            raise WorkstationError(
                f"{interface} is a static member of {from_queue}: added to {to_queue}, still in {from_queue}",
                code="member_not_dynamic",
                queue=from_queue,
                to=to_queue,
            ) from None
        finally:
            await self._audit(by, "supervisor.move", user, {"interface": interface, "from": from_queue, "to": to_queue})

    # ------------------------------------------------------------------ calls
    async def spy(self, by: UserRecord, interface: str, mode: str, extension: object) -> str | None:
        """Ring the supervisor's phone; answered, it listens (whispers, barges) to the operator's call.
        Returns the call id of the supervisor's leg."""
        self._supervisor(by)
        if mode not in SPY_MODES:
            raise WorkstationError(f"unknown spy mode {mode!r}", code="unknown_spy_mode")
        if mode not in self.spy_modes:
            raise WorkstationError(f"{mode} is not allowed on this PBX", code="spy_mode_disabled")
        p = self.presence.presence.get(interface)
        if p is None or mode not in agent_actions(p, operator=False):
            raise WorkstationError(f"no call is being talked on {interface}", code="no_call_to_spy")
        phone = await self.phone_of(by, extension)
        if phone == interface:
            raise WorkstationError("that is the operator's own phone", code="spy_own_phone")
        call = self.calls.for_agent(interface)
        target = (call.agent_channel if call else None) or interface  # the very channel: no other call of the phone
        user = self.directory.by_interface(interface)
        who = (user.full_name or user.username) if user else interface.rsplit("/", 1)[-1]
        self.prepare_phone(phone)
        result = await self._run(
            cc.Spy(
                phone=phone,
                target=target,
                options=spy_options(SpyMode(mode)),
                caller_id=f"{_caller_name(who)} <{interface.rsplit('/', 1)[-1]}>",
            )
        )
        await audit(
            self.db,
            by.id,
            f"supervisor.{mode}",
            "call",
            call.call_id if call else "",
            {"interface": interface, "phone": phone, "spy_call_id": result.channel_id},
        )
        return result.channel_id  # type: ignore[no-any-return]

    async def take_over(self, by: UserRecord, call_id: str, extension: object) -> None:
        """Send the waiting caller to the supervisor's phone (Redirect to EXT@agents): it leaves the queue."""
        self._supervisor(by)
        call = self._waiting(call_id)
        phone = await self.phone_of(by, extension)
        self.prepare_phone(phone)
        assert call.customer_channel is not None  # _waiting checked it
        await self._run(
            cc.Redirect(channel=call.customer_channel, exten=phone.rsplit("/", 1)[-1], context=self.phones_context)
        )
        await audit(self.db, by.id, "supervisor.take_over", "call", call_id, {"queue": call.queue, "phone": phone})

    async def change_priority(self, by: UserRecord, call_id: str, priority: object) -> None:
        self._supervisor(by)
        value = check_priority(priority)
        call = self._waiting(call_id)
        assert call.queue is not None and call.customer_channel is not None  # _waiting checked them
        await self._run(cc.ChangeCallerPriority(queue=call.queue, channel=call.customer_channel, priority=value))
        await audit(self.db, by.id, "supervisor.priority", "call", call_id, {"queue": call.queue, "priority": value})
        before = self.floor.get(call_id)
        if before is not None:
            self.floor[call_id] = replace(before, priority=value)
            await self._tell(before, self.floor[call_id], call_id)

    # ------------------------------------------------------------------ checks
    @staticmethod
    def _supervisor(by: UserRecord) -> None:
        if by.role not in SUPERVISING_ROLES:
            raise ForbiddenError("only supervisors and admins", code="not_supervisor")

    def _operator(self, by: UserRecord, interface: object, action: str) -> UserRecord:
        """The ccdesk user at this phone, when the action is one their state allows."""
        self._supervisor(by)
        if not isinstance(interface, str) or interface not in self.presence.presence:
            raise NotFoundError("no such operator's phone", code="unknown_operator")
        user = self.directory.by_interface(interface)
        if user is None:
            raise WorkstationError(f"nobody signs in at {interface}", code="not_an_operator")
        p = self.presence.presence[interface]
        if action not in agent_actions(p, operator=True):
            raise WorkstationError(
                f"{action} is not possible in state {p.state}", code="action_not_allowed", state=p.state
            )
        return user

    def _waiting(self, call_id: str) -> LiveCall:
        call = self.calls.active.get(call_id)
        if call is None:
            raise NotFoundError("no such call", code="call_not_found")
        if not call_actions(call):
            raise WorkstationError("the call is not waiting in a queue", code="call_not_waiting")
        return call

    async def phone_of(self, by: UserRecord, extension: object) -> str:
        """The supervisor's phone: a desk phone of the registry that is theirs or shared, and no operator's."""
        if not isinstance(extension, str) or desk_phones.EXTENSION.fullmatch(extension) is None:
            raise WorkstationError("not an extension", code="bad_extension")
        if not await desk_phones.may_use_phone(self.db, by, extension):
            raise WorkstationError(
                f"phone {extension} is not one you may use", code="phone_not_allowed", extension=extension
            )
        interface = pr.interface_for(extension)
        sitting = await self.directory.lookup_interface(interface)
        if sitting is not None and sitting.id != by.id:
            raise WorkstationError(
                f"extension {extension} belongs to {sitting.username}",
                code="extension_taken",
                extension=extension,
                username=sitting.username,
            )
        return interface

    async def _run(self, command: Any) -> Any:
        try:
            result = await self.execute(command)
        except InvalidValue as exc:  # nothing unchecked reaches the PBX: cti/ refused it before sending
            raise WorkstationError(str(exc), code="invalid_value", field=exc.field) from None
        if not result.ok:
            raise WorkstationError(f"the PBX refused: {result.message}", code="pbx_refused", reason=result.message)
        return result

    async def _audit(self, by: UserRecord, action: str, user: UserRecord, details: dict[str, Any]) -> None:
        await audit(self.db, by.id, action, "user", user.id, details)


def _caller_name(name: str) -> str:
    """A caller ID name shown on the supervisor's phone: no quotes or angle brackets to end it early."""
    return "".join(c for c in name if c not in '<>"')[:64] or "ccdesk"
