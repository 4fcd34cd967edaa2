"""Start the real ccdesk app (create_app) with the built-in PBX simulator on free ports, a temporary
SQLite database with demo data and known users: used by the integration and the browser tests."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from aiohttp import web

from crm_store.db import open_database
from crm_store.demo import DemoSpec, generate
from crm_store.migrate import upgrade
from crm_store.users import create_user
from web import keys
from web.app import create_app
from web.passwords import hash_password
from web.server import SHUTDOWN_GRACE_S
from web.settings import Settings

USERS = (
    # username, password, role, extension, queues
    ("op1", "op1-password", "operator", "1001", ["support", "billing"]),
    ("op2", "op2-password", "operator", "1002", ["support"]),
    ("sup", "sup-password", "supervisor", None, []),
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Running:
    settings: Settings
    app: web.Application
    runner: web.AppRunner
    url: str
    passwords: dict[str, str] = field(default_factory=dict)

    @property
    def simulator(self) -> Any:
        return self.app[keys.SIMULATOR]

    @property
    def workstation(self) -> Any:
        return self.app[keys.WORKSTATION]

    @property
    def db(self) -> Any:
        return self.app[keys.DB]

    async def stop(self) -> None:
        await self.runner.cleanup()


async def prepare_database(path: Path, customers: int = 200) -> str:
    url = f"sqlite:///{path}"
    await upgrade(url)
    db = open_database(url)
    try:
        await generate(db, DemoSpec(customers=customers, seed=3, as_of=date(2026, 11, 1)))
        for username, password, role, extension, queues in USERS:
            await create_user(
                db,
                username=username,
                role=role,
                password_hash=hash_password(password),
                full_name=username.upper(),
                extension=extension,
                queues=queues,
            )
    finally:
        await db.dispose()
    return url


async def start(settings: Settings, clock: Any = None) -> Running:
    app = create_app(settings, clock=clock) if clock is not None else create_app(settings)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_GRACE_S)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    running = Running(
        settings=settings,
        app=app,
        runner=runner,
        url=f"http://{settings.host}:{settings.port}",
        passwords={u[0]: u[1] for u in USERS},
    )
    await running.app[keys.AMI].wait_connected(10)
    return running


def settings_for_test(tmp_path: Path, database_url: str, **overrides: Any) -> Settings:
    settings = Settings(
        database_url=database_url,
        host="127.0.0.1",
        port=free_port(),
        agi_port=free_port(),
        var_dir=tmp_path / "var",
        sim_calls_per_minute=0.0,
        sim_answer_delay=None,
        sim_bots=0,
    )
    return replace(settings, **overrides)


async def wait_for(predicate: Any, timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll `predicate` (sync or async) until it returns something truthy; bounded, never a bare sleep."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if loop.time() > end:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)
