"""Typed keys of the application's state: the only place long-lived resources are kept.

Set by the app factory (configuration and the books) or by one cleanup_ctx each (see app.py for the order).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import socketio
from aiohttp import web

from crm_store.db import Database
from cti import AmiClient, CallControl
from cti.events import Event
from cti.sim import PbxSimulator
from cti.stream import EventStream
from dialer.service import DialerService
from ivr import IvrServer, Menu
from routing import RuleSet
from workstation.offers import OfferBook
from workstation.queue_load import LiveQueueLoad
from workstation.scripts import ScriptBook
from workstation.service import Workstation
from workstation.wallboard import WallboardStats

from .settings import Settings
from .throttle import LoginThrottle

if TYPE_CHECKING:
    from .sio import SocketNotifier  # noqa: F401  (named in the AppKey below)

# configuration, set by create_app
SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey[Callable[[], datetime]]("clock")
THROTTLE = web.AppKey("throttle", LoginThrottle)
TRANSLATE = web.AppKey[Callable[[str], str]]("translate")
STRINGS = web.AppKey[dict[str, str]]("strings")
SIO = web.AppKey("sio", socketio.AsyncServer)
# the validated books, loaded by create_app (a broken file stops the start, naming file and line)
RULES = web.AppKey("rules", RuleSet)
MENU = web.AppKey("menu", Menu)
OFFERS = web.AppKey("offers", OfferBook)
SCRIPTS = web.AppKey("scripts", ScriptBook)
# long-lived resources, one cleanup_ctx each, in start-up order
DB = web.AppKey("db", Database)
NOTIFIER = web.AppKey["SocketNotifier"]("notifier")
SIMULATOR = web.AppKey[PbxSimulator | None]("simulator")  # None with a real PBX
AMI = web.AppKey("ami", AmiClient)
CONTROL = web.AppKey("control", CallControl)
STREAM = web.AppKey[EventStream[Event]]("stream")
WORKSTATION = web.AppKey("workstation", Workstation)
QUEUE_LOAD = web.AppKey("queue_load", LiveQueueLoad)
WALLBOARD = web.AppKey("wallboard", WallboardStats)
IVR = web.AppKey("ivr", IvrServer)
DIALER = web.AppKey("dialer", DialerService)  # outbound campaigns (issue 12)
