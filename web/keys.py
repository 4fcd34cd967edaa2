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
from workstation.application_types import ApplicationTypes
from workstation.applications_work import ApplicationWork
from workstation.offers import OfferBook
from workstation.queue_load import LiveQueueLoad
from workstation.scripts import ScriptBook
from workstation.service import Workstation
from workstation.supervision import SupervisionService
from workstation.wallboard import WallboardStats

from .public_apply_limit import ApplyLimit
from .settings import Settings
from .throttle import LoginThrottle

if TYPE_CHECKING:
    from .admin_books import BookInForce
    from .admin_imports import ImportJobs  # noqa: F401  (named in the AppKey below)
    from .mail_ctx import MailChannel  # noqa: F401  (named in the AppKey below)
    from .sio import SocketNotifier  # noqa: F401  (named in the AppKey below)
    from .wallboard_page import WallboardPusher  # noqa: F401  (named in the AppKey below)

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
WALLBOARD_PUSHER = web.AppKey["WallboardPusher"]("wallboard_pusher")  # pushes its changes to supervisors
IVR = web.AppKey("ivr", IvrServer)
SUPERVISION = web.AppKey("supervision", SupervisionService)  # the supervisor's actions (api_supervision.py)
# electronic applications (web/api_applications.py, web/public_apply.py)
APPLICATION_TYPES = web.AppKey("application_types", ApplicationTypes)
APPLICATION_WORK = web.AppKey("application_work", ApplicationWork)
APPLY_LIMIT = web.AppKey("apply_limit", ApplyLimit)
APPLY_SECRET = web.AppKey("apply_secret", bytes)  # signs the public form's CSRF tokens
MAIL = web.AppKey["MailChannel | None"]("mail")  # the mail channel (web/mail_ctx.py); None when off
# the admin console (web/admin_books.py, web/admin_imports.py)
BOOKS_IN_FORCE = web.AppKey[dict[str, "BookInForce"]]("books_in_force")  # which version of each book is used
IMPORTS = web.AppKey["ImportJobs"]("imports")  # uploaded imports running in the background
DIALER = web.AppKey("dialer", DialerService)  # outbound campaigns (issue 12)
