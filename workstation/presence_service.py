"""The operator's day as use-cases: sign in, pause, after-call work, ready, sign out (also at logout).

The rules are pure (presence.py); this module loads the presence, runs the rules, carries out the commands
they return (QueuePause and friends on the PBX, the wrap-up timers) and tells the browsers. Every wrap-up
timer is a kept task, replaced or cancelled as the wrap-up changes and cancelled at close.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from crm_store import interactions
from crm_store.audit import audit
from crm_store.db import Database
from crm_store.errors import NotFound
from crm_store.records import UserRecord
from crm_store.vocabulary import SUPERVISING_ROLES
from cti import events as ev
from cti.errors import CtiError

from . import presence as pr
from .directory import Directory
from .errors import ForbiddenError, WorkstationError
from .notify import Notifier
from .tasks import TaskKeeper

log = logging.getLogger(__name__)

Control = Callable[[Any], Any]  # async (command) -> cti.control.ActionResult
_BY_AGENT = (ev.AgentStateChanged, ev.AgentRinging, ev.AgentRingNoAnswer, ev.CallAnswered)
_BY_CALL = (ev.CallAnswered, ev.CallTransferred, ev.CallAbandoned, ev.CallEnded)
# A change a supervisor makes to an operator (workstation/supervision.py) is audited under the supervisor's action.
DONE_BY_ANOTHER = {"pause": "supervisor.pause", "resume": "supervisor.unpause", "sign_out": "supervisor.log_out"}


class PresenceService:
    def __init__(
        self,
        *,
        db: Database,
        directory: Directory,
        notifier: Notifier,
        execute: Control,
        clock: Callable[[], datetime],
        wrap_up: pr.WrapUpPolicy = pr.no_wrap_up,
    ) -> None:
        self.db = db
        self.directory = directory
        self.notifier = notifier
        self.execute = execute
        self.clock = clock
        self.wrap_up = wrap_up
        self.presence: dict[str, pr.Presence] = {}  # by interface, every member the PBX told of; write via _keep
        # The phones whose presence is on each call: a call event finds its phones without a walk over every
        # operator's presence (at 2000 operators that walk, several times a call, held up the event pump).
        self._on_call: dict[str, dict[str, None]] = {}
        self._timers: dict[str, asyncio.Task[Any]] = {}  # wrap-up timer by interface
        # The PBX commands CTI events gave each phone, sent in order behind the event pump (_commit, wait=False).
        self._sending: dict[str, asyncio.Task[Any]] = {}
        self._tasks = TaskKeeper("presence")

    async def close(self) -> None:
        self._timers.clear()
        self._sending.clear()
        await self._tasks.close()

    # ------------------------------------------------------------------ CTI events in
    async def handle(self, event: object) -> None:
        """One CTI event, in the order the PBX sent it: fold it into every phone it concerns."""
        interfaces: list[str] = []
        if isinstance(event, ev.AgentRinging):
            await self.directory.lookup_interface(event.agent)  # its operator may have been added a moment ago
        if isinstance(event, _BY_AGENT) and event.agent:
            interfaces.append(event.agent)
        if isinstance(event, _BY_CALL):
            interfaces += [i for i in self._on_call.get(event.call_id, ()) if i not in interfaces]
        if isinstance(event, ev.CallTransferred) and event.to_agent and event.to_agent not in interfaces:
            interfaces.append(event.to_agent)
        for interface in interfaces:
            try:
                await self._apply(interface, event, wait=False)
            except Exception:  # one phone's trouble must not stop the others
                log.exception("presence of %s on %s failed", interface, type(event).__name__)

    async def _apply(self, interface: str, event: object, *, wait: bool = True) -> pr.Presence:
        before = self.presence.get(interface) or pr.Presence(interface=interface)
        after, commands = pr.step(before, event, self.clock(), self.wrap_up)
        return await self._commit(before, after, commands, wait=wait)

    async def _commit(
        self, before: pr.Presence, after: pr.Presence, commands: tuple[pr.Command, ...], *, wait: bool = True
    ) -> pr.Presence:
        """Keep the new presence and carry out its commands in order (see _carry_out).

        A CTI event's commands (wait=False) are sent behind the event pump, in order per phone: awaiting the
        PBX's answer to each after-call-work QueuePause held up every later event — every pop — by a round
        trip (seconds behind at 2000 operators and 100 calls/s). What an operator or a timer asks (wait=True)
        goes after the commands already on their way to that phone, and its refusal is raised."""
        self._keep(after)
        interface = after.interface
        if wait:
            await self._sent(interface)
            return await self._carry_out(before, after, commands)
        if not commands and interface not in self._sending:
            if after != before:
                await self._announce(after)
            return after
        self._sending[interface] = self._tasks.spawn(
            self._carry_out_later(self._sending.get(interface), before, after, commands)
        )
        return after

    async def _sent(self, interface: str) -> None:
        task = self._sending.get(interface)
        if task is not None and task is not asyncio.current_task():
            await asyncio.wait([task])

    async def _carry_out_later(
        self,
        previous: asyncio.Task[Any] | None,
        before: pr.Presence,
        after: pr.Presence,
        commands: tuple[pr.Command, ...],
    ) -> None:
        try:
            if previous is not None:
                await asyncio.wait([previous])
            await self._carry_out(before, after, commands)
        except WorkstationError as exc:
            log.warning("presence of %s: %s", after.interface, exc)
        finally:
            if self._sending.get(after.interface) is asyncio.current_task():
                del self._sending[after.interface]

    async def _carry_out(
        self, before: pr.Presence, after: pr.Presence, commands: tuple[pr.Command, ...]
    ) -> pr.Presence:
        """A command the PBX refuses (or cannot be sent) leaves the presence as the PBX really is and the rest
        still run — the wrap-up timer above all; then the first refusal that matters is raised."""
        failure: WorkstationError | None = None
        for command in commands:
            if isinstance(command, pr.StartWrapUpTimer):
                self._start_timer(command)
                continue
            if isinstance(command, pr.CancelWrapUpTimer):
                self._cancel_timer(command.interface)
                continue
            try:
                result = await self.execute(command)
                ok, message = result.ok, result.message or ""
            except CtiError as exc:
                ok, message = False, str(exc)
            if ok:
                continue
            current = self.presence.get(after.interface, after)
            corrected, harmless = pr.refused(before, current, command, message)
            self._keep(corrected)
            if not harmless and failure is None:
                failure = WorkstationError(f"the PBX refused: {message}", code="pbx_refused", reason=message)
        now = self.presence.get(after.interface, after)
        if now != before:
            await self._announce(now)
        if failure is not None:
            raise failure
        return now

    def _keep(self, p: pr.Presence) -> None:
        old = self.presence.get(p.interface)
        if old is not None and old.call_id and old.call_id != p.call_id:
            phones = self._on_call.get(old.call_id, {})
            phones.pop(p.interface, None)
            if not phones:
                self._on_call.pop(old.call_id, None)
        self.presence[p.interface] = p
        if p.call_id:
            self._on_call.setdefault(p.call_id, {})[p.interface] = None

    async def _announce(self, p: pr.Presence) -> None:
        user = self.directory.by_interface(p.interface)
        if user is not None:
            await self.notifier.to_user(user.id, "presence", p.to_json())
        await self.notifier.to_supervisors("agent", {"interface": p.interface, **p.to_json()})

    # ------------------------------------------------------------------ wrap-up timers
    def _start_timer(self, command: pr.StartWrapUpTimer) -> None:
        self._cancel_timer(command.interface)
        self._timers[command.interface] = self._tasks.spawn(self._time_out(command))

    def _cancel_timer(self, interface: str) -> None:
        task = self._timers.pop(interface, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    async def _time_out(self, command: pr.StartWrapUpTimer) -> None:
        await asyncio.sleep(max(0.0, (command.at - self.clock()).total_seconds()))
        if self._timers.get(command.interface) is asyncio.current_task():
            del self._timers[command.interface]  # from here on this task runs to its end, cancelled by nobody
        current = self.presence.get(command.interface)
        # The card is read only where its result decides (a queue that requires one). Read for every timer, a
        # busy floor's timers (2,000 ending within seconds) queued for the database's connections until reads
        # timed out, the timers failed, and their operators stayed in after-call work for good.
        has_result = await self._has_result(command.call_id) if current and current.wrap_up_requires_result else False
        try:
            await self._apply(command.interface, pr.WrapUpTimedOut(call_id=command.call_id, has_result=has_result))
        except WorkstationError as exc:
            # Nobody waits on a timer to be told; the presence already shows what the PBX holds. A PBX that went
            # away refuses every operator's timer at once: one line each, not a traceback each.
            log.warning("after-call work of %s timed out, but the PBX refused to end it: %s", command.interface, exc)

    async def _has_result(self, call_id: str | None) -> bool:
        if not call_id:
            return False
        try:
            card = await interactions.get_call_card(self.db, call_id=call_id)
        except NotFound:
            return False
        except Exception:  # the timer must still run its rule: without a result the operator stays in wrap-up
            log.warning("after-call work of call %s: its card could not be read; taken as without a result", call_id)
            return False
        return bool(card.result)

    # ------------------------------------------------------------------ what operators ask
    def presence_of(self, user: UserRecord) -> pr.Presence:
        if not user.extension:
            raise WorkstationError("you have no phone extension: ask an administrator to set one", code="no_extension")
        interface = pr.interface_for(user.extension)
        return self.presence.get(interface) or pr.Presence(interface=interface)

    def _rules(self, rule: Callable[[], tuple[pr.Presence, tuple[pr.Command, ...]]]) -> Any:
        try:
            return rule()
        except pr.Refused as exc:
            raise WorkstationError(str(exc), code=exc.code) from None

    @staticmethod
    def check_assigned(user: UserRecord, queues: list[str]) -> None:
        if user.role in SUPERVISING_ROLES:
            return
        foreign = [q for q in dict.fromkeys(queues) if q not in user.queues]
        if foreign:
            raise ForbiddenError(
                f"not your queues: {', '.join(foreign)}", code="queue_not_assigned", queues=", ".join(foreign)
            )

    async def sign_in(self, user: UserRecord, queues: list[str]) -> pr.Presence:
        """Into `queues`: an operator only into the queues assigned to them; supervisors and admins into any
        (they stand in where a queue is short of people)."""
        p = self.presence_of(user)
        self.check_assigned(user, queues)
        await self.directory.lookup_interface(p.interface)  # a user added since the start: the phone is theirs
        after, commands = self._rules(
            lambda: pr.sign_in(p, tuple(queues), user.full_name or user.username, self.clock())
        )
        p = await self._commit(p, after, commands)
        await audit(self.db, user.id, "presence.sign_in", "user", user.id, {"interface": p.interface, "queues": queues})
        return p

    async def sign_out(self, user: UserRecord, *, by_user_id: int | None = None) -> pr.Presence:
        p = self.presence_of(user)
        after, commands = pr.sign_out(p, self.clock())
        p = await self._commit(p, after, commands)
        await self._audit(user, by_user_id, "sign_out", {"interface": p.interface})
        return p

    async def leave(self, user: UserRecord, *, why: str) -> bool:
        """The operator is leaving (logout, session expiry): take the phone out of its queues so no call rings
        an empty desk. Never raises — the logout goes on even when the PBX is away; returns whether it was done.
        """
        if not user.extension:
            return True
        p = self.presence_of(user)
        if not p.signed_in:
            return True
        try:
            after, commands = pr.sign_out(p, self.clock())
            await self._commit(p, after, commands)
        except Exception:
            log.exception("could not take %s out of its queues on %s", p.interface, why)
            return False
        await audit(self.db, user.id, "presence.sign_out", "user", user.id, {"interface": p.interface, "why": why})
        return True

    async def sign_out_absent(self, live_user_ids: Collection[int]) -> list[str]:
        """Session expiry: every operator still in queues whose sessions have all ended (`live_user_ids` are
        the users with a live session) leaves them, as at logout. Returns the interfaces signed out."""
        gone = []
        for interface, p in list(self.presence.items()):
            user = self.directory.by_interface(interface)
            if user is not None and p.signed_in and user.id not in live_user_ids:
                if await self.leave(user, why="session_expired"):
                    gone.append(interface)
        return gone

    async def pause(self, user: UserRecord, reason: str, *, by_user_id: int | None = None) -> pr.Presence:
        """The operator pauses, or (`by_user_id`) a supervisor pauses them: see _audit."""
        p = self.presence_of(user)
        after, commands = self._rules(lambda: pr.pause(p, reason, self.clock()))
        p = await self._commit(p, after, commands)
        details = {"reason": reason} if by_user_id is None else {"interface": p.interface, "reason": reason}
        await self._audit(user, by_user_id, "pause", details)
        return p

    async def resume(self, user: UserRecord, *, by_user_id: int | None = None) -> pr.Presence:
        p = self.presence_of(user)
        has_result = await self._has_result(p.wrap_up_call_id)
        p = self.presence_of(user)  # as it is after the look-up
        after, commands = self._rules(lambda: pr.resume(p, has_result, self.clock()))
        p = await self._commit(p, after, commands)
        await self._audit(user, by_user_id, "resume", {"interface": p.interface} if by_user_id is not None else None)
        return p

    async def _audit(self, user: UserRecord, by_user_id: int | None, op: str, details: dict[str, Any] | None) -> None:
        """One entry per change: by the operator themselves `presence.<op>`; done to them by someone else (a
        supervisor, `by_user_id`) the supervisor's action, naming who did it (user_id) and to whom (entity)."""
        if by_user_id is None or by_user_id == user.id:
            await audit(self.db, user.id, f"presence.{op}", "user", user.id, details)
        else:
            await audit(self.db, by_user_id, DONE_BY_ANOTHER[op], "user", user.id, details)

    async def ready(self, user: UserRecord) -> pr.Presence:
        """The operator is done with the last call's after-call work (POST /api/presence/ready)."""
        p = self.presence_of(user)
        has_result = await self._has_result(p.wrap_up_call_id)
        p = self.presence_of(user)
        after, commands = self._rules(
            lambda: pr.step(p, pr.ReadyAsked(has_result=has_result), self.clock(), self.wrap_up)
        )
        p = await self._commit(p, after, commands)
        await audit(self.db, user.id, "presence.ready", "user", user.id, {"call_id": p.wrap_up_call_id})
        return p

    async def card_saved(self, user: UserRecord, call_id: str, *, has_result: bool) -> None:
        """The card of a call was saved: that call's wrap-up is over (when its queue's result rule allows)."""
        if not user.extension:
            return
        p = self.presence_of(user)
        after, commands = pr.step(p, pr.CardSaved(call_id=call_id, has_result=has_result), self.clock(), self.wrap_up)
        await self._commit(p, after, commands)
