"""Run the app until SIGINT/SIGTERM, then shut everything down in order."""

from __future__ import annotations

import asyncio
import logging
import signal

from aiohttp import web

from .app import create_app
from .settings import Settings

log = logging.getLogger("ccdesk.server")


async def serve(settings: Settings) -> None:
    app = create_app(settings)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    log.info("workstation on http://%s:%s (PBX: %s)", settings.host, settings.port,
             "built-in simulator" if settings.pbx == "sim" else repr(settings.ami))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        log.info("shutting down")
        await runner.cleanup()
