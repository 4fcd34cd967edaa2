"""Telephony for the app, one cleanup_ctx per long-lived resource (app.py registers them in this order):

simulator (sim mode) → AMI client + call control → event stream → workstation → queue load → IVR's FastAGI
server → PBX link. Each finds what it needs already under its AppKey; nothing is bound late. The AMI client
connects last, once every subscriber is on the stream, so no event slips past; on shutdown it is the first
to stop, so the subscribers finish with the last events they got.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web
from sqlalchemy import text

from crm_store.db import Database
from cti import AmiClient, AmiConfig, CallControl
from cti import events as ev
from cti.sim import MemberConfig, PbxSimulator, QueueConfig, SimConfig
from cti.stream import LocalStream
from dialer.service import DialerService
from ivr import IvrServer
from ivr.demo import demo_caller_keys
from ivr.store_backend import StoreBackend
from routing import RuleSet, WrapUp
from workstation.directory import Directory
from workstation.queue_load import LiveQueueLoad, correct_periodically
from workstation.service import Workstation
from workstation.wallboard_feed import CampaignFigures
from workstation.wallboard_store import rebuilt_from_cards

from . import keys
from .api_campaigns import campaign_figures
from .api_reports import agent_state_log_ctx
from .filing import application_filer
from .settings import Settings
from .wallboard_page import turn_days, wallboard_pusher

log = logging.getLogger(__name__)

BOT_NAMES = ("Анна", "Борис", "Вера", "Глеб", "Дарья", "Егор", "Зоя", "Илья", "Кира", "Лев", "Мила", "Ник")


def sim_config(settings: Settings, rules: RuleSet) -> SimConfig:
    """Every routing queue exists in the simulator, with a simulated operator or two keeping it moving."""
    queues = []
    for i, name in enumerate(rules.queues):
        bots = tuple(
            MemberConfig(interface=f"PJSIP/{2001 + 10 * i + j}", name=f"{BOT_NAMES[(2 * i + j) % 12]} (бот)")
            for j in range(settings.sim_bots)
        )
        queues.append(QueueConfig(name=name, members=bots, timeout=300.0))
    return SimConfig(
        host="127.0.0.1",
        port=settings.sim_ami_port,
        username="ccdesk",
        secret=secrets.token_urlsafe(12),
        queues=tuple(queues),
        calls_per_minute=settings.sim_calls_per_minute,
        operator_answer_delay=settings.sim_answer_delay,
        agi_address=f"{settings.agi_host}:{settings.agi_port}",
        ivr_share=0.5,
        did_queues=(("88005550100", "support"), ("88005550101", "billing"), ("88005550102", "vip")),
    )


async def sample_callers(db: Database, count: int = 3_000) -> tuple[list[str], list[str]]:
    """Numbers the simulated callers call from (mostly known customers) and account numbers they type."""
    async with db.read_session() as s:
        numbers = list(await s.scalars(text("SELECT raw FROM phones ORDER BY random() LIMIT :n"), {"n": count}))
        accounts = list(await s.scalars(text("SELECT number FROM accounts ORDER BY random() LIMIT 200")))
    return numbers, accounts


def caller_source(numbers: list[str], rng: random.Random) -> Callable[[], str]:
    def next_caller() -> str:
        if not numbers or rng.random() < 0.1:  # strangers call too: the pop offers search and create
            return f"+7916{rng.randrange(10**7):07d}"
        return rng.choice(numbers)

    return next_caller


def ivr_keys(accounts: list[str], rng: random.Random) -> Callable[[], list[str]]:
    def keys_for_caller() -> list[str]:
        account = rng.choice(accounts) if accounts and rng.random() < 0.3 else None
        return demo_caller_keys(rng, account_number=account)

    return keys_for_caller


async def simulator_ctx(app: web.Application) -> AsyncIterator[None]:
    """The built-in PBX simulator when no real PBX is configured (CCDESK_PBX=sim)."""
    settings = app[keys.SETTINGS]
    if settings.ami is not None:
        app[keys.SIMULATOR] = None
        yield
        return
    rng = random.Random()
    numbers, accounts = await sample_callers(app[keys.DB])
    simulator = PbxSimulator(
        sim_config(settings, app[keys.RULES]),
        caller_numbers=caller_source(numbers, rng),
        ivr_digits=ivr_keys(accounts, rng),
    )
    await simulator.start()
    app[keys.SIMULATOR] = simulator
    try:
        yield
    finally:
        await simulator.stop()


async def ami_ctx(app: web.Application) -> AsyncIterator[None]:
    """The AMI client (not connected yet: pbx_link_ctx does that) and the call control that uses it."""
    settings = app[keys.SETTINGS]
    target = settings.ami
    simulator = app[keys.SIMULATOR]
    if target is not None:
        config = AmiConfig(
            host=target.host,
            port=target.port,
            username=target.username,
            secret=target.secret,
            trunks=settings.trunks,
            trunk_contexts=settings.trunk_contexts,
        )
    elif simulator is not None:
        config = AmiConfig(
            host="127.0.0.1",
            port=simulator.port,
            username=simulator.config.username,
            secret=simulator.config.secret,
        )
    else:  # pragma: no cover - simulator_ctx always sets one in sim mode
        raise RuntimeError("no PBX: neither an AMI target nor the simulator")
    client = AmiClient(config, clock=app[keys.CLOCK])
    app[keys.AMI] = client
    app[keys.CONTROL] = CallControl(client)
    try:
        yield
    finally:
        await client.close()  # also when a later context failed before pbx_link_ctx


async def stream_ctx(app: web.Application) -> AsyncIterator[None]:
    """Every CTI event, in the order the PBX sent it, to every subscriber (cti/stream.py)."""
    stream: LocalStream[ev.Event] = LocalStream()
    app[keys.STREAM] = stream
    unsubscribe = app[keys.AMI].subscribe(stream.publish)
    try:
        yield
    finally:
        unsubscribe()
        await stream.close()


async def workstation_ctx(app: web.Application) -> AsyncIterator[None]:
    """Calls, presence, pops and call cards: one subscriber of the stream."""
    db = app[keys.DB]
    workstation = Workstation(
        db=db,
        directory=Directory(db),
        notifier=app[keys.NOTIFIER],
        execute=app[keys.CONTROL].execute,
        clock=app[keys.CLOCK],
        wrap_up=app[keys.RULES].wrap_up_for,  # after-call work per queue, from the routing rules
    )
    await workstation.start()
    app[keys.WORKSTATION] = workstation
    subscription = app[keys.STREAM].subscribe("workstation", workstation.handle)
    try:
        yield
    finally:
        await subscription.close()
        await workstation.close()


async def queue_load_ctx(app: web.Application) -> AsyncIterator[None]:
    """Waiting callers, the longest wait and free operators per queue, for the IVR's routing and the wallboard:
    folded live from the call and member events (workstation/queue_load.py) and corrected by the PBX's own
    QueueSummary every so often (a kept task; its answer arrives through the stream as QueueStatsUpdated)."""
    load = LiveQueueLoad(app[keys.CLOCK])
    app[keys.QUEUE_LOAD] = load
    subscription = app[keys.STREAM].subscribe("queue_load", load.handle)
    correction = asyncio.create_task(correct_periodically(app[keys.CONTROL].execute))
    try:
        yield
    finally:
        correction.cancel()
        await asyncio.gather(correction, return_exceptions=True)
        await subscription.close()


async def wallboard_ctx(app: web.Application) -> AsyncIterator[None]:
    """The wallboard's figures (workstation/wallboard.py): today's rebuilt from the call cards, then kept live from
    the stream, subscribed before the PBX link starts so that no event falls between the two. Its subscriber
    pushes what each event changed to the supervisors' pages (web/wallboard_page.py)."""
    rules = app[keys.RULES]
    board = await rebuilt_from_cards(
        app[keys.DB], app[keys.CLOCK](), tz=rules.timezone, service_levels=rules.service_levels
    )
    app[keys.WALLBOARD] = board
    pusher = wallboard_pusher(app, board)
    app[keys.WALLBOARD_PUSHER] = pusher
    subscription = app[keys.STREAM].subscribe("wallboard", pusher.handle)
    tasks = [
        asyncio.create_task(pusher.run(), name="wallboard pushes"),
        asyncio.create_task(turn_days(pusher), name="wallboard midnight"),
    ]
    try:
        yield
    finally:
        await subscription.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def campaign_changed(app: web.Application) -> Callable[[int], Awaitable[None]]:
    """The supervisors' screens hear that a campaign's figures changed: the campaigns page fetches them itself,
    the wallboard is handed every running or paused campaign's progress and abandon rate."""

    async def notify(campaign_id: int) -> None:
        await app[keys.NOTIFIER].to_supervisors("campaign", {"campaign_id": campaign_id})
        await push_campaign_figures(app)

    return notify


