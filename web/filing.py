"""The one place the channels without a signed-in user (e-mail, IVR) get their filing service from, and every
channel its letters to the customer (receipts, status notes: one outbox, workstation/customer_mail.py).

Both depend on the `Filer` protocol only (workstation/filing.py; the IVR's `ApplicationFiler` is the same
shape without attachments): pointing this function at another filing service changes both channels."""

from __future__ import annotations

from aiohttp import web

from workstation.attachments import AttachmentStore
from workstation.customer_letters import status_page
from workstation.customer_mail import CustomerMail
from workstation.filing import TypedFiler

from . import keys


def attachment_store(app: web.Application) -> AttachmentStore:
    return AttachmentStore(db=app[keys.DB])


def customer_mail(app: web.Application) -> CustomerMail:
    """Letters go to the outbox whether mail is on or off (the /mail page shows them); with the mail channel on,
    queuing one wakes its relay sender. Looked up at each letter: the channel starts after the IVR's filer."""

    def wake() -> None:
        channel = app.get(keys.MAIL)
        if channel is not None:
            channel.wake_sender.set()

    return CustomerMail(db=app[keys.DB], wake=wake, status_url=status_page(app[keys.SETTINGS].apply_public_url))


def application_filer(app: web.Application) -> TypedFiler:
    return TypedFiler(
        db=app[keys.DB],
        types=app[keys.APPLICATION_TYPES],
        rules=app[keys.RULES],
        clock=app[keys.CLOCK],
        mail=customer_mail(app),
    )
