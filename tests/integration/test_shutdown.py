"""Given the real `ccdesk serve` process with an operator's Socket.IO connected and an abandoned engine.io
polling handshake, when it gets SIGTERM, then it exits within a few seconds."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.serving import free_port, prepare_database, wait_for

from .client import Operator

pytestmark = pytest.mark.integration
REPO_ROOT = Path(__file__).resolve().parents[2]
STOP_WITHIN_S = 5.0


async def _up(url: str) -> bool:
    try:
        async with aiohttp.ClientSession() as http, http.get(f"{url}/healthz") as response:
            return response.status == 200
    except aiohttp.ClientError:
        return False


async def test_sigterm_stops_the_server_whatever_is_connected(tmp_path: Path) -> None:
    database_url = await prepare_database(tmp_path / "ccdesk.db", customers=20)
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "CCDESK_DATABASE_URL": database_url,
        "CCDESK_PORT": str(port),
        "CCDESK_AGI_PORT": str(free_port()),
        "CCDESK_VAR_DIR": str(tmp_path / "var"),
        "CCDESK_SIM_CALLS_PER_MINUTE": "0",
        "CCDESK_SIM_BOTS": "0",
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "web.cli", "serve", env=env, cwd=tmp_path, stdout=out, stderr=out
        )
    url = f"http://127.0.0.1:{port}"
    op = Operator(url)
    try:
        await wait_for(lambda: _up(url), timeout=30)
        await op.login("op1", "op1-password")
        await op.connect_socket()
        # A polling handshake that never polls again (a tab closed mid-connect): engine.io's disconnect
        # would wait for it to fetch its close packet forever.
        async with op.http.get("/socket.io/?EIO=4&transport=polling") as response:
            assert response.status == 200 and '"sid"' in await response.text()

        server.send_signal(signal.SIGTERM)
        started = asyncio.get_running_loop().time()
        try:
            code = await asyncio.wait_for(server.wait(), STOP_WITHIN_S)
        except TimeoutError:
            pytest.fail(f"ccdesk serve still running {STOP_WITHIN_S} s after SIGTERM")
        took = asyncio.get_running_loop().time() - started
        output = log.read_text(encoding="utf-8", errors="replace")
        assert code == 0, output
        assert "Traceback" not in output, output
        print(f"stopped in {took:.2f} s")
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()
        await op.close()
