"""The dialer's async edge: feeds CTI events and ticks to engine.step and executes its commands.

One lock orders everything (the stream's events, the pacing ticks, the supervisor's changes, the operators'
dispositions), so the pure state sees one event at a time. Every dial is a PlaceCall that came out of
compliance.clear; this module has no other way to originate.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from crm_store import campaign_calls as store
from crm_store import campaigns as campaign_store
from crm_store.db import Database
from cti import events as ev
from cti.control import ActionResult, Command, Originate, Redirect, StartRecording
from cti.errors import ActionTimeout, CtiError, NotConnected

from . import debtor as debtor_machine
from . import engine, pacing, preview, reminders
from .compliance import Dial, clear
from .engine import AttemptOver, Defer, PlaceCall, PlayAbandonMessage, Record
from .settings import debtor_of, policy_of, run_of
from .vocabulary import Disposition, PacingMode

log = logging.getLogger(__name__)
WATCHED = (
    ev.OriginateResult,
    ev.CallOffered,
    ev.CallQueued,
    ev.AgentRinging,  # a queued debtor rings an operator: that operator is no longer free
    ev.AgentRingNoAnswer,
    ev.CallAnswered,
    ev.CallEnded,
    ev.AgentStateChanged,
)
ABANDON_CONTEXT = "dialer-abandon"
SKIPPED_WAIT = timedelta(minutes=30)
RELOAD_SECONDS = 60.0  # a debtor an operator skipped in preview is offered again after this
DIALER_CONTEXT = "dialer"
Execute = Callable[[Command], Awaitable[ActionResult]]


@dataclass(slots=True, kw_only=True)
class Held:
    """A preview card on an operator's screen."""

    campaign_id: int
    agent: str
    limit: preview.PreviewLimit
    state: preview.PreviewState
    debtor: debtor_machine.Debtor
    card: dict[str, Any]