async def push_campaign_figures(app: web.Application) -> None:
    figures = await campaign_figures(app)
    await app[keys.WALLBOARD_PUSHER].push_campaigns(
        CampaignFigures(
            name=f["name"],
            dialled=f["dialled"],
            total=f["total"],
            reached=f["reached"],
            abandon_pct=f["abandon_pct"],
            cap_pct=f["cap_pct"],
        )
        for f in figures
    )


def after_call_work_seconds(wrap_up: WrapUp) -> float:
    """How long the dialer holds an operator after a call: the queue's wrap-up, or, where the queue waits for
    the card's result with no time limit, long enough for the pause to begin (it lifts the hold when it ends)."""
    if wrap_up.seconds > 0:
        return float(wrap_up.seconds)
    return 60.0 if wrap_up.require_result else 0.0


async def dialer_ctx(app: web.Application) -> AsyncIterator[None]:
    """Outbound campaigns (dialer/service.py): paces running campaigns and follows their calls on the stream,
    subscribed before the PBX link starts so it sees every leg of the calls it places."""
    settings = app[keys.SETTINGS]
    dialer = DialerService(
        db=app[keys.DB],
        execute=app[keys.CONTROL].execute,
        clock=app[keys.CLOCK],
        prefix=f"dlr-{secrets.token_hex(4)}",  # ccdesk's own ChannelIds: unique per start
        trunk=settings.dialer_trunk,
        tick_seconds=settings.dialer_tick_seconds,
        recording_days=settings.recording_days,
        notify=campaign_changed(app),
        rest=lambda queue: after_call_work_seconds(app[keys.RULES].wrap_up_for(queue)),
    )
    await dialer.start()
    app[keys.DIALER] = dialer
    await push_campaign_figures(app)  # the wallboard shows the campaigns running since before a restart
    subscription = app[keys.STREAM].subscribe("dialer", dialer.handle)
    try:
        yield
    finally:
        await subscription.close()
        await dialer.close()


