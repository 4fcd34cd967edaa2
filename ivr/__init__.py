"""IVR self-service over FastAGI: a config-driven menu run as a pure state machine (flow.py) by an
async AGI edge (server.py, session.py), with data behind the `IvrBackend` protocol. See README.md."""

from .backend import IvrBackend
from .errors import AgiError, BackendError, IvrError, MenuError
from .menu import Menu, default_menu, load_menu
from .server import DEFAULT_PORT, IvrServer
from .stats import IvrStats, ivr_stats
from .values import IvrSessionRecord

__all__ = [
    "DEFAULT_PORT",
    "AgiError",
    "BackendError",
    "IvrBackend",
    "IvrError",
    "IvrServer",
    "IvrSessionRecord",
    "IvrStats",
    "Menu",
    "MenuError",
    "default_menu",
    "ivr_stats",
    "load_menu",
]
