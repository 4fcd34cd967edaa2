"""The supervisors' wallboard: the page (/wallboard), and its live data over Socket.IO (/supervisor).

Pushed, never polled. Every CTI event goes through the wallboard's fold (workstation/wallboard.py); what it
changed is emitted at once to the /supervisor namespace as `wallboard:changes` (in a burst, the changes of
the events within MIN_PUSH_INTERVAL_S go out as one push). A page asks for the full
picture (`wallboard:full`, answered in the acknowledgement) each time it connects, and again when it sees a
gap in `seq` (workstation/wallboard_feed.py). The dialer hands its campaign figures to `push_campaigns`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from routing import QueueTargets
from workstation.directory import Directory
from workstation.wallboard import WallboardStats
from workstation.wallboard_feed import CampaignFigures, WallboardFeed, merge

from . import keys
from .auth import require_role
from .pages import page_context

routes = web.RouteTableDef()
SUPERVISORS = ("supervisor", "admin")
NAMESPACE = "/supervisor"
MIDNIGHT_CHECK_S = 30.0  # a day with no event after midnight still turns over within this
# At most this often a push to the pages (~40 a second): what comes sooner is merged into the next one.
MIN_PUSH_INTERVAL_S = 0.025
log = logging.getLogger(__name__)


class WallboardPusher:
    """The stream subscriber that folds each event and pushes what it changed to the supervisors' pages.

    The first change after a quiet moment is sent at once; changes that come sooner than `min_interval`
    after a push are merged (workstation.wallboard_feed.merge) and sent together when it has passed. So a
    burst of events costs one emit per interval to each page, not one per event, and a figure is never later
    than that interval; nothing is ever polled.
    """

    def __init__(
        self,
        feed: WallboardFeed,
        send: Callable[[str, Any], Awaitable[None]],
        clock: Callable[[], datetime],
        *,
        min_interval: float = MIN_PUSH_INTERVAL_S,
    ) -> None:
        self.feed = feed
        self.send = send
        self.clock = clock
        self.min_interval = min_interval
        self._pending: dict[str, Any] | None = None
        self._wake = asyncio.Event()
        self._events = 0  # folded since the last push (sent along: how busy the stream is, for bench/)

    async def handle(self, event: object) -> None:
        self._events += 1
        if self.feed.fold(event):
            self._wake.set()  # the figures are read when the push leaves (`run`)

    async def tick(self) -> None:
        self._queue(self.feed.tick(self.clock()))

    async def push_campaigns(self, campaigns: Iterable[CampaignFigures]) -> None:
        """For the dialer: its campaigns' figures, shown as they are (all of them, each time)."""
        self._queue(self.feed.set_campaigns(campaigns, self.clock()))

    def full(self) -> dict[str, Any]:
        return self.feed.full(self.clock())

    def retitle(self, titles: Mapping[str, str], targets: Callable[[str], QueueTargets]) -> None:
        """New routing rules: the queues' titles and targets, pushed to the open pages."""
        self._queue(self.feed.retitle(titles, targets, self.clock()))

    def _queue(self, change: dict[str, Any] | None) -> None:
        if change is not None:
            self._pending = merge(self._pending, change)
            self._wake.set()

    async def run(self) -> None:
        """The one sender (pushes leave in `seq` order); a kept task of wallboard_ctx."""
        loop = asyncio.get_running_loop()
        sent_at = -self.min_interval
        while True:
            await self._wake.wait()
            wait = sent_at + self.min_interval - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)  # what comes meanwhile joins this push
            self._wake.clear()
            folded = self.feed.take(self.clock())
            change, self._pending = self._pending, None
            if folded is not None:
                change = merge(change, folded)
            if change is None:
                continue
            change["events"], self._events = self._events, 0
            sent_at = loop.time()
            try:
                await self.send("wallboard:changes", self.feed.sequenced(change))
            except Exception:  # a failed emit loses one push: the pages see the gap in seq and ask again
                log.exception("wallboard push failed")


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
    sio = app[keys.SIO]

    async def to_supervisors(event: str, data: Any) -> None:
        # Awaited (unlike the notifier's fire-and-forget emits): the pusher merges what comes meanwhile.
        await sio.emit(event, data, room="everyone", namespace=NAMESPACE)

    return WallboardPusher(feed, to_supervisors, app[keys.CLOCK])


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