async def ivr_ctx(app: web.Application) -> AsyncIterator[None]:
    """The IVR's FastAGI server (Asterisk, or the simulator, connects to it)."""
    settings = app[keys.SETTINGS]
    load = app[keys.QUEUE_LOAD]
    ivr = IvrServer(
        menu=app[keys.MENU],
        backend=StoreBackend(app[keys.DB], filer=application_filer(app)),
        rules=app[keys.RULES],
        host=settings.agi_host,
        port=settings.agi_port,
        allow=settings.agi_allow,  # only the PBX may connect (CCDESK_AGI_ALLOW)
        clock=app[keys.CLOCK],
        queue_load=load.snapshot,
    )
    await ivr.start()
    app[keys.IVR] = ivr
    try:
        yield
    finally:
        await ivr.stop()


async def pbx_link_ctx(app: web.Application) -> AsyncIterator[None]:
    """Connect to the PBX last (every subscriber is in place); disconnect first on shutdown."""
    client = app[keys.AMI]
    await client.start()
    simulator = app[keys.SIMULATOR]
    log.info("CTI: %s; IVR on FastAGI port %s", "built-in PBX simulator" if simulator else client, app[keys.IVR].port)
    try:
        yield
    finally:
        await client.close()


TELEPHONY_CONTEXTS = (
    simulator_ctx,
    ami_ctx,
    stream_ctx,
    workstation_ctx,
    queue_load_ctx,
    wallboard_ctx,
    agent_state_log_ctx,  # the operators' states for the reports (web/api_reports.py)
    dialer_ctx,
    ivr_ctx,
    pbx_link_ctx,
)
