"""Typed keys of the application's state: the only place long-lived resources are kept."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import socketio
from aiohttp import web

from crm_store.db import Database
from routing import RuleSet
from workstation.queue_load import LiveQueueLoad
from workstation.service import Workstation

from .settings import Settings
from .throttle import LoginThrottle

if TYPE_CHECKING:
    from .sio import SocketNotifier  # noqa: F401  (named in the AppKey below)
    from .telephony import Telephony  # noqa: F401

SETTINGS = web.AppKey("settings", Settings)
DB = web.AppKey("db", Database)
CLOCK = web.AppKey("clock", Callable[[], datetime])
THROTTLE = web.AppKey("throttle", LoginThrottle)
TRANSLATE = web.AppKey("translate", Callable[[str], str])
STRINGS = web.AppKey("strings", dict[str, str])
RULES = web.AppKey("rules", RuleSet)
NOTIFIER = web.AppKey("notifier", "SocketNotifier")
WORKSTATION = web.AppKey("workstation", Workstation)
TELEPHONY = web.AppKey("telephony", "Telephony")
QUEUE_LOAD = web.AppKey("queue_load", LiveQueueLoad)
SIO = web.AppKey("sio", socketio.AsyncServer)
