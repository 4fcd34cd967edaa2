"""Run the app until SIGINT/SIGTERM, then shut everything down in order."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from aiohttp import web

from .app import create_app
from .heap import keep_heap_frozen
from .settings import Settings

log = logging.getLogger("ccdesk.server")


# Reads run in worker threads (SQLite); with the default 5 ms GIL switch interval a 2 ms screen-pop
# query waits up to 5 ms for the GIL at each hand-back while the event loop is busy, which tripled the
# pop latency under load (bench/screen_pop.py). 1 ms keeps those hand-backs short.
GIL_SWITCH_INTERVAL_S = 0.001
# Open websockets (browsers) are told to go away on shutdown; a request still running gets this long.
SHUTDOWN_GRACE_S = 2.0
# Whatever hangs (a PBX, a database, a client), the process stops within this: a supervisor's SIGTERM must
# not have to become a SIGKILL. Normal shutdown takes well under a second.
SHUTDOWN_LIMIT_S = 10.0


async def serve(settings: Settings) -> None:
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    app = create_app(settings)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_GRACE_S)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    heap = asyncio.create_task(keep_heap_frozen())  # short collector pauses (web/heap.py)
    log.info(
        "workstation on http://%s:%s (PBX: %s)",
        settings.host,
        settings.port,
        "built-in simulator" if settings.pbx == "sim" else repr(settings.ami),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        log.info("shutting down")
        heap.cancel()
        await asyncio.gather(heap, return_exceptions=True)
        try:
            await asyncio.wait_for(runner.cleanup(), SHUTDOWN_LIMIT_S)
        except TimeoutError:
            log.error("shutdown did not finish within %.0f s: stopping anyway", SHUTDOWN_LIMIT_S)
