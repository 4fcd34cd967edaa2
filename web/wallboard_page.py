"""The supervisors' wallboard: the page (/wallboard), and its live data over Socket.IO (/supervisor).

Pushed, never polled. Every CTI event goes through the wallboard's fold (workstation/wallboard.py); what it
changed is emitted at once to the /supervisor namespace as `wallboard:changes`. A page asks for the full
picture (`wallboard:full`, answered in the acknowledgement) each time it connects, and again when it sees a
gap in `seq` (workstation/wallboard_feed.py). The dialer hands its campaign figures to `push_campaigns`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from workstation.directory import Directory
from workstation.notify import Notifier
from workstation.wallboard import WallboardStats
from workstation.wallboard_feed import CampaignFigures, WallboardFeed

from . import keys
from .auth import require_role
from .pages import page_context

routes = web.RouteTableDef()
SUPERVISORS = ("supervisor", "admin")
NAMESPACE = "/supervisor"
MIDNIGHT_CHECK_S = 30.0  # a day with no event after midnight still turns over within this


class WallboardPusher:
    """The stream subscriber that folds each event and pushes what it changed to the supervisors' pages."""

    def __init__(self, feed: WallboardFeed, notifier: Notifier, clock: Callable[[], datetime]) -> None:
        self.feed = feed
        self.notifier = notifier
        self.clock = clock

    async def handle(self, event: object) -> None:
        await self._push(self.feed.apply(event, self.clock()))

    async def tick(self) -> None:
        await self._push(self.feed.tick(self.clock()))

    async def push_campaigns(self, campaigns: Iterable[CampaignFigures]) -> None:
        await self.notifier.to_supervisors("wallboard:campaigns", self.feed.set_campaigns(campaigns, self.clock()))

    def full(self) -> dict[str, Any]:
        return self.feed.full(self.clock())

    async def _push(self, payload: dict[str, Any] | None) -> None:
        if payload is not None:
            await self.notifier.to_supervisors("wallboard:changes", payload)


def operator_names(directory: Directory) -> Callable[[str], str | None]:
    def name_of(interface: str) -> str | None:
        user = directory.by_interface(interface)
        return (user.full_name or user.username) if user else None

    return name_of


async def turn_days(pusher: WallboardPusher) -> None:
    while True:
        await asyncio.sleep(MIDNIGHT_CHECK_S)
        await pusher.tick()


def wallboard_pusher(app: web.Application, board: WallboardStats) -> WallboardPusher:
    """The pusher of `board`, with the queues' titles and targets from the routing rules and the operators'
    names from the user directory (the workstation's, started before the wallboard)."""
    rules = app[keys.RULES]
    feed = WallboardFeed(
        board=board,
        titles=rules.queues,
        targets=rules.targets_for,
        names=operator_names(app[keys.WORKSTATION].directory),
    )
    return WallboardPusher(feed, app[keys.NOTIFIER], app[keys.CLOCK])


def setup(app: web.Application) -> None:
    """The page's route and the Socket.IO request for the full picture (the namespace admits supervisors and
    admins only: web/sio.py)."""
    app.add_routes(routes)

    async def full_picture(sid: str, _data: Any = None) -> dict[str, Any]:
        return app[keys.WALLBOARD_PUSHER].full()

    app[keys.SIO].on("wallboard:full", full_picture, namespace=NAMESPACE)


@routes.get("/wallboard")
async def wallboard_page(request: web.Request) -> web.Response:
    require_role(request, *SUPERVISORS)
    wall = request.query.get("screen") == "wall"
    return aiohttp_jinja2.render_template("wallboard.html", request, page_context(request, wall=wall))
