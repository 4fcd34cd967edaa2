"""The one place the channels without a signed-in user (e-mail, IVR) get their filing service from.

Both depend on the `Filer` protocol only (workstation/filing.py; the IVR's `ApplicationFiler` is the same
shape without attachments): pointing this function at another filing service changes both channels."""

from __future__ import annotations

from aiohttp import web

from workstation.attachments import AttachmentStore
from workstation.filing import TypedFiler

from . import keys


def attachment_store(app: web.Application) -> AttachmentStore:
    return AttachmentStore(db=app[keys.DB])


def application_filer(app: web.Application) -> TypedFiler:
    return TypedFiler(db=app[keys.DB], types=app[keys.APPLICATION_TYPES], rules=app[keys.RULES], clock=app[keys.CLOCK])
