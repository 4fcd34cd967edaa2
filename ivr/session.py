"""One caller's IVR session: the async edge that runs the pure flow over AGI, the backend and routing.

The loop is: run the commands of the last step in order; the one that produces an event (digits,
silence, hang-up, a data answer, a routing decision) ends the batch; feed the event to
`flow.step`. When the flow says Finish (or the caller is gone) the session is recorded on the call
card — once, in one transaction — and the socket is closed by the server, after which Asterisk
continues the dialplan (Queue(${CCDESK_QUEUE}) or Hangup).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any
from uuid import uuid4

from routing import CallFacts, QueueLoad, RuleSet, route_call

from . import flow
from .agi import AgiChannel, AgiRequest
from .backend import IvrBackend
from .commands import (
    AccountLookedUp,
    Answer,
    ApplicationFiled,
    ApplicationLoaded,
    BalanceLoaded,
    CallbackRequested,
    CallerHungUp,
    CallRouted,
    Command,
    DigitsEntered,
    Event,
    FileApplication,
    Finish,
    GetDigits,
    Hangup,
    LastPaymentLoaded,
    LastReadingLoaded,
    LoadApplication,
    LoadBalance,
    LoadLastPayment,
    LoadLastReading,
    LookUpAccount,
    LookUpPhone,
    NoDigits,
    PhoneLookedUp,
    Play,
    Progress,
    ReadingStored,
    RequestCallback,
    RequestFailed,
    RouteCall,
    SayDate,
    SayDigits,
    SayNumber,
    SetVariable,
    StoreReading,
)
from .errors import AgiError
from .flow import FlowError, IvrState
from .menu import Menu
from .values import IvrSessionRecord

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
LoadProvider = Callable[[], Mapping[str, QueueLoad]]


class IvrSession:
    def __init__(
        self,
        *,
        menu: Menu,
        backend: IvrBackend,
        rules: RuleSet,
        channel: AgiChannel,
        request: AgiRequest,
        clock: Clock,
        queue_load: LoadProvider | None = None,
        backend_timeout: float = 10.0,
    ) -> None:
        self.menu = menu
        self.backend = backend
        self.rules = rules
        self.channel = channel
        self.request = request
        self.clock = clock
        self.queue_load = queue_load
        self.backend_timeout = backend_timeout
        # Never empty, even when the peer fails before the linkedid is known: a card keyed by "" would
        # be shared by every such session.
        self.call_id = request.uniqueid or f"agi-{uuid4().hex[:16]}"
        self.state = IvrState()
        self._reached = 0  # path elements the caller really got through (see commands.Progress)

    def _hung_up(self) -> CallerHungUp:
        return CallerHungUp(path_length=self._reached)

    async def run(self) -> IvrSessionRecord:
        started_at = self.clock()
        try:
            # The call card is keyed by the Linkedid (what the CTI tracker sees); the AGI environment
            # only carries this channel's Uniqueid, so ask for it and fall back when not available.
            linkedid = await self.channel.get_full_variable("${CHANNEL(linkedid)}")
            self.call_id = linkedid or self.call_id
            state, commands = flow.start(self.menu, caller_id=self.request.caller_id, language=self.request.language)
            self.state = state
            while True:
                event = await self._execute(commands)
                if event is None:
                    break
                reached = len(self.state.path)
                self.state, commands = flow.step(self.menu, self.state, event)
                self._reached = reached
        except AgiError as exc:  # the peer went away or stalled: same as a hang-up for the record
            log.info("AGI session %s ended: %s", self.call_id, exc)
            self.state, _ = flow.step(self.menu, self.state, self._hung_up())
        except FlowError:
            log.exception("IVR flow bug in session %s", self.call_id)
            self.state, _ = flow.step(self.menu, self.state, self._hung_up())
        record = flow.session_record(
            self.state,
            call_id=self.call_id,
            channel=self.request.channel,
            caller_id=self.request.caller_id,
            started_at=started_at,
            ended_at=self.clock(),
        )
        try:
            await asyncio.wait_for(self.backend.record_session(record), self.backend_timeout)
        except Exception:
            log.exception("could not record IVR session %s", self.call_id)
        return record

    async def _execute(self, commands: tuple[Command, ...]) -> Event | None:
        """Run commands in order; return the event the last one produced, None after Finish."""
        for index, command in enumerate(commands):
            last = index == len(commands) - 1
            if isinstance(command, Finish):
                return None
            if isinstance(command, Progress):
                self._reached = command.path_length
                continue
            event = await self._run(command)
            if isinstance(event, CallerHungUp):
                return self._hung_up()
            if event is not None:
                if not last:
                    raise FlowError(f"{command!r} produces an event but is not last in {commands!r}")
                return event
        raise FlowError(f"batch without an event or Finish: {commands!r}")

    async def _run(self, command: Command) -> Event | None:
        """Channel commands return None (or CallerHungUp); the others return their event."""
        ch = self.channel
        match command:
            case Answer():
                return None if await ch.answer() else CallerHungUp()
            case Play(prompt=prompt):
                return None if await ch.stream_file(prompt) else CallerHungUp()
            case SayNumber(number=number):
                return None if await ch.say_number(number) else CallerHungUp()
            case SayDigits(digits=digits):
                return None if await ch.say_digits(digits) else CallerHungUp()
            case SayDate(day=day):
                return None if await ch.say_date(day) else CallerHungUp()
            case SetVariable(name=name, value=value):
                await ch.set_variable(name, value)
                return None
            case Hangup():
                await ch.hangup()
                return None
            case GetDigits(prompt=prompt, timeout_ms=timeout_ms, max_digits=max_digits):
                entered = await ch.get_data(prompt, timeout_ms, max_digits)
                if entered is None:
                    return CallerHungUp()
                return DigitsEntered(digits=entered) if entered else NoDigits()
            case RouteCall():
                return CallRouted(decision=route_call(self.rules, self._facts(command)))
        return await self._request(command)

    def _facts(self, route: RouteCall) -> CallFacts:
        load: Mapping[str, QueueLoad] = {}
        if self.queue_load is not None:
            try:
                load = self.queue_load()
            except Exception:
                log.exception("queue load provider failed; routing without it")
        return CallFacts(
            at=self.clock(),
            choice=route.choice,
            segment=route.segment,
            debt_kop=route.debt_kop,
            vip=route.vip,
            language=route.language,
            load=load,
        )

    async def _request(self, command: Command) -> Event:
        b = self.backend
        call: Awaitable[Any]
        wrap: Callable[[Any], Event]
        match command:
            case LookUpPhone(e164=e164):
                call, wrap = b.accounts_by_phone(e164), lambda r: PhoneLookedUp(accounts=tuple(r))
            case LookUpAccount(number=number):
                call, wrap = b.account_by_number(number), lambda r: AccountLookedUp(account=r)
            case LoadBalance(account_id=account_id):
                call, wrap = b.balance(account_id), lambda r: BalanceLoaded(balance=r)
            case LoadLastPayment(account_id=account_id):
                call, wrap = b.last_payment(account_id), lambda r: LastPaymentLoaded(payment=r)
            case LoadLastReading(account_id=account_id, meter=meter):
                call = b.last_reading(account_id, meter)
                wrap = lambda r: LastReadingLoaded(reading=r)
            case StoreReading(account_id=account_id, meter=meter, value=value, max_increase=inc):
                call = b.store_reading(
                    account_id=account_id,
                    meter=meter,
                    value=value,
                    max_increase=inc,
                    at=self.clock(),
                    call_id=self.call_id,
                )
                wrap = lambda r: ReadingStored(verdict=r)
            case LoadApplication(number=number):
                call = b.application_status(number)
                wrap = lambda r: ApplicationLoaded(application=r)
            case RequestCallback(phone=phone, customer_id=cid, account_id=aid, topic=topic):
                call = b.request_callback(
                    call_id=self.call_id,
                    phone=phone,
                    customer_id=cid,
                    account_id=aid,
                    topic=topic,
                    at=self.clock(),
                )
                wrap = lambda r: CallbackRequested(callback=r)
            case FileApplication(type=app_type, customer_id=cid, account_id=aid, phone=phone, text=text):
                call = b.file_application(
                    call_id=self.call_id,
                    type=app_type,
                    customer_id=cid,
                    account_id=aid,
                    phone=phone,
                    text=text,
                    at=self.clock(),
                )
                wrap = lambda r: ApplicationFiled(application=r)
            case _:
                raise FlowError(f"unknown command {command!r}")
        what = type(command).__name__
        try:
            result = await asyncio.wait_for(call, self.backend_timeout)
        except Exception:
            log.exception("IVR backend call %s failed in session %s", what, self.call_id)
            return RequestFailed(what=what)
        return wrap(result)
