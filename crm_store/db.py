"""Engines and sessions: the one place that knows SQLite from PostgreSQL.

SQLite (the embedded default) gets WAL, foreign keys and a busy timeout on every connection, one writer
connection that starts each transaction with BEGIN IMMEDIATE (so read-then-write code cannot lose updates),
a separate pool of readers, and a thread-pool fast path for read-heavy calls such as the screen pop:
aiosqlite costs a thread hop per statement, the fast path one hop per unit of work.
PostgreSQL (asyncpg) needs none of that and uses the same code through `run_read`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

T = TypeVar("T")
log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000
LOCKED_RETRIES = 4  # run_write: a unit that found the database locked past the busy timeout runs again


def async_url(url: str) -> str:
    """Accept the URLs people write (`sqlite:///x.db`, `postgresql://…`) and pick the async driver."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif backend == "postgresql":
        parsed = parsed.set(drivername="postgresql+asyncpg")
    else:
        raise ValueError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")
    return parsed.render_as_string(hide_password=False)


SQLITE_CACHE_KIB = 64 * 1024  # an upper bound a connection grows to, not an allocation
SQLITE_MMAP_BYTES = 1 << 30  # address space, shared by every connection through the OS page cache


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def ensure_sqlite_dir(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # SQLite's default page cache is 2 MiB a connection: a pop on a million-customer store, or an import
    # growing four indexes at random keys, then re-reads (and re-spills) pages on every statement.
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    # Reads straight from the OS page cache, without copying each page into SQLite's own buffers.
    cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cursor.close()


def _writer_connect(dbapi_connection: Any, record: Any) -> None:
    _sqlite_pragmas(dbapi_connection, record)
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin.
    dbapi_connection.isolation_level = None


def _begin_immediate(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _immediate_writer(engine: Engine) -> None:
    """Every transaction takes SQLite's write lock at BEGIN, so read-then-write code cannot lose updates."""
    event.listen(engine, "connect", _writer_connect)
    event.listen(engine, "begin", _begin_immediate)


# hide_parameters: an error's message (and so a logged traceback) shows the SQL without its values, which
# hold customers' phone numbers, names and call notes.


def _make_sqlite_writer(url: str) -> AsyncEngine:
    engine = create_async_engine(url, pool_size=1, max_overflow=0, hide_parameters=True)
    _immediate_writer(engine.sync_engine)
    return engine


def _make_sqlite_reader(url: str) -> AsyncEngine:
    engine = create_async_engine(url, pool_size=4, max_overflow=4, hide_parameters=True)
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _make_sqlite_sync_writer(url: str) -> Engine:
    sync_url = make_url(url).set(drivername="sqlite+pysqlite")
    engine = create_engine(sync_url, pool_size=1, max_overflow=0, connect_args={"check_same_thread": False})
    _immediate_writer(engine)
    return engine


def _make_sqlite_sync_reader(url: str) -> Engine:
    sync_url = make_url(url).set(drivername="sqlite+pysqlite")
    engine = create_engine(sync_url, pool_size=2, max_overflow=2, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


@dataclass(slots=True)
class Database:
    """The engines of one database and the session factories built on them."""

    url: str
    writer: AsyncEngine
    reader: AsyncEngine
    sync_reader: Engine | None = None
    sync_writer: Engine | None = None
    _executor: ThreadPoolExecutor | None = None
    _write_executor: ThreadPoolExecutor | None = None
    write_session: async_sessionmaker[AsyncSession] = field(init=False)
    read_session: async_sessionmaker[AsyncSession] = field(init=False)

    def __post_init__(self) -> None:
        self.write_session = async_sessionmaker(self.writer, expire_on_commit=False)
        self.read_session = async_sessionmaker(self.reader, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.sync_reader is not None

    async def run_read(self, fn: Callable[[Connection], T]) -> T:
        """Run a synchronous read `fn(connection)` as one unit, by the fastest path this database has."""
        if self.sync_reader is not None and self._executor is not None:
            engine = self.sync_reader

            def call() -> T:
                with engine.connect() as conn:
                    return fn(conn)

            return await asyncio.get_running_loop().run_in_executor(self._executor, call)
        async with self.reader.connect() as conn:
            return await conn.run_sync(fn)

    async def run_read_inline(self, fn: Callable[[Connection], T]) -> T:
        """Like run_read, but on SQLite in the calling thread: for a short indexed read whose latency
        matters more than the loop's (the screen pop), the thread hop and the GIL hand-backs cost more
        than the read itself."""
        if self.sync_reader is not None:
            with self.sync_reader.connect() as conn:
                return fn(conn)
        return await self.run_read(fn)

    async def run_write(self, fn: Callable[[Connection], T]) -> T:
        """Run a synchronous unit of writes `fn(connection)` in one transaction, by the fastest path.

        SQLite: one thread hop for the whole unit on a BEGIN IMMEDIATE connection of its own (SQLite's
        lock serialises it with the async writer). Elsewhere: the async writer engine.
        """
        if self.sync_writer is not None and self._write_executor is not None:
            engine = self.sync_writer

            def call() -> T:
                with engine.begin() as conn:
                    return fn(conn)

            loop = asyncio.get_running_loop()
            for attempt in range(LOCKED_RETRIES):
                try:
                    return await loop.run_in_executor(self._write_executor, call)
                except OperationalError as e:
                    # Another writer held SQLite's lock past the busy timeout (a long import chunk): the
                    # transaction never began (BEGIN IMMEDIATE takes the lock first), so it is run again
                    # rather than lost.
                    if "database is locked" not in str(e) or attempt == LOCKED_RETRIES - 1:
                        raise
                    log.warning("the database stayed locked; writing again (attempt %d)", attempt + 2)
                    await asyncio.sleep(0.2 * 2**attempt)
        async with self.writer.begin() as conn:
            return await conn.run_sync(fn)

    async def dispose(self) -> None:
        await self.writer.dispose()
        if self.reader is not self.writer:
            await self.reader.dispose()
        for engine in (self.sync_reader, self.sync_writer):
            if engine is not None:
                engine.dispose()
        for executor in (self._executor, self._write_executor):
            if executor is not None:
                executor.shutdown(wait=True)


def open_database(url: str) -> Database:
    """Create the engines for `url` (nothing connects until first use)."""
    url = async_url(url)
    if is_sqlite(url):
        ensure_sqlite_dir(url)
        return Database(
            url=url,
            writer=_make_sqlite_writer(url),
            reader=_make_sqlite_reader(url),
            sync_reader=_make_sqlite_sync_reader(url),
            sync_writer=_make_sqlite_sync_writer(url),
            _executor=ThreadPoolExecutor(max_workers=2, thread_name_prefix="ccdesk-read"),
            _write_executor=ThreadPoolExecutor(max_workers=1, thread_name_prefix="ccdesk-write"),
        )
    engine = create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True, hide_parameters=True)
    return Database(url=url, writer=engine, reader=engine)
