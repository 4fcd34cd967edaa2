"""PostgreSQL for the store tests marked `postgres`: one server a session, one fresh database a test.

The server is `CCDESK_TEST_POSTGRES_URL` when set (any database there we may CREATE DATABASE from), else a
throwaway cluster started by `scripts/pg-test-server` (which installs Debian's postgresql when it can).
Where neither works the PostgreSQL variants skip, saying why; under CI they fail instead, so a pipeline can
never go green without having run them.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from crm_store.migrate import upgrade

ENV_URL = "CCDESK_TEST_POSTGRES_URL"
SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "pg-test-server"
# Covers an apt-get install on a fresh machine; pytest-timeout (180 s) would otherwise kill the whole run.
START_TIMEOUT_S = 150


@dataclass
class PostgresServer:
    admin_url: str
    _names: Iterator[int] = field(default_factory=itertools.count)
    _migrated: str | None = None  # a migrated database that `db` tests are cloned from

    def _dsn(self, database: str | None = None) -> str:
        url = make_url(self.admin_url).set(drivername="postgresql")
        if database is not None:
            url = url.set(database=database)
        return url.render_as_string(hide_password=False)

    async def _execute(self, sql: str) -> None:
        conn = await asyncpg.connect(self._dsn())
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def _create(self, template: str) -> str:
        # The pid keeps concurrent sessions on one shared server apart.
        name = f"ccdesk_t{os.getpid()}_{next(self._names)}"
        await self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return name

    async def create_database(self, *, migrated: bool) -> str:
        """A new database of its own: empty, or already at the head migration (cloned, not migrated again)."""
        template = "template0"
        if migrated:
            if self._migrated is None:
                name = await self._create("template0")
                await upgrade(self._dsn(name))
                self._migrated = name
            template = self._migrated
        return self._dsn(await self._create(template))

    async def drop_database(self, url: str) -> None:
        # FORCE: a test that failed may have left a pool open.
        await self._execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')

    async def close(self) -> None:
        if self._migrated is not None:
            await self.drop_database(self._dsn(self._migrated))


def unavailable(reason: str) -> NoReturn:
    """Skip the PostgreSQL variants, or fail them under CI where PostgreSQL is installed by `make test`."""
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is required under CI: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL not available: {reason}")


def start_throwaway() -> Iterator[PostgresServer]:
    """Start a cluster with scripts/pg-test-server for the session and delete it afterwards."""
    # A directory of the system's temp dir, not pytest's (mode 0700 under root): the server runs as `postgres`.
    directory = tempfile.mkdtemp(prefix="ccdesk-pg-")
    try:
        done = subprocess.run(
            [str(SCRIPT), "start", directory],
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        _remove(directory)
        unavailable(f"{SCRIPT.name} start took over {START_TIMEOUT_S} s")
    if done.returncode != 0:
        _remove(directory)
        lines = done.stderr.strip().splitlines()
        why = lines[-1].removeprefix("pg-test-server: ") if lines else f"exit status {done.returncode}"
        unavailable(f"{SCRIPT.name} start failed: {why}")
    try:
        yield PostgresServer(admin_url=done.stdout.strip().splitlines()[-1])
    finally:
        _remove(directory)


def _remove(directory: str) -> None:
    # `stop` stops a server that may have started and deletes the cluster; rmtree catches a half-made one.
    subprocess.run([str(SCRIPT), "stop", directory], capture_output=True, check=False)
    shutil.rmtree(directory, ignore_errors=True)


def session_server() -> Iterator[PostgresServer]:
    url = os.environ.get(ENV_URL)
    if not url:
        yield from start_throwaway()
        return
    # Given on purpose, so a wrong URL is an error to see, not a reason to skip.
    server = PostgresServer(admin_url=url)
    yield server
    # A session fixture's teardown runs outside the tests' event loop: a loop of its own drops the template.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, server.close()).result()
