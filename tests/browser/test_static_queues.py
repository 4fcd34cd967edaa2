"""An operator whose phone is a static member of a queue (set in the PBX's queues.conf): the presence bar
shows it as such, sign-in offers only the other queues, and logout asks first."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from cti.sim import MemberConfig, PbxSimulator, QueueConfig, SimConfig
from tests.serving import prepare_database, settings_for_test, start, wait_for

from .conftest import RU
from .ui import assert_screen_is_russian, log_in, sign_in_to

pytestmark = pytest.mark.browser

OP1 = "PJSIP/1001"


@pytest.fixture
async def static_pbx(tmp_path: Path) -> AsyncIterator[tuple[Any, PbxSimulator]]:
    """The app against a PBX of its own whose queues.conf lists op1's phone as a member of billing."""
    pbx = PbxSimulator(
        SimConfig(
            port=0,
            username="ami",
            secret="ami-secret",
            answer_wait=0.05,
            queues=(
                QueueConfig(name="support"),
                QueueConfig(name="billing", members=(MemberConfig(interface=OP1, name="OP1", bot=False),)),
            ),
        )
    )
    await pbx.start()
    url = await prepare_database(tmp_path / "ccdesk.db")
    server = await start(replace(settings_for_test(tmp_path, url), pbx=f"ami://ami:ami-secret@127.0.0.1:{pbx.port}"))
    yield server, pbx
    await server.stop()
    await pbx.stop()


async def test_a_static_membership_is_shown_as_such_and_is_not_offered_for_sign_in(static_pbx, page) -> None:
    server, pbx = static_pbx
    await log_in(page, server.url, "op1", server.passwords["op1"])
    static = page.locator("#presence-static")
    await expect(static).to_have_text(RU["presence.static_queues"].format(queues=RU["queue.billing"]))
    await assert_screen_is_russian(page, "static member, not signed in")

    offered = page.locator("#signin-queues input[type=checkbox]")
    await expect(offered).to_have_count(1)
    await expect(offered).to_have_attribute("value", "support")
    await sign_in_to(page, ["support"])
    await expect(page.locator("#presence-detail")).to_have_text(
        RU["presence.in_queues"].format(queues=RU["queue.support"])
    )
    await expect(static).to_be_visible()
    await wait_for(lambda: OP1 in pbx.snapshot()["queues"]["support"]["members"])

    await page.click("#btn-logout")
    question = page.locator("#logout-question")
    await expect(question).to_contain_text(RU["queue.support"])
    await expect(question).to_contain_text(RU["queue.billing"])
    await page.click("#btn-logout-stay")  # changed my mind: still logged in, still in the queues
    await expect(page.locator("#logout-dialog")).to_be_hidden()
    await expect(page.locator("#presence-state")).to_have_attribute("data-state", "available")
    await page.click("#btn-logout")
    await page.click("#btn-logout-confirm")
    await expect(page).to_have_url(re.compile(r"/login"))
    await wait_for(lambda: OP1 not in pbx.snapshot()["queues"]["support"]["members"])