class PreviewError(Exception):
    """Nothing to preview, or the card is gone; `code` is the browser's error code."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class DialerService:
    def __init__(
        self,
        *,
        db: Database,
        execute: Execute,
        clock: Callable[[], datetime],
        prefix: str,
        trunk: str = "PJSIP/{number}@trunk",
        tick_seconds: float = 1.0,
        ring_seconds: float = 25.0,
        recording_days: int = 1095,
        notify: Callable[[int], Awaitable[None]] | None = None,
        rest: Callable[[str | None], float] | None = None,
    ) -> None:
        self.db = db
        self.execute = execute
        self.clock = clock
        self.trunk = trunk
        self.tick_seconds = tick_seconds
        self.ring_seconds = ring_seconds
        self.recording_days = recording_days
        self.notify = notify  # "campaign N's figures changed" (the supervisors' screens refresh)
        # the after-call work of a queue, in seconds (engine.State.rest): read per call, so new rules count
        self.state = engine.State(prefix=prefix) if rest is None else engine.State(prefix=prefix, rest=rest)
        self.attempts: dict[str, int] = {}  # call id → attempt id
        self.lock = asyncio.Lock()
        self._ticker: asyncio.Task[None] | None = None
        self._last_purge: date | None = None
        self.previews: dict[int, Held] = {}  # user id → the card on their screen
        self.records: dict[int, campaign_store.CampaignRecord] = {}

    # ------------------------------------------------------------------ life
    async def start(self) -> None:
        await store.release_in_progress(self.db)
        await self.reload()
        self._ticker = asyncio.create_task(self._tick_forever())

    async def close(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            await asyncio.gather(self._ticker, return_exceptions=True)

    async def _tick_forever(self) -> None:
        last_reload = asyncio.get_running_loop().time()
        while True:
            await asyncio.sleep(self.tick_seconds)
            try:
                if asyncio.get_running_loop().time() - last_reload >= RELOAD_SECONDS:
                    last_reload = asyncio.get_running_loop().time()
                    await self.reload()  # a campaign whose start or end date came
                await self.tick()
            except Exception:  # one bad tick (the database busy) must not stop the dialer
                log.exception("dialer tick failed")

    # ------------------------------------------------------------------ inputs
    async def handle(self, event: object) -> None:
        """A subscriber of the CTI event stream."""
        if isinstance(event, WATCHED):
            async with self.lock:
                await self._step(event)

    async def reload(self) -> None:
        """The running campaigns changed (control, settings): the engine paces the new set."""
        runs = []
        for c in await campaign_store.running_campaigns(self.db):
            today = self.clock().date()
            if (c.starts_on and today < c.starts_on) or (c.ends_on and today > c.ends_on):
                continue
            runs.append(run_of(c))
            self.records[c.id] = c
        async with self.lock:
            await self._step(engine.RunsChanged(runs=tuple(runs)))

    async def tick(self) -> None:
        now = self.clock()
        async with self.lock:
            runs = [r for r in self.state.runs.values() if r.mode is not PacingMode.PREVIEW]
            if runs:
                blocked = await store.do_not_call_numbers(self.db)
                for run in runs:
                    rows = await store.due_debtors(self.db, run.campaign_id, now, limit=50)
                    due = tuple(debtor_of(r) for r in rows)
                    await self._step(engine.DebtorsDue(campaign_id=run.campaign_id, debtors=due, do_not_call=blocked))
                await self._step(engine.Tick())
        async with self.lock:
            for user_id, held in list(self.previews.items()):
                await self._preview_step(user_id, held, preview.Tick(), now)
        if self._last_purge != now.date():
            self._last_purge = now.date()
            await self.purge(now)

    async def purge(self, now: datetime) -> list[str]:
        """Once a day: promises past their date are settled against the payments (kept or broken), and
        recordings older than the retention period are unlinked from their attempts."""
        await store.settle_promises(self.db, now.date())
        return await store.purge_recordings(self.db, now - timedelta(days=self.recording_days))

    async def dispose(
        self,
        attempt_id: int,
        *,
        disposition: str,
        by_user_id: int | None,
        amount_kop: int | None = None,
        promised_on: date | None = None,
        callback_at: datetime | None = None,
    ) -> store.AttemptRecord:
        """The operator's result of a campaign call: stored, and the debtor's schedule follows it."""
        now = self.clock()
        async with self.lock:
            attempt = await store.get_attempt(self.db, attempt_id)
            kind = Disposition(disposition) if disposition in {d.value for d in Disposition} else None
            if kind is not None:
                campaign = await campaign_store.get_campaign(self.db, attempt.campaign_id or 0)
                policy = policy_of(campaign)
                row = await store.debtor(self.db, attempt.target_id, now)
                current = replace(debtor_of(row), number=attempt.e164)
                event = debtor_machine.Disposed(
                    debtor_id=current.debtor_id,
                    disposition=kind,
                    at=now,
                    amount_kop=amount_kop,
                    promised_on=promised_on,
                    callback_at=callback_at,
                )
                after, _ = debtor_machine.step(policy.retry, current, event, order=policy.number_order)
                saved = await store.dispose(
                    self.db,
                    attempt_id,
                    disposition=disposition,
                    by_user_id=by_user_id,
                    amount_kop=amount_kop,
                    promised_on=promised_on,
                    callback_at=callback_at,
                )
                await self._save(after, policy.retry.max_attempts)
                await self._changed(campaign.id)
                return saved
            return await store.dispose(self.db, attempt_id, disposition=disposition, by_user_id=by_user_id)

    async def send_reminders(self, campaign_id: int) -> tuple[int, int]:
        """An SMS reminder to every debtor of the campaign not reached yet whom the rules allow one now
        (dialer/reminders.py); written to the outbox. Returns (sent, refused)."""
        now = self.clock()
        campaign = await campaign_store.get_campaign(self.db, campaign_id)
        policy = policy_of(campaign)
        blocked = await store.do_not_call_numbers(self.db)
        text = (
            f"{campaign.creditor or 'Ваш поставщик'}: по вашему лицевому счёту есть задолженность. "
            "Пожалуйста, оплатите её или свяжитесь с нами."
        )
        sent = refused = 0
        for row in await store.unreached_debtors(self.db, campaign_id, now):
            verdict = reminders.remind(policy, debtor_of(row), now, do_not_call=blocked)
            if isinstance(verdict, reminders.Reminder):
                await store.queue_reminder(
                    self.db,
                    customer_id=row.customer_id,
                    campaign_id=campaign_id,
                    e164=verdict.e164,
                    kind="sms",
                    text=text,
                    at=now,
                )
                sent += 1
            else:
                refused += 1
        await self._changed(campaign_id)
        return sent, refused

    # ------------------------------------------------------------------ preview
    def preview_campaigns(self, queues: tuple[str, ...] | list[str]) -> list[dict[str, Any]]:
        """Running preview campaigns of these queues."""
        return [
            {"id": r.campaign_id, "name": self.records[r.campaign_id].name, "queue": r.queue}
            for r in self.state.runs.values()
            if r.mode is PacingMode.PREVIEW and r.queue in queues and r.campaign_id in self.records
        ]

    def preview_of(self, user_id: int) -> dict[str, Any] | None:
        held = self.previews.get(user_id)
        return held.card if held else None

    async def preview_next(self, user_id: int, campaign_id: int, agent: str) -> dict[str, Any]:
        """Offer the operator the next debtor compliance allows now; the card waits for Dial or Skip."""
        now = self.clock()
        async with self.lock:
            if user_id in self.previews:
                return self.previews[user_id].card
            run = self.state.runs.get(campaign_id)
            if run is None or run.mode is not PacingMode.PREVIEW:
                raise PreviewError("this campaign is not running in preview", "preview_none")
            held_ids = {h.debtor.debtor_id for h in self.previews.values()}
            busy = {c.debtor_id for c in self.state.calls.values()} | held_ids
            blocked = await store.do_not_call_numbers(self.db)
            for row in await store.due_debtors(self.db, campaign_id, now, limit=20):
                if row.target_id in busy:
                    continue
                candidate = debtor_of(row)
                verdict = clear(run.policy, candidate, now, do_not_call=blocked, may_abandon=False)
                if not isinstance(verdict, Dial):
                    await store.defer(self.db, verdict.debtor_id, verdict.until)
                    continue
                record = self.records[campaign_id]
                limit = preview.PreviewLimit(
                    limit=timedelta(seconds=max(5, record.preview_seconds)),
                    on_timeout=preview.OnTimeout(record.preview_on_timeout),
                )
                state, commands = preview.step(
                    limit, preview.PreviewState(operator=agent), preview.CardOffered(debtor_id=row.target_id), now
                )
                card = (await store.target_card(self.db, row.target_id)).to_json()
                shown = next(c for c in commands if isinstance(c, preview.ShowCard))
                card.update(
                    campaign_id=campaign_id,
                    campaign=record.name,
                    number=verdict.e164,
                    deadline=shown.deadline.isoformat(),
                    on_timeout=limit.on_timeout.value,
                )
                self.previews[user_id] = Held(
                    campaign_id=campaign_id, agent=agent, limit=limit, state=state, debtor=candidate, card=card
                )
                return card
        raise PreviewError("nobody may be called now", "preview_none")

    async def preview_press(self, user_id: int, debtor_id: int, *, dial: bool) -> None:
        now = self.clock()
        async with self.lock:
            held = self.previews.get(user_id)
            if held is None or held.debtor.debtor_id != debtor_id:
                raise PreviewError("the card is no longer shown", "preview_gone")
            event: preview.Event = (
                preview.DialPressed(debtor_id=debtor_id) if dial else preview.SkipPressed(debtor_id=debtor_id)
            )
            await self._preview_step(user_id, held, event, now)

    async def _preview_step(self, user_id: int, held: Held, event: preview.Event, now: datetime) -> None:
        held.state, commands = preview.step(held.limit, held.state, event, now)
        for command in commands:
            self.previews.pop(user_id, None)
            if isinstance(command, preview.RequestDial):
                await self._step(engine.PreviewDial(campaign_id=held.campaign_id, debtor=held.debtor, agent=held.agent))
            elif isinstance(command, preview.ReleaseDebtor):  # skipped: back of the list for a while
                await store.defer(self.db, command.debtor_id, now + SKIPPED_WAIT)

    # ------------------------------------------------------------------ the loop
    async def _step(self, event: engine.Event) -> None:
        now = self.clock()
        self.state, commands = engine.step(self.state, event, now)
        for command in commands:
            try:
                await self._run(command, now)
            except Exception:
                log.exception("dialer command failed: %r", command)

    async def _run(self, command: engine.Command, now: datetime) -> None:
        if isinstance(command, PlaceCall):
            await self._place(command, now)
        elif isinstance(command, Defer):
            await store.defer(self.db, command.refusal.debtor_id, command.refusal.until)
        elif isinstance(command, Record):
            await self._record(command, now)
        elif isinstance(command, PlayAbandonMessage):
            await self._abandon(command, now)
        else:
            await self._over(command)

    async def _place(self, command: PlaceCall, now: datetime) -> None:
        dial = command.dial
        attempt_id = await store.open_attempt(
            self.db, target_id=dial.debtor_id, call_id=command.call_id, e164=dial.e164, started_at=now
        )
        self.attempts[command.call_id] = attempt_id
        await self._changed(command.campaign_id)
        number = dial.e164.lstrip("+")
        caller_id = f"{command.creditor or 'ccdesk'} <{command.caller_id}>" if command.caller_id else None
        variables = {"CCDESK_CAMPAIGN": str(command.campaign_id)}
        if command.agent:  # preview: the operator's phone first; when picked up it dials the debtor
            originate = Originate(
                destination=command.agent,
                application="Dial",
                data=f"{self.trunk.format(number=number)},{int(self.ring_seconds)}",
                caller_id=caller_id,
                timeout=self.ring_seconds,
                channel_id=command.call_id,
                correlation_id=str(attempt_id),
                variables=variables,
            )
        else:
            originate = Originate(
                destination=self.trunk.format(number=number),
                context=DIALER_CONTEXT,
                exten=command.queue,
                caller_id=caller_id,
                timeout=self.ring_seconds,
                channel_id=command.call_id,
                correlation_id=str(attempt_id),
                variables=variables,
            )
        try:
            result = await self.execute(originate)
        except ActionTimeout:
            return  # it may have gone out: its fate comes as an OriginateResult, never by dialling again
        except (NotConnected, CtiError):
            result = ActionResult(ok=False, message="not sent")
        if not result.ok:
            self.state, commands = engine.step(self.state, engine.PlaceFailed(call_id=command.call_id), now)
            for c in commands:
                await self._run(c, now)

    async def _record(self, command: Record, now: datetime) -> None:
        file = f"{command.call_id}.wav"
        result = await self.execute(StartRecording(channel=command.channel, file=file, options=""))
        attempt_id = self.attempts.get(command.call_id)
        if result.ok and attempt_id is not None:
            await store.note_recording(self.db, attempt_id, file, now)

    async def _abandon(self, command: PlayAbandonMessage, now: datetime) -> None:
        await self.execute(Redirect(channel=command.channel, exten="s", context=ABANDON_CONTEXT))
        attempt_id = self.attempts.get(command.call_id)
        if attempt_id is None:
            return
        attempt = await store.get_attempt(self.db, attempt_id)
        if attempt.customer_id is not None:
            text = f"Вам звонили от {command.creditor or 'кредитора'} по вопросу задолженности."
            await store.queue_reminder(
                self.db,
                customer_id=attempt.customer_id,
                campaign_id=attempt.campaign_id,
                e164=attempt.e164,
                kind="voice",
                text=text,
                at=now,
            )

    async def _over(self, command: AttemptOver) -> None:
        attempt_id = self.attempts.pop(command.call_id, None)
        if attempt_id is None:
            return
        talk = command.talk_seconds
        await store.finish_attempt(
            self.db,
            attempt_id,
            outcome=command.result.value,
            ended_at=command.at,
            answered_at=command.answered_at,
            talk_seconds=talk,
            agent_interface=command.agent,
        )
        attempt = await store.get_attempt(self.db, attempt_id)
        run = self.state.runs.get(command.campaign_id)
        if run is None:
            campaign = await campaign_store.get_campaign(self.db, command.campaign_id)
            policy = policy_of(campaign)
        else:
            policy = run.policy
        row = await store.debtor(self.db, command.debtor_id, command.at)
        # The stored count includes this attempt already (open_attempt); Dialled counts it again.
        current = replace(debtor_of(row), attempts=max(0, row.attempts - 1))
        current, _ = debtor_machine.step(
            policy.retry,
            current,
            debtor_machine.Dialled(debtor_id=current.debtor_id, e164=attempt.e164, at=attempt.started_at),
            order=policy.number_order,
        )
        after, _ = debtor_machine.step(
            policy.retry,
            current,
            debtor_machine.AttemptEnded(debtor_id=current.debtor_id, result=command.result, at=command.at),
            order=policy.number_order,
        )
        await self._save(after, policy.retry.max_attempts)
        await self._changed(command.campaign_id)

    async def _changed(self, campaign_id: int) -> None:
        if self.notify is not None:
            try:
                await self.notify(campaign_id)
            except Exception:  # a screen that cannot be told must not stop the dialer
                log.exception("campaign change notification failed")

    async def _save(self, after: debtor_machine.Debtor, max_attempts: int) -> None:
        waiting = after.not_before is not None or after.promised_on is not None or after.callback_at is not None
        await store.save_debtor_state(
            self.db,
            after.debtor_id,
            next_attempt_at=after.not_before,
            number=after.number,
            closed=after.closed.value if after.closed else None,
            callback_at=after.callback_at,
            exhausted=after.attempts >= max_attempts or not waiting,
        )

    # ------------------------------------------------------------------ figures
    def figures(self) -> dict[int, dict[str, Any]]:
        """Live per-campaign figures: abandon rate (rolling window) and calls in progress."""
        now = self.clock()
        out: dict[int, dict[str, Any]] = {}
        for cid, run in self.state.runs.items():
            pacer = self.state.pacers.get(cid)
            rate, answered = pacing.abandon_rate(run.policy, pacer, now) if pacer else (0.0, 0)
            out[cid] = {
                "abandon_pct": round(rate * 100, 2),
                "answered_in_window": answered,
                "cap_pct": round(run.policy.abandon_cap * 100, 2),
                "in_progress": sum(1 for c in self.state.calls.values() if c.campaign_id == cid),
                "free_operators": engine.free_operators(self.state, run.queue, now),
            }
        return out
