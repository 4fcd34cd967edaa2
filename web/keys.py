"""Typed keys of the application's state: the only place long-lived resources are kept."""

from __future__ import annotations

from aiohttp import web

from crm_store.db import Database

from .settings import Settings

SETTINGS = web.AppKey("settings", Settings)
DB = web.AppKey("db", Database)
