"""The server restarts in the middle of a call: the operator's page reconnects by itself and gets the call,
the pop and the card back — with what the operator had typed and not yet saved."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp import web
from playwright.async_api import expect

from cti.sim import PbxSimulator, QueueConfig, SimConfig
from tests.serving import USERS, Running, prepare_database, settings_for_test
from web import keys
from web.app import create_app
from web.settings import Settings

from .conftest import RU, known_caller
from .ui import api_get, log_in, sign_in_to

pytestmark = pytest.mark.browser

QUEUES = ("support", "billing", "debt", "vip", "business", "meter")


async def start(settings: Settings) -> Running:
    """tests.serving.start, but a stop does not wait aiohttp's default 60 s for the page's open
    websocket to finish (the server does not close Socket.IO websockets on shutdown)."""
    app = create_app(settings)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    await app[keys.AMI].wait_connected(10)
    return Running(
        settings=settings,
        app=app,
        runner=runner,
        url=f"http://{settings.host}:{settings.port}",
        passwords={u[0]: u[1] for u in USERS},
    )


@pytest.fixture
async def pbx() -> PbxSimulator:
    """A PBX that outlives the server: the simulator on its own, reached over AMI like a real Asterisk."""
    sim = PbxSimulator(
        SimConfig(
            host="127.0.0.1",
            port=0,
            username="ccdesk",
            secret="browser-test",
            queues=tuple(QueueConfig(name=q, members=(), timeout=300.0) for q in QUEUES),
        )
    )
    await sim.start()
    yield sim
    await sim.stop()


async def test_the_page_gets_the_call_and_the_card_back_after_a_server_restart(tmp_path: Path, pbx, page) -> None:
    database_url = await prepare_database(tmp_path / "ccdesk.db")
    settings = settings_for_test(tmp_path, database_url, pbx=f"ami://ccdesk:browser-test@127.0.0.1:{pbx.port}")
    server = await start(settings)
    try:
        number, customer_id, name = await known_caller(server.db)
        await log_in(page, server.url, "op1", server.passwords["op1"])
        await sign_in_to(page, ["support"])
        call_id = pbx.place_inbound_call(number, queue="support")
        await expect(page.locator("#customer-name")).to_have_text(name)
        assert pbx.answer("PJSIP/1001")  # the operator picks up the desk phone
        await expect(page.locator("#call-state")).to_have_attribute("data-state", "talking")
        card_id = (await api_get(page, f"{server.url}/api/me"))["card"]["id"]
        await page.select_option("#card-topic", "payment")
        await page.fill("#card-notes", "Набрано до перезапуска")

        await server.stop()
        await expect(page.locator("#conn-state")).to_have_attribute("data-state", "reconnecting")
        server = await start(settings)  # the same port, database and PBX

        await expect(page.locator("#conn-state")).to_have_attribute("data-state", "online", timeout=20_000)
        await expect(page.locator("#call-state")).to_have_attribute("data-state", "talking")
        await expect(page.locator("#presence-state")).to_have_text(RU["presence_state.talking"])
        await expect(page.locator("#customer-name")).to_have_text(name)
        await expect(page.locator("#card-id")).to_have_text(RU["card.number"].format(id=card_id))
        await expect(page.locator("#card-notes")).to_have_value("Набрано до перезапуска")

        await page.select_option("#card-result", "resolved")
        await page.keyboard.press("Control+s")
        await expect(page.locator("#card-msg")).to_have_attribute("data-kind", "ok")
        card = await api_get(page, f"{server.url}/api/cards/{card_id}")
        assert (card["call_id"], card["topic"], card["result"], card["notes"], card["customer_id"]) == (
            call_id,
            "payment",
            "resolved",
            "Набрано до перезапуска",
            customer_id,
        )
    finally:
        await server.stop()
