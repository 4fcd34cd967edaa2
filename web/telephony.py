"""Telephony for the app: the built-in PBX simulator (or a real Asterisk), the AMI client, the IVR's
FastAGI server, and one task that feeds every CTI event, in order, to the workstation."""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy import text

from crm_store.db import Database
from cti import AmiClient, AmiConfig, CallControl
from cti import events as ev
from cti.sim import MemberConfig, PbxSimulator, QueueConfig, SimConfig
from ivr import IvrServer, default_menu, load_menu
from ivr.demo import demo_caller_keys
from ivr.store_backend import StoreBackend
from routing import QueueLoad, RuleSet
from workstation.directory import Directory
from workstation.service import Workstation

from . import keys
from .settings import Settings

log = logging.getLogger(__name__)

BOT_NAMES = ("Анна", "Борис", "Вера", "Глеб", "Дарья", "Егор", "Зоя", "Илья", "Кира", "Лев", "Мила", "Ник")


@dataclass(slots=True)
class Telephony:
    client: AmiClient
    control: CallControl
    simulator: PbxSimulator | None
    ivr: IvrServer


def sim_config(settings: Settings, rules: RuleSet, agi_port: int) -> SimConfig:
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
        agi_address=f"{settings.agi_host}:{agi_port}",
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


async def telephony_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    db = app[keys.DB]
    rules = app[keys.RULES]
    menu = load_menu(settings.ivr_menu) if settings.ivr_menu else default_menu()
    workstation = Workstation(
        db=db,
        directory=Directory(db),
        notifier=app[keys.NOTIFIER],
        execute=_deferred(app),
        clock=app[keys.CLOCK],
        wrap_up=rules.wrap_up_for,
    )
    app[keys.WORKSTATION] = workstation

    def queue_load() -> dict[str, QueueLoad]:
        return app[keys.QUEUE_LOAD]

    ivr = IvrServer(
        menu=menu,
        backend=StoreBackend(db),
        rules=rules,
        host=settings.agi_host,
        port=settings.agi_port,
        clock=app[keys.CLOCK],
        queue_load=queue_load,
    )
    await ivr.start()
    simulator = None
    target = settings.ami
    try:
        if target is None:
            rng = random.Random()
            numbers, accounts = await sample_callers(db)
            simulator = PbxSimulator(
                sim_config(settings, rules, ivr.port),
                caller_numbers=caller_source(numbers, rng),
                ivr_digits=ivr_keys(accounts, rng),
            )
            await simulator.start()
            ami = AmiConfig(
                host="127.0.0.1",
                port=simulator.port,
                username=simulator.config.username,
                secret=simulator.config.secret,
            )
        else:
            ami = AmiConfig(host=target.host, port=target.port, username=target.username, secret=target.secret)
        client = AmiClient(ami, clock=app[keys.CLOCK])
        control = CallControl(client)
        app[keys.TELEPHONY] = Telephony(client=client, control=control, simulator=simulator, ivr=ivr)
        await workstation.start()
        inbox: asyncio.Queue[object] = asyncio.Queue()
        unsubscribe = client.subscribe(inbox.put_nowait)  # before start: no event may slip past
        pump = asyncio.create_task(_pump(app, inbox, workstation))
        await client.start()
        log.info("CTI: %s; IVR on FastAGI port %s", "built-in PBX simulator" if simulator else repr(target), ivr.port)
        try:
            yield
        finally:
            await client.close()
            unsubscribe()
            pump.cancel()
            await asyncio.gather(pump, return_exceptions=True)
            await workstation.close()
    finally:
        if simulator is not None:
            await simulator.stop()
        await ivr.stop()


def _deferred(app: web.Application) -> Callable[[object], object]:
    async def execute(command: object) -> object:
        return await app[keys.TELEPHONY].control.execute(command)  # type: ignore[arg-type]

    return execute


async def _pump(app: web.Application, inbox: asyncio.Queue[object], workstation: Workstation) -> None:
    """The one consumer of CTI events: order is what the PBX sent."""
    while True:
        event = await inbox.get()
        try:
            if isinstance(event, ev.QueueStatsUpdated):
                app[keys.QUEUE_LOAD][event.queue] = QueueLoad(waiting=event.callers, available_agents=event.available)
            await workstation.handle(event)
        except Exception:  # a bug in one event's handling must not stop the next ones
            log.exception("handling %r failed", event)
